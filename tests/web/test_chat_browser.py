"""The chat page in a real Chromium: typing, htmx swaps, keyboard, no JavaScript, axe, 360 px.

Every visit is checked afterwards for requests to other hosts, cookies and CSP errors
(see the ``visit`` fixture)."""
from __future__ import annotations

import os
import shutil
from urllib.parse import parse_qs

import pytest

from browsing import ROOT, run_axe

SCREENSHOTS = ROOT / "docs" / "screenshots"


def ask(page, question: str, number: int):
    """Type a question, press Enter, wait for its turn."""
    page.fill("#frage", question)
    page.press("#frage", "Enter")
    turn = page.locator(f"#runde-{number}")
    turn.locator(".answer, .decline, .problem").wait_for()
    page.wait_for_function("() => document.getElementById('frage').value === ''")   # htmx settled
    return turn


def posted(visit, path: str) -> list[dict]:
    return [parse_qs(body, keep_blank_values=True) for url, body in visit.posts if url.endswith(path)]


@pytest.fixture
def chat(visit, live_server):
    """The empty chat with JavaScript, recording what the form posts."""
    v = visit()
    v.posts = []
    v.page.on("request", lambda r: v.posts.append((r.url.split("#")[0], r.post_data or "")) if r.method == "POST" else None)
    v.page.goto(live_server.url + "/")
    v.page.wait_for_function("() => window.htmx !== undefined")
    return v


def test_typing_a_question_and_enter_shows_the_answer_and_its_source(chat, answered_question):
    page = chat.page
    turn = ask(page, answered_question, 0)
    assert page.url.endswith("/")                                 # htmx: no page load
    assert turn.locator(".question").inner_text().endswith(answered_question)
    answer = turn.locator(".answer")
    assert answer.locator(".answer-title").is_visible()
    assert answer.locator(".passage mark").count() >= 1
    source = answer.locator("a.external")
    assert source.is_visible() and source.get_attribute("href").startswith("https://")
    item_link = answer.get_by_role("link", name="Ganzen Text lesen")
    assert item_link.get_attribute("href").startswith("/inhalt/")
    assert answer.locator(".stand").inner_text().startswith("Stand: ")
    # the box is emptied and keeps the focus (after htmx settles); the log holds the new turn
    page.wait_for_function("() => document.activeElement.id === 'frage' && document.activeElement.value === ''")
    assert page.locator("[role=log] #runde-0").count() == 1
    assert page.locator("#zustand input[name=verlauf]").evaluate_all("els => els.map(e => e.value)") == [answered_question]


def test_further_answers_open(chat, answered_question):
    turn = ask(chat.page, answered_question, 0)
    further = turn.locator("details.further")
    assert further.locator("summary").inner_text().startswith("Weitere Antworten")
    assert not further.locator("li").first.is_visible()
    further.locator("summary").click()
    assert further.locator("li").first.is_visible()
    assert 1 <= further.locator("li").count() <= 4
    assert further.locator("li a").first.get_attribute("href").startswith("/inhalt/")


def test_decline_offers_suggestions_and_a_suggestion_is_asked(chat, declined_question):
    page = chat.page
    turn = ask(page, declined_question, 0)
    decline = turn.locator(".decline")
    assert "keine passende Antwort" in decline.inner_text()
    assert decline.get_by_role("link", name="So finden Sie Ihr Jobcenter").is_visible()
    suggestion = decline.locator("button.suggestion").first
    title = suggestion.inner_text()
    suggestion.click()
    second = page.locator("#runde-1")
    second.locator(".answer, .decline").wait_for()
    assert second.locator(".question").inner_text().endswith(title)
    sent = posted(chat, "/frage")[-1]
    assert sent["vorschlag"] == [title] and sent["verlauf"] == [declined_question]


def test_common_question_button_on_the_empty_chat(chat):
    page = chat.page
    button = page.locator(".welcome button.suggestion").first
    title = button.inner_text()
    button.click()
    turn = page.locator("#runde-0")
    turn.locator(".answer").wait_for()
    assert turn.locator(".question").inner_text().endswith(title)


def test_follow_up_sends_the_previous_question(chat, answered_question):
    page = chat.page
    ask(page, answered_question, 0)
    ask(page, "und für Kinder?", 1)
    sent = posted(chat, "/frage")[-1]
    assert sent["frage"] == ["und für Kinder?"] and sent["verlauf"] == [answered_question]
    assert page.locator(".turn:not(.turn-start)").count() == 2


def test_feedback_is_sent_and_thanked(chat, answered_question, feedback_store):
    page = chat.page
    before = len(feedback_store.all())
    turn = ask(page, answered_question, 0)
    turn.get_by_role("button", name="Ja, die Antwort war hilfreich").click()
    thanks = turn.locator(".feedback .thanks")
    thanks.wait_for()
    assert thanks.inner_text().startswith("Danke")
    page.wait_for_function("() => document.activeElement.id === 'rueckmeldung-0'")
    assert page.input_value("#frage") == ""
    votes = feedback_store.all()
    assert len(votes) == before + 1 and votes[-1].helpful is True
    assert votes[-1].question == answered_question
    assert page.locator("#zustand input[name=bewertet]").get_attribute("value") == "0"


def test_script_in_a_question_is_shown_as_text(chat):
    page = chat.page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    turn = ask(page, attack, 0)
    assert turn.locator(".question").inner_text().endswith(attack)
    assert page.locator("#log script, #log img").count() == 0
    page.wait_for_timeout(200)
    assert dialogs == []


def test_keyboard_only(chat, answered_question):
    page = chat.page
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "frage":
            break
    else:
        pytest.fail("Tab never reached the question box")
    page.keyboard.type(answered_question)
    page.keyboard.press("Enter")
    page.locator("#runde-0 .answer").wait_for()
    page.wait_for_function("() => document.activeElement.id === 'frage'")
    # back through the answer with Shift+Tab: feedback buttons, then the links of the answer
    reached = []
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        info = page.evaluate("""() => { const e = document.activeElement;
            return {tag: e.tagName, text: e.innerText, outline: getComputedStyle(e).outlineStyle}; }""")
        reached.append(info)
        if info["tag"] == "A" and info["text"].startswith("Offizielle Quelle"):
            break
    assert reached[-1]["tag"] == "A", reached
    assert all(r["outline"] != "none" for r in reached), reached      # focus is visible
    assert any(r["text"].startswith("Nein") for r in reached)
    assert any(r["text"].startswith("Weitere Antworten") for r in reached)
    # Enter on the summary opens the further answers
    for _ in range(3):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    page.keyboard.press("Enter")
    assert page.locator("#runde-0 details.further").get_attribute("open") is not None


def test_without_javascript_the_form_posts_the_whole_page(visit, live_server, answered_question, declined_question):
    v = visit(java_script=False)
    page = v.page
    page.goto(live_server.url + "/")
    page.fill("#frage", answered_question)
    page.press("#frage", "Enter")
    page.wait_for_url("**/frage#neu")
    assert page.locator("#runde-0 .answer a.external").is_visible()
    page.fill("#frage", declined_question)
    page.click("button.send")
    page.wait_for_load_state()
    assert page.locator("#runde-0 .answer").count() == 1         # the conversation so far
    decline = page.locator("#runde-1 .decline")
    assert decline.is_visible()
    title = decline.locator("button.suggestion").first.inner_text()
    decline.locator("button.suggestion").first.click()
    page.wait_for_load_state()
    assert page.locator("#runde-2 .question").inner_text().endswith(title)
    # feedback without JavaScript
    page.locator("#runde-0").get_by_role("button", name="Nein, die Antwort war nicht hilfreich").click()
    page.wait_for_url("**/feedback#runde-0")
    assert page.locator("#rueckmeldung-0 .thanks").is_visible()
    assert page.locator(".turn:not(.turn-start)").count() == 3
    # the user's text is shown, never run
    attack = "<script>document.title='owned'</script>"
    page.fill("#frage", attack)
    page.press("#frage", "Enter")
    page.wait_for_load_state()
    assert page.locator("#runde-3 .question").inner_text().endswith(attack)
    assert page.title() != "owned"


def test_360px_wide_has_no_horizontal_scroll(visit, live_server, answered_question, declined_question):
    v = visit(width=360, height=740)
    page = v.page
    page.goto(live_server.url + "/")
    ask(page, answered_question, 0).locator("summary").click()
    ask(page, declined_question, 1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(live_server.url + "/inhalt/faq/minijob")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_200_percent_zoom_reflows(visit, live_server, answered_question):
    """200 % zoom on a 1280 px window is a 640 px wide layout viewport."""
    v = visit(width=640, height=450)
    page = v.page
    page.goto(live_server.url + "/")
    ask(page, answered_question, 0).locator("summary").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    box = page.locator("#frage").bounding_box()
    assert box["width"] >= 200


def test_no_cookies_no_storage_no_other_hosts(chat, live_server, answered_question):
    page = chat.page
    ask(page, answered_question, 0)
    assert chat.context.cookies() == []
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("localStorage.length") == 0
    # htmx notes the page's path ("/") for its history support; no question is kept anywhere.
    session = page.evaluate("Object.fromEntries(Object.entries(sessionStorage))")
    assert session in ({}, {"htmx-current-path-for-history": "/"})
    assert chat.foreign_requests(live_server.url) == []
    assert {u.split("?")[0].split("#")[0] for u in chat.requests} >= {
        live_server.url + "/", live_server.url + "/static/vendor/htmx.min.js", live_server.url + "/frage"}


# --- axe-core ------------------------------------------------------------------------------

@pytest.fixture
def axe_page(visit, live_server):
    v = visit(bypass_csp=True)
    v.page.goto(live_server.url + "/")
    v.page.wait_for_function("() => window.htmx !== undefined")
    return v.page


def test_axe_empty_chat(axe_page):
    assert run_axe(axe_page) == []


def test_axe_chat_with_answers(axe_page, answered_question):
    ask(axe_page, answered_question, 0).locator("summary").click()
    ask(axe_page, "Wie viel Vermögen darf ich haben?", 1)
    axe_page.locator("#runde-0").get_by_role("button", name="Ja, die Antwort war hilfreich").click()
    axe_page.locator("#rueckmeldung-0 .thanks").wait_for()
    assert run_axe(axe_page) == []


def test_axe_declined_question(axe_page, declined_question):
    ask(axe_page, declined_question, 0)
    axe_page.fill("#frage", "")
    axe_page.click("button.send")                       # the browser's own "required" message
    assert run_axe(axe_page) == []


def test_axe_item_page_and_embed_page(visit, live_server):
    page = visit(bypass_csp=True).page
    for path in ("/inhalt/faq/regelbedarf-hoehe", "/einbinden"):
        page.goto(live_server.url + path)
        assert run_axe(page) == [], path


# --- screenshots for docs/screenshots ------------------------------------------------------

def test_screenshots(visit, live_server, answered_question, declined_question, tmp_path):
    """Desktop and 360 px. Written to docs/screenshots when FAQBOT_SCREENSHOTS=1."""
    shots = {}
    for name, width, height in [("chat-desktop.png", 1280, 900), ("chat-360.png", 360, 740)]:
        page = visit(width=width, height=height).page
        page.goto(live_server.url + "/")
        page.wait_for_function("() => window.htmx !== undefined")
        ask(page, answered_question, 0).locator("summary").click()
        ask(page, declined_question, 1)
        page.locator("#frage").blur()
        page.evaluate("window.scrollTo(0, 0)")
        path = tmp_path / name
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        shots[name] = path
    if os.environ.get("FAQBOT_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name, path in shots.items():
            shutil.copyfile(path, SCREENSHOTS / name)
