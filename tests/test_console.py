"""The staff console through a real waitress server: sign-in, roles, CSRF, bench, reports,
reindex from the browser with the quality gate."""
from __future__ import annotations

import http.cookiejar
import os
import re
import stat
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from faqbot import accounts, create_app, db
from faqbot.index import current_build

from support import LiveServer, make_app, wait_until

PASSWORD = "ein-sicheres-passwort"


class Browser:
    """A tiny cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            response = self.opener.open(self.base + path, data=body, timeout=30)
        except urllib.error.HTTPError as exc:
            response = exc
        text = response.read().decode("utf-8", "replace")
        return response.status if hasattr(response, "status") else response.code, response.headers, text

    def csrf(self, path: str) -> str:
        _, _, text = self.request(path)
        return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)

    def sign_in(self, name: str, password: str = PASSWORD):
        token = self.csrf("/konsole/anmelden")
        return self.request("/konsole/anmelden", {"name": name, "password": password, "csrf_token": token})


@pytest.fixture
def console(tmp_path, content_dir, index_dir, database_url):
    app = make_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                      "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": database_url,
                      "RATE_LIMIT": "off"})
    engine = app.extensions["faqbot"].db
    accounts.add_user(engine, "eva", "editor", PASSWORD)
    accounts.add_user(engine, "stefan", "staff", PASSWORD)
    with LiveServer(app) as server:
        yield server, app


def test_anonymous_requests_are_refused(console):
    server, _ = console
    browser = Browser(server.url)
    status, headers, _ = browser.request("/konsole/testen?q=miete")
    assert status == 302 and "/konsole/anmelden" in headers["Location"]
    status, _, _ = browser.request("/konsole/reindex", {"csrf_token": "x"})
    assert status in (400, 401)
    status, _, _ = browser.request("/konsole/fragen.csv")
    assert status == 302


def test_wrong_password_is_refused(console):
    server, _ = console
    status, headers, text = Browser(server.url).sign_in("eva", "falsches-passwort")
    assert status == 401
    assert "Name oder Passwort ist falsch" in text


def test_missing_csrf_token_is_refused(console):
    server, _ = console
    browser = Browser(server.url)
    browser.request("/konsole/anmelden")
    status, _, text = browser.request("/konsole/anmelden", {"name": "eva", "password": PASSWORD})
    assert status == 400 and "CSRF" in text
    browser.sign_in("eva")
    status, _, _ = browser.request("/konsole/qualitaet", {})
    assert status == 400


def test_session_cookie_is_httponly_samesite_and_scoped(console):
    server, _ = console
    browser = Browser(server.url)
    status, headers, _ = browser.sign_in("eva")
    assert status == 302
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/konsole" in cookie


def test_secret_key_is_generated_into_the_instance_folder(console, tmp_path):
    key = tmp_path / "instance" / "secret_key"
    assert key.exists() and len(key.read_text().strip()) == 64
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600


def test_citizens_pages_set_no_cookie(console):
    server, _ = console
    browser = Browser(server.url)
    for path in ("/api/ask?q=miete", "/inhalt/faq/regelbedarf-hoehe", "/healthz"):
        status, headers, _ = browser.request(path)
        assert status == 200 and "Set-Cookie" not in headers, path


def test_staff_may_test_but_not_reindex(console):
    server, app = console
    browser = Browser(server.url)
    browser.sign_in("stefan")
    status, _, text = browser.request("/konsole/testen?q=" + urllib.parse.quote("hartz 4 miete"))
    assert status == 200
    assert "Analysierte Frage" in text and "Synonym" in text and "Abdeckung" in text
    before = current_build(Path(app.config["INDEX_DIR"]))
    token = browser.csrf("/konsole/reindex")
    status, _, text = browser.request("/konsole/reindex", {"csrf_token": token})
    assert status == 403
    assert current_build(Path(app.config["INDEX_DIR"])) == before


def test_bench_explains_a_decline(console):
    server, _ = console
    browser = Browser(server.url)
    browser.sign_in("stefan")
    _, _, text = browser.request("/konsole/testen?q=asdfgh")
    assert "Abgelehnt" in text and "Schwelle" in text


def test_bench_shows_what_made_each_candidate_win(console):
    server, _ = console
    browser = Browser(server.url)
    browser.sign_in("stefan")
    _, _, text = browser.request("/konsole/testen?q=" + urllib.parse.quote("Wie hoch ist der Regelbedarf für Kinder?"))
    assert "Größte Beiträge zum Wert" in text
    assert "Abdeckung der Frage +" in text


def propose(browser: Browser, question: str, expect: str):
    token = browser.csrf("/konsole/testen?q=miete")
    return browser.request("/konsole/katalog", {"csrf_token": token, "q": question, "expect": expect})


def merge(runner, content_dir: Path, database_url: str):
    from faqbot.cli import cli
    return runner.invoke(cli, ["questions", "merge", "--content", str(content_dir)],
                         env={"FAQBOT_DATABASE_URL": database_url})


def test_bench_proposes_a_question_and_the_cli_merges_it(console, content_dir, runner, database_url):
    server, _ = console
    browser = Browser(server.url)
    browser.sign_in("stefan")
    qfile = content_dir / "questions.yaml"
    before = qfile.read_bytes()
    status, headers, _ = propose(browser, "wer zahlt meine miete: das amt?", "faq/kosten-unterkunft-heizung")
    assert status == 302 and "/konsole/vorschlaege" in headers["Location"]
    assert qfile.read_bytes() == before              # the web process writes no editorial file
    _, _, page = browser.request(urllib.parse.urlparse(headers["Location"]).path + "?neu=1")
    assert "Ihr Vorschlag ist gespeichert" in page and "wer zahlt meine miete: das amt?" in page

    result = merge(runner, content_dir, database_url)
    assert result.exit_code == 0, result.output
    assert "1 Frage(n)" in result.output
    from faqbot.evaluation import load_question_set
    questions = load_question_set(qfile).questions
    assert questions[-1].question == "wer zahlt meine miete: das amt?"
    assert questions[-1].expect == ("faq/kosten-unterkunft-heizung",)
    assert qfile.read_bytes().startswith(before)     # comments and entries kept as they were
    _, _, page = browser.request("/konsole/vorschlaege")
    assert "Keine offenen Vorschläge" in page
    again = merge(runner, content_dir, database_url)
    assert again.exit_code == 0 and "0 Frage(n)" in again.output
    assert len(load_question_set(qfile).questions) == len(questions)


def test_a_proposal_for_a_question_set_without_final_newline_leaves_it_valid(console, content_dir, runner,
                                                                               database_url):
    server, _ = console
    browser = Browser(server.url)
    browser.sign_in("stefan")
    qfile = content_dir / "questions.yaml"
    qfile.write_text(qfile.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")
    from faqbot.evaluation import load_question_set
    count = len(load_question_set(qfile).questions)
    propose(browser, "muss ich meine miete selbst zahlen", "faq/kosten-unterkunft-heizung")
    propose(browser, "wie wird das wetter übermorgen", "")
    result = merge(runner, content_dir, database_url)
    assert result.exit_code == 0, result.output
    questions = load_question_set(qfile).questions
    assert len(questions) == count + 2
    assert [(q.question, q.expect) for q in questions[-2:]] == [
        ("muss ich meine miete selbst zahlen", ("faq/kosten-unterkunft-heizung",)),
        ("wie wird das wetter übermorgen", ())]
    assert list(content_dir.glob(".questions.yaml.*")) == []
    from faqbot.cli import cli
    check = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert check.exit_code == 0, check.output


def test_a_question_set_that_cannot_take_proposals_stays_untouched(console, content_dir, runner, database_url):
    server, _ = console
    browser = Browser(server.url)
    browser.sign_in("stefan")
    qfile = content_dir / "questions.yaml"
    text = qfile.read_text(encoding="utf-8")
    # "questions:" no longer last: appended entries would land in the wrong list.
    broken = text + "extra:\n  - nichts\n"
    qfile.write_text(broken, encoding="utf-8")
    propose(browser, "muss ich meine miete selbst zahlen", "faq/kosten-unterkunft-heizung")
    result = merge(runner, content_dir, database_url)
    assert result.exit_code == 1
    assert "muss der letzte Abschnitt" in result.output
    assert qfile.read_text(encoding="utf-8") == broken
    _, _, page = browser.request("/konsole/vorschlaege")
    assert "muss ich meine miete selbst zahlen" in page      # still open


def test_only_editors_discard_proposals(console):
    server, _ = console
    staff, editor = Browser(server.url), Browser(server.url)
    staff.sign_in("stefan")
    editor.sign_in("eva")
    propose(staff, "kann ich das später klären", "")
    _, _, page = editor.request("/konsole/vorschlaege")
    action = re.search(r'action="(/konsole/vorschlaege/\d+/verwerfen)"', page).group(1)
    status, _, _ = staff.request(action, {"csrf_token": staff.csrf("/konsole/vorschlaege")})
    assert status == 403
    status, _, _ = editor.request(action, {"csrf_token": editor.csrf("/konsole/vorschlaege")})
    assert status == 302
    _, _, page = editor.request("/konsole/vorschlaege")
    assert "kann ich das später klären" not in page


def test_quality_report_and_history(console):
    server, _ = console
    browser = Browser(server.url)
    browser.sign_in("stefan")
    token = browser.csrf("/konsole/qualitaet")
    status, headers, _ = browser.request("/konsole/qualitaet", {"csrf_token": token})
    assert status == 302
    status, _, text = browser.request(urllib.parse.urlparse(headers["Location"]).path)
    assert status == 200 and "Hit@1" in text and "Bisherige Messungen" in text


def _wait_for_reindex(browser: Browser, location: str) -> str:
    path = urllib.parse.urlparse(location).path
    for _ in range(120):
        _, _, text = browser.request(path)
        if 'http-equiv="refresh"' not in text:
            return text
        time.sleep(0.25)
    raise AssertionError("reindex did not finish")


def test_editor_reindexes_from_the_browser(console, content_dir):
    server, app = console
    browser = Browser(server.url)
    browser.sign_in("eva")
    before = current_build(Path(app.config["INDEX_DIR"]))
    (content_dir / "faq" / "neu.md").write_text(
        "---\ntitle: Gibt es eine Sprechstunde am Samstag?\nstand: 2026-11-25\n"
        "source: https://www.sgb2.info/\nquestions: [\"Hat das Jobcenter samstags offen?\"]\n---\n"
        "Eine Samstagssprechstunde bieten nur wenige Jobcenter an.\n", encoding="utf-8")
    token = browser.csrf("/konsole/reindex")
    status, headers, _ = browser.request("/konsole/reindex", {"csrf_token": token})
    assert status == 302
    text = _wait_for_reindex(browser, headers["Location"])
    assert "Der neue Index ist live" in text
    assert current_build(Path(app.config["INDEX_DIR"])) != before
    _, _, answer = browser.request("/api/ask?q=samstagssprechstunde")
    assert "faq/neu" in answer


def test_content_error_keeps_the_old_index_and_shows_file_and_line(console, content_dir):
    server, app = console
    browser = Browser(server.url)
    browser.sign_in("eva")
    before = current_build(Path(app.config["INDEX_DIR"]))
    (content_dir / "faq" / "kaputt.md").write_text(
        "---\ntitle: Kaputt\nstand: gestern\nsource: https://www.sgb2.info/\nquestions: [x]\n---\nText.\n",
        encoding="utf-8")
    token = browser.csrf("/konsole/reindex")
    _, headers, _ = browser.request("/konsole/reindex", {"csrf_token": token})
    text = _wait_for_reindex(browser, headers["Location"])
    assert "bisherige Index bleibt in Betrieb" in text
    assert "content/faq/kaputt.md:3" in text
    assert current_build(Path(app.config["INDEX_DIR"])) == before


def test_quality_gate_refuses_a_worse_index_unless_overridden(console, content_dir):
    server, app = console
    browser = Browser(server.url)
    browser.sign_in("eva")
    before = current_build(Path(app.config["INDEX_DIR"]))
    qfile = content_dir / "questions.yaml"
    qfile.write_text(qfile.read_text(encoding="utf-8").replace("hit_at_1: ", "hit_at_1: 1.01 #"),
                     encoding="utf-8")
    token = browser.csrf("/konsole/reindex")
    _, headers, _ = browser.request("/konsole/reindex", {"csrf_token": token})
    text = _wait_for_reindex(browser, headers["Location"])
    assert "Unter den Schwellen" in text
    assert current_build(Path(app.config["INDEX_DIR"])) == before
    status, _, _ = browser.request("/konsole/reindex", {"csrf_token": token, "force": "1", "force_reason": ""})
    assert status == 400
    _, headers, _ = browser.request("/konsole/reindex", {"csrf_token": token, "force": "1",
                                                        "force_reason": "Katalog wird überarbeitet"})
    text = _wait_for_reindex(browser, headers["Location"])
    assert "Der neue Index ist live" in text and "Katalog wird überarbeitet" in text
    assert current_build(Path(app.config["INDEX_DIR"])) != before
    from faqbot import history
    runs = history.reindex_history(app.extensions["faqbot"].db)
    assert [(r.trigger, r.user, r.status) for r in runs[:2]] == [("konsole", "eva", "live"),
                                                                ("konsole", "eva", "refused")]
    assert runs[0].forced_reason == "Katalog wird überarbeitet"
    assert not (Path(app.config["INDEX_DIR"]) / "reindex.log").exists()   # the database is the audit trail


def test_cli_reindex_applies_the_same_gate(runner, content_dir, index_dir):
    from faqbot.cli import cli
    qfile = content_dir / "questions.yaml"
    qfile.write_text(qfile.read_text(encoding="utf-8").replace("hit_at_1: ", "hit_at_1: 1.01 #"),
                     encoding="utf-8")
    before = current_build(index_dir)
    args = ["reindex", "--content", str(content_dir), "--index", str(index_dir), "--quiet"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert "bisherige Index bleibt in Betrieb" in result.output
    assert current_build(index_dir) == before
    result = runner.invoke(cli, args + ["--force", "Test des Überschreibens"])
    assert result.exit_code == 0, result.output
    assert current_build(index_dir) != before


def test_staff_delete_a_stored_question_from_the_questions_page(console):
    server, app = console
    browser = Browser(server.url)
    for question in ("Ich heiße Kowalczyk, wer zahlt die Miete?", "Wie hoch ist der Regelsatz?"):
        status, _, _ = browser.request("/api/ask?q=" + urllib.parse.quote(question))
        assert status == 200
    stored = "Ich heiße [Name], wer zahlt die Miete?"
    browser.sign_in("stefan")
    status, _, page = browser.request("/konsole/fragen")
    assert status == 200 and stored in page and 'action="/konsole/fragen/loeschen"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    status, _, _ = browser.request("/konsole/fragen/loeschen", {"frage": stored, "art": "alle"})
    assert status == 400                                                     # no CSRF token
    status, headers, _ = browser.request("/konsole/fragen/loeschen",
                                         {"csrf_token": token, "frage": stored, "art": "alle"})
    assert status == 302
    location = urllib.parse.urlparse(headers["Location"])
    assert urllib.parse.parse_qs(location.query) == {"art": ["alle"], "geloescht": ["1"]}
    _, _, page = browser.request(f"{location.path}?{location.query}")
    assert "1 gespeicherte Frage(n) gelöscht." in page
    assert stored not in page and "Wie hoch ist der Regelsatz?" in page
    with app.extensions["faqbot"].db.connect() as conn:
        assert conn.execute(sa.select(db.questions.c.question)).scalars().all() == ["Wie hoch ist der Regelsatz?"]


def test_anonymous_visitors_cannot_delete_stored_questions(console):
    server, _ = console
    browser = Browser(server.url)
    token = browser.csrf("/konsole/anmelden")
    status, _, _ = browser.request("/konsole/fragen/loeschen", {"csrf_token": token, "frage": "Miete?"})
    assert status == 401
def test_the_console_lists_every_reindex_with_who_and_why(console, content_dir, index_dir, runner,
                                                          database_url):
    """Runs from the command line and from the automatic recovery appear next to the
    console's own, with who started them and why."""
    import json
    import shutil

    from faqbot.cli import cli
    server, app = console
    result = runner.invoke(cli, ["reindex", "--quiet", "--content", str(content_dir), "--index",
                                 str(index_dir), "--reason", "Regelsätze 2027"],
                           env={"FAQBOT_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    shutil.rmtree(current_build(index_dir))
    browser = Browser(server.url)
    status, _, _ = browser.request("/api/ask?q=miete")
    assert status == 503

    def healthy() -> bool:
        status, _, text = browser.request("/healthz")
        return status == 200 and json.loads(text)["status"] == "ok"
    assert wait_until(healthy)

    browser.sign_in("stefan")
    _, _, page = browser.request("/konsole/reindex")
    assert "(Kommandozeile)" in page and "(automatische Wiederherstellung)" in page
    assert page.count("<td>live</td>") == 2
    runs = re.findall(r'href="(/konsole/reindex/\d+)"', page)
    _, _, newest = browser.request(runs[0])
    assert "Anlass: Index nicht verfügbar" in newest and "ist live" in newest
    _, _, older = browser.request(runs[1])
    assert "Anlass: Regelsätze 2027" in older
    _, _, overview = browser.request("/konsole/")
    assert "(automatische Wiederherstellung): live" in overview
