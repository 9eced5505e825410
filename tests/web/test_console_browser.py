"""The staff console in a real Chromium: sign in, test a question, read the quality report,
start a reindex and watch it finish; axe on the console pages; keyboard sign-in."""
from __future__ import annotations

import pytest

from browsing import run_axe
from faqbot import accounts
from faqbot.index import current_build
from support import make_app

PASSWORD = "ein-sicheres-passwort"


@pytest.fixture
def console_server(tmp_path, content_dir, index_dir, live_server):
    LiveServer = type(live_server)
    app = make_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                      "INSTANCE_PATH": str(tmp_path / "instance"), "RATE_LIMIT": "off"})
    db = app.extensions["faqbot"].db
    accounts.add_user(db, "eva", "editor", PASSWORD)
    accounts.add_user(db, "stefan", "staff", PASSWORD)
    with LiveServer(app) as server:
        yield server, app


@pytest.fixture
def page(browser, console_server):
    server, _ = console_server
    context = browser.new_context(bypass_csp=True, locale="de-DE")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    # A refused sign-in answers 401, which Chromium reports as a failed resource: expected.
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and "status of 401" not in msg.text else None)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page.base = server.url
    yield page
    context.close()
    assert errors == []
    assert [u for u in requests if not u.startswith(server.url)] == []


def sign_in(page, name: str) -> None:
    page.goto(page.base + "/konsole/")
    assert "/konsole/anmelden" in page.url
    page.get_by_label("Name").fill(name)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(page.base + "/konsole/")


def test_wrong_password_shows_an_error(page):
    page.goto(page.base + "/konsole/anmelden")
    page.get_by_label("Name").fill("eva")
    page.get_by_label("Passwort").fill("falsch-falsch")
    page.get_by_role("button", name="Anmelden").click()
    assert page.get_by_role("alert").inner_text() == "Name oder Passwort ist falsch."


def test_sign_in_by_keyboard_alone(page):
    page.goto(page.base + "/konsole/anmelden")
    page.keyboard.press("Tab")          # skip link
    page.keyboard.press("Tab")          # brand link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "name"
    page.keyboard.type("eva")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(page.base + "/konsole/")
    assert page.get_by_role("heading", name="Übersicht").is_visible()


def test_test_bench_explains_an_answer(page):
    sign_in(page, "stefan")
    page.get_by_role("link", name="Testen").click()
    page.get_by_label("Frage, wie Bürgerinnen und Bürger sie stellen").fill("hartz 4 miete wer zahlt")
    page.get_by_role("button", name="Testen").click()
    page.wait_for_selector("text=Analysierte Frage")
    assert page.locator("table.data").first.inner_text().count("Synonym") >= 1
    assert "faq/kosten-unterkunft-heizung" in page.locator("table.data").nth(1).inner_text()
    assert run_axe(page) == []


def test_quality_report_is_shown_and_kept(page):
    sign_in(page, "stefan")
    page.get_by_role("link", name="Qualität").click()
    page.get_by_role("button", name="Jetzt messen").click()
    page.wait_for_selector("h1:has-text('Qualitätsbericht')")
    assert "Hit@1" in page.content()
    assert page.locator("text=Bisherige Messungen").is_visible()
    assert run_axe(page) == []


def test_staff_cannot_start_a_reindex(page, console_server):
    sign_in(page, "stefan")
    page.get_by_role("link", name="Index").click()
    assert page.get_by_role("button", name="Index neu bauen").count() == 0
    assert "Nur die Redaktion" in page.content()


def test_editor_starts_a_reindex_and_sees_it_go_live(page, console_server):
    server, app = console_server
    before = current_build(app.config["INDEX_DIR"])
    sign_in(page, "eva")
    page.get_by_role("link", name="Index").click()
    assert run_axe(page) == []
    page.get_by_role("button", name="Index neu bauen").click()
    page.wait_for_selector("text=Der neue Index ist live.", timeout=60_000)
    assert current_build(app.config["INDEX_DIR"]) != before
    assert "Hit@1 vorher → nachher" in page.content()
    assert run_axe(page) == []
