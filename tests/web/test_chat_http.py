"""The chat over plain HTTP: the no-JavaScript form, the htmx partials, feedback, headers."""
from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.parse
import urllib.request


import sqlalchemy as sa

from faqbot import db
from faqbot.feedback import FeedbackStore
from faqbot.web import chat, turns

from browsing import ROOT
from support import make_app

HTMX = {"HX-Request": "true"}


def hidden_fields(page: str) -> list[tuple[str, str]]:
    """The conversation's hidden fields in the page (inside #zustand)."""
    state = re.search(r'<div id="zustand"[^>]*>(.*?)</div>', page, re.S)[1]
    return [(m[1], html.unescape(m[2]))
            for m in re.finditer(r'<input type="hidden" name="(\w+)" value="([^"]*)">', state)]


def post(client, path: str, fields: list[tuple[str, str]], headers: dict | None = None):
    body = urllib.parse.urlencode(fields)
    return client.post(path, data=body, headers=headers or {},
                       content_type="application/x-www-form-urlencoded")


def text(response) -> str:
    return response.get_data(as_text=True)


def vote_value(page: str, helpful: str, number: int) -> str:
    """The value of a "War das hilfreich?" button in the page: the vote, the turn's number and
    the token the server signed for that answer."""
    return re.search(rf'value="({helpful}:{number}:[^"]+)"', page)[1]


def asked(client, questions: list[str]) -> str:
    """The page after asking ``questions`` in turn (without JavaScript)."""
    fields = [("beginn", "0")]
    for question in questions:
        page = text(post(client, "/frage", fields + [("frage", question)]))
        fields = hidden_fields(page)
    return page


# --- the page without JavaScript -----------------------------------------------------------

def test_empty_chat_offers_common_questions_notice_and_privacy_line(shipped_client):
    page = text(shipped_client.get("/"))
    assert '<html lang="de">' in page
    assert re.search(r'<form id="frage-form"[^>]*method="post" action="/frage#neu"', page)
    assert '<label for="frage"' in page
    assert len(re.findall(r'name="vorschlag" value="[^"]+"', page)) >= 4
    assert "keine Rechtsberatung" in page and "keine Entscheidung über Ihren Fall" in page
    assert "Jobcenter" in page
    assert "ohne persönliche Daten" in page and "keine Cookies" in page
    assert 'role="log"' in page and 'aria-live="polite"' in page


def test_question_without_javascript_returns_whole_page_with_the_answer(shipped_client, answered_question):
    response = post(shipped_client, "/frage", [("beginn", "0"), ("frage", answered_question)])
    page = text(response)
    assert response.status_code == 200
    assert page.startswith("<!doctype html>")
    assert html.escape(answered_question) in page
    answer = page[page.index('class="bubble bot answer"'):]
    assert "<mark>" in answer
    assert re.search(r"Stand: <time datetime=\"\d{4}-\d\d-\d\d\">\d\d\.\d\d\.\d{4}</time>", answer)
    assert re.search(r'<a href="/inhalt/[^"]+">Ganzen Text lesen', answer)
    assert re.search(r'<a href="https://[^"]+" rel="noopener noreferrer" class="external">Offizielle Quelle', answer)
    assert '<details class="further">' in answer and "Weitere Antworten" in answer
    assert answer.count('<li>\n          <p class="further-title">') <= turns.MAX_FURTHER
    assert 'value="ja:0:' in answer and 'value="nein:0:' in answer
    assert hidden_fields(page) == [("beginn", "0"), ("verlauf", answered_question)]


def test_conversation_is_carried_in_hidden_fields_not_cookies(shipped_client, answered_question, declined_question):
    first = post(shipped_client, "/frage", [("beginn", "0"), ("frage", answered_question)])
    fields = hidden_fields(text(first))
    second = post(shipped_client, "/frage", fields + [("frage", declined_question)])
    page = text(second)
    assert 'id="runde-0"' in page and 'id="runde-1"' in page
    assert page.index(html.escape(answered_question)) < page.index(html.escape(declined_question))
    assert hidden_fields(page) == [("beginn", "0"), ("verlauf", answered_question),
                                   ("verlauf", declined_question)]
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers


def test_follow_up_passes_the_earlier_questions_as_history(shipped_client, monkeypatch):
    seen = []
    real = turns.answer_question

    def spy(engine, question, history=(), today=None):
        seen.append((question, list(history)))
        return real(engine, question, history, today=today)

    monkeypatch.setattr(turns, "answer_question", spy)
    response = post(shipped_client, "/frage", [("beginn", "0"), ("verlauf", "Wie hoch ist der Regelbedarf?"),
                                               ("frage", "und für Kinder?")], HTMX)
    assert response.status_code == 200
    assert seen == [("und für Kinder?", ["Wie hoch ist der Regelbedarf?"])]


def test_user_text_is_escaped(shipped_client):
    attack = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    page = text(post(shipped_client, "/frage", [("beginn", "0"), ("frage", attack)]))
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # ... also when it comes back as history
    page = text(post(shipped_client, "/frage", [("beginn", "0"), ("verlauf", attack), ("frage", "Minijob")]))
    assert "<script>alert(1)" not in page
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"' in page


def test_suggestion_button_asks_its_title(shipped_client):
    page = text(post(shipped_client, "/frage", [("beginn", "0"), ("frage", ""),
                                                ("vorschlag", "Wie viel Vermögen darf ich haben?")]))
    assert '<span class="sr-only">Ihre Frage: </span>Wie viel Vermögen darf ich haben?</h3>' in page
    assert 'class="bubble bot answer"' in page


def test_decline_offers_closest_titles_and_the_jobcenter(shipped_client, declined_question):
    page = text(post(shipped_client, "/frage", [("beginn", "0"), ("frage", declined_question)]))
    turn = page[page.index('id="runde-0"'):page.index('id="frage-form"')]
    assert "keine passende Antwort" in turn
    assert 'class="bubble bot answer"' not in turn and 'class="passage"' not in turn
    assert 1 <= len(re.findall(r'<button type="submit" form="frage-form" class="suggestion" name="vorschlag"', turn)) <= 3
    assert 'href="/inhalt/faq/zustaendiges-jobcenter"' in turn


def test_empty_question_is_refused_kindly(shipped_client):
    response = post(shipped_client, "/frage", [("beginn", "0"), ("frage", "   ")])
    assert response.status_code == 400
    page = text(response)
    assert "Bitte geben Sie eine Frage ein." in page and 'aria-invalid="true"' in page
    response = post(shipped_client, "/frage", [("beginn", "0"), ("frage", "")], HTMX)
    assert response.status_code == 200 and response.headers["HX-Reswap"] == "none"
    assert 'id="frage-fehler"' in text(response) and 'hx-swap-oob="true"' in text(response)


def test_too_long_question_is_refused_with_its_limit(shipped_client):
    page = text(post(shipped_client, "/frage", [("beginn", "0"), ("frage", "Miete " * 100)]))
    assert "Die Frage ist zu lang (höchstens 500 Zeichen)." in page


def test_long_conversation_keeps_the_last_turns(shipped_client):
    questions = [f"Minijob {i}" for i in range(chat.MAX_TURNS)]
    fields = [("beginn", "0")] + [("verlauf", q) for q in questions]
    page = text(post(shipped_client, "/frage", fields + [("frage", "Wie viel Vermögen darf ich haben?")]))
    kept = hidden_fields(page)
    assert kept[0] == ("beginn", "1")
    assert [v for k, v in kept if k == "verlauf"] == questions[1:] + ["Wie viel Vermögen darf ich haben?"]
    assert 'id="runde-0"' not in page and f'id="runde-{chat.MAX_TURNS}"' in page


def test_get_on_a_form_address_starts_a_fresh_chat(shipped_client):
    for path, target in [("/frage", "/"), ("/feedback", "/"), ("/widget/frage", "/widget")]:
        response = shipped_client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == target


def test_missing_index_gives_a_friendly_page(tmp_path):
    app = make_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none"), "CONTENT_DIR": str(tmp_path),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "Die Suche ist gerade nicht verfügbar" in text(response)


# --- htmx ----------------------------------------------------------------------------------

def test_htmx_request_returns_the_new_turn_and_the_state_out_of_band(shipped_client, answered_question):
    response = post(shipped_client, "/frage", [("beginn", "0"), ("verlauf", "Was ist ein Minijob?"),
                                               ("frage", answered_question)], HTMX)
    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body and "<head" not in body
    assert body.lstrip().startswith('<div class="turn" id="runde-1">')
    assert re.search(r'<div id="zustand" class="state" hx-swap-oob="true">', body)
    assert hidden_fields(body) == [("beginn", "0"), ("verlauf", "Was ist ein Minijob?"),
                                   ("verlauf", answered_question)]
    assert json.loads(response.headers["HX-Trigger-After-Settle"]) == {"faqbot-answered": {"id": "runde-1"}}


# --- feedback ------------------------------------------------------------------------------

def test_feedback_without_javascript_is_stored_redacted_and_thanked(shipped_client, feedback_store):
    store = feedback_store
    before = len(store.all())
    question = "Ich heiße Tanja Berger, darf ich einen Minijob haben?"
    served = asked(shipped_client, ["Wie hoch ist der Regelbedarf?", question])
    fields = [("beginn", "0"), ("verlauf", "Wie hoch ist der Regelbedarf?"), ("verlauf", question),
              ("frage", "halb getippt"), ("hilfreich", vote_value(served, "nein", 1))]
    response = post(shipped_client, "/feedback", fields, {"X-Forwarded-For": "203.0.113.7"})
    page = text(response)
    assert response.status_code == 200 and page.startswith("<!doctype html>")
    thanks = page[page.index('id="rueckmeldung-1"'):]
    assert thanks.index("Danke für Ihre Rückmeldung!") < thanks.index("</div>")
    assert 'value="halb getippt"' in page                      # the typed text is kept
    assert ("bewertet", "1") in hidden_fields(page)
    assert 'value="ja:0:' in page                              # the other answer can still be rated
    votes = store.all()[before:]
    assert len(votes) == 1
    vote = votes[0]
    assert vote.question == "Ich heiße [Name], darf ich einen Minijob haben?"
    assert vote.helpful is False and vote.channel == "chat"
    with store.engine.connect() as conn:
        raw = " ".join(str(value) for row in conn.execute(sa.select(db.questions)) for value in row)
    assert "Tanja" not in raw and "Berger" not in raw and "203.0.113.7" not in raw and "127.0.0.1" not in raw


def test_rated_turn_stays_thanked_on_the_next_question(shipped_client, answered_question):
    fields = [("beginn", "0"), ("verlauf", answered_question), ("bewertet", "0"), ("frage", "Minijob")]
    page = text(post(shipped_client, "/frage", fields))
    assert 'value="ja:0:' not in page and 'value="ja:1:' in page


def test_feedback_with_htmx_replaces_the_buttons(shipped_client, answered_question):
    served = asked(shipped_client, [answered_question])
    fields = [("beginn", "0"), ("verlauf", answered_question), ("frage", ""), ("hilfreich", vote_value(served, "ja", 0))]
    response = post(shipped_client, "/feedback", fields, HTMX)
    body = text(response)
    assert response.headers["HX-Retarget"] == "#rueckmeldung-0"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert body.lstrip().startswith('<div class="feedback" id="rueckmeldung-0" tabindex="-1">')
    assert "Danke für Ihre Rückmeldung!" in body
    assert ("bewertet", "0") in hidden_fields(body)


def test_feedback_for_an_unknown_turn_is_refused(shipped_client):
    token = vote_value(asked(shipped_client, ["Minijob"]), "ja", 0).split(":")[2]
    for value in [f"ja:7:{token}", f"vielleicht:0:{token}", "", "ja:0"]:
        response = post(shipped_client, "/feedback", [("beginn", "0"), ("verlauf", "Minijob"), ("hilfreich", value)])
        assert response.status_code == 400
        assert "Zurück zum Chat" in text(response)


def test_feedback_needs_the_token_the_server_gave_with_that_answer(shipped_app, shipped_client, feedback_store):
    before = len(feedback_store.all())
    served = asked(shipped_client, ["Wie hoch ist der Regelbedarf?", "Darf ich einen Minijob haben?"])
    first_token = vote_value(served, "ja", 0).split(":")[2]
    second_token = vote_value(served, "ja", 1).split(":")[2]
    forged = [
        # A question nobody was answered, with a token of another turn or of another question.
        [("beginn", "0"), ("verlauf", "Das hat niemand gefragt"), ("hilfreich", f"nein:0:{first_token}")],
        [("beginn", "0"), ("verlauf", "Wie hoch ist der Regelbedarf?"), ("hilfreich", f"nein:0:{second_token}")],
        # The right question and number, the signature changed.
        [("beginn", "0"), ("verlauf", "Wie hoch ist der Regelbedarf?"), ("hilfreich", f"nein:0:{first_token[:-2]}xx")],
    ]
    for fields in forged:
        for path in ("/feedback", "/widget/feedback"):
            assert post(shipped_client, path, fields).status_code == 400, fields
    assert len(feedback_store.all()) == before
    fields = [("beginn", "0"), ("verlauf", "Wie hoch ist der Regelbedarf?"), ("hilfreich", f"nein:0:{first_token}")]
    assert post(shipped_client, "/feedback", fields).status_code == 200
    assert len(feedback_store.all()) == before + 1


def test_votes_attach_to_the_question_they_rate(tmp_path):
    url = f"sqlite:///{tmp_path / 'votes.sqlite3'}"
    db.upgrade(url)
    store = FeedbackStore(db.get_engine(url))
    store.add("Meine Mail ist a.b@example.org", hit="faq/minijob", helpful=True, answered=True)
    store.add("Wetter?", hit=None, helpful=False, answered=False, channel="widget")
    votes = store.all()
    assert [v.question for v in votes] == ["Meine Mail ist [E-Mail]", "Wetter?"]
    assert [v.channel for v in votes] == ["chat", "widget"]
    assert votes[0].hit == "faq/minijob" and votes[1].hit is None
    # A vote for a question that was logged a moment ago rates that row, no new one.
    from faqbot import questionlog
    with store.engine.begin() as conn:
        conn.execute(db.questions.insert().values(
            asked_at=questionlog._now(), question="Minijob erlaubt?", answered=True,
            confidence=0.9, answer_ids="faq/minijob", channel="chat"))
    store.add("Minijob erlaubt?", hit="faq/minijob", helpful=False, answered=True)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.questions)).scalar() == 3
        rated = conn.execute(sa.select(db.questions.c.helpful, db.questions.c.confidence)
                             .where(db.questions.c.question == "Minijob erlaubt?")).one()
    assert rated.helpful is False and rated.confidence == 0.9


def test_asking_in_the_chat_logs_the_question_redacted(shipped_app, shipped_client):
    engine = shipped_app.extensions["faqbot"].db
    post(shipped_client, "/frage", [("beginn", "0"), ("frage", "Mein Name ist Kai Lenz, Minijob erlaubt?")])
    shipped_app.extensions["faqbot"].questionlog.flush()
    with engine.connect() as conn:
        row = conn.execute(sa.select(db.questions).order_by(db.questions.c.id.desc()).limit(1)).first()
    assert row.question == "Mein Name ist [Name], Minijob erlaubt?" and row.channel == "chat"


# --- headers, privacy, size ----------------------------------------------------------------

CITIZEN_PAGES = ["/", "/widget", "/einbinden", "/inhalt/faq/minijob"]


def test_citizens_pages_set_no_cookie(shipped_client, answered_question):
    responses = [shipped_client.get(p) for p in CITIZEN_PAGES]
    responses.append(post(shipped_client, "/frage", [("beginn", "0"), ("frage", answered_question)]))
    responses.append(post(shipped_client, "/widget/frage", [("beginn", "0"), ("frage", answered_question)], HTMX))
    served = asked(shipped_client, [answered_question])
    responses.append(post(shipped_client, "/feedback", [("beginn", "0"), ("verlauf", answered_question),
                                                        ("hilfreich", vote_value(served, "ja", 0))]))
    for response in responses:
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers


def test_csp_forbids_inline_scripts_and_styles(shipped_client, answered_question):
    pages = {p: shipped_client.get(p) for p in CITIZEN_PAGES}
    pages["answer"] = post(shipped_client, "/frage", [("beginn", "0"), ("frage", answered_question)])
    for name, response in pages.items():
        csp = dict(d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";"))
        assert csp["script-src"] == "'self'", name
        assert "unsafe-inline" not in csp["style-src"] and "unsafe-eval" not in csp["script-src"], name
        page = text(response)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), name     # no inline script
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", page), name       # no inline style or handler


def test_htmx_is_told_not_to_inject_its_indicator_styles(shipped_client):
    page = text(shipped_client.get("/"))
    config = json.loads(html.unescape(re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', page)[1]))
    assert config["includeIndicatorStyles"] is False and config["allowEval"] is False
    css = (ROOT / "src" / "faqbot" / "static" / "css" / "faqbot.css").read_text(encoding="utf-8")
    assert ".htmx-request .htmx-indicator" in css


def test_widget_may_be_framed_only_by_the_configured_sites(shipped_index, tmp_path):
    app = make_app({"TESTING": True, "INDEX_DIR": str(shipped_index), "INSTANCE_PATH": str(tmp_path),
                      "FRAME_ANCESTORS": "'self' https://www.jobcenter.example"})
    client = app.test_client()
    widget = client.get("/widget")
    assert "frame-ancestors 'self' https://www.jobcenter.example" in widget.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in widget.headers
    answer = post(client, "/widget/frage", [("beginn", "0"), ("frage", "Minijob")])
    assert "frame-ancestors 'self' https://www.jobcenter.example" in answer.headers["Content-Security-Policy"]
    page = client.get("/")
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    assert "jobcenter.example" not in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_rate_limit_counts_questions_not_assets(shipped_index, tmp_path):
    app = make_app({"TESTING": True, "INDEX_DIR": str(shipped_index), "INSTANCE_PATH": str(tmp_path),
                      "RATE_LIMIT": "3/minute"})
    client = app.test_client()
    page = text(client.get("/"))
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page) + ["/widget.js"]
    for _ in range(5):
        assert all(client.get(a).status_code == 200 for a in assets)
    statuses = [post(client, "/frage", [("beginn", "0"), ("frage", "Minijob")]).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = post(client, "/frage", [("beginn", "0"), ("frage", "Minijob")])
    assert "Zu viele Fragen in kurzer Zeit" in text(refused) and "Zurück zum Chat" in text(refused)
    assert "Set-Cookie" not in refused.headers


def test_widget_page_posts_to_the_widget_and_opens_links_in_a_new_window(shipped_client, answered_question):
    page = text(shipped_client.get("/widget"))
    assert 'action="/widget/frage#neu"' in page and 'hx-post="/widget/frage"' in page
    assert "keine Rechtsberatung" in page and "keine Cookies" in page
    answer = text(post(shipped_client, "/widget/frage", [("beginn", "0"), ("frage", answered_question)]))
    assert 'class="widget"' in answer
    assert re.search(r'<a href="/inhalt/[^"]+" target="_blank">', answer)
    assert 'formaction="/widget/feedback#runde-0"' in answer


def test_pages_load_nothing_from_other_hosts(shipped_client, answered_question):
    pages = [text(shipped_client.get(p)) for p in CITIZEN_PAGES]
    pages.append(text(post(shipped_client, "/frage", [("beginn", "0"), ("frage", answered_question)])))
    for page in pages:
        # Only <a href> may point elsewhere (the official sources); nothing is loaded from there.
        for tag in re.findall(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*>", page):
            assert not re.search(r'(?:src|href)="(?:https?:)?//', tag), tag
    for css in (ROOT / "src" / "faqbot" / "static").rglob("*.css"):
        assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", css.read_text(encoding="utf-8"))


def test_assets_are_served_by_the_app_with_long_cache(shipped_client):
    page = text(shipped_client.get("/"))
    htmx_url = re.search(r'<script src="(/static/vendor/htmx\.min\.js\?v=\w+)" defer>', page)[1]
    response = shipped_client.get(htmx_url)
    assert response.status_code == 200
    assert response.data == (ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.min.js").read_bytes()
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    assert "javascript" in response.headers["Content-Type"]
    unversioned = shipped_client.get("/static/css/faqbot.css")
    assert unversioned.status_code == 200 and unversioned.cache_control.max_age == 300
    assert shipped_client.get("/static/../pyproject.toml").status_code == 404


def test_htmx_version_is_the_pinned_one():
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/htmx.org"]["version"]
    installed = json.loads((ROOT / "node_modules" / "htmx.org" / "package.json").read_text(encoding="utf-8"))
    assert installed["version"] == pinned


def test_widget_script_and_embed_page(shipped_client):
    script = shipped_client.get("/widget.js")
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    assert "document.currentScript" in text(script)
    assert script.cache_control.max_age == 3600
    page = text(shipped_client.get("/einbinden"))
    assert "&lt;script src=&#34;http://localhost/widget.js&#34; defer&gt;&lt;/script&gt;" in page
    assert "FRAME_ANCESTORS" in page


# --- over a real socket: the form as a browser without JavaScript sends it ------------------

def http(url: str, fields: list[tuple[str, str]] | None = None) -> tuple[int, dict, bytes]:
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    request = urllib.request.Request(url, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_form_post_over_http_returns_the_conversation(live_server, answered_question):
    status, headers, body = http(live_server.url + "/frage", [("beginn", "0"), ("frage", answered_question)])
    assert status == 200 and "Set-Cookie" not in headers
    page = body.decode()
    status, headers, body = http(live_server.url + "/frage",
                                 hidden_fields(page) + [("frage", "<script>alert(1)</script>")])
    page = body.decode()
    assert status == 200 and "Set-Cookie" not in headers
    assert html.escape(answered_question) in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_chat_page_with_htmx_is_under_100_kb(live_server):
    """Raw bytes: waitress does not compress, so this is what a phone downloads at most."""
    status, _, page = http(live_server.url + "/")
    assert status == 200
    assets = re.findall(rb'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', page)
    assert any(b"htmx.min.js" in a for a in assets) and any(b"faqbot.css" in a for a in assets)
    total = len(page)
    for asset in assets:
        status, _, body = http(live_server.url + html.unescape(asset.decode()))
        assert status == 200
        total += len(body)
    assert total < 100 * 1024, f"{total} bytes"


def test_a_question_for_another_authority_names_who_is_responsible(shipped_client):
    page = text(post(shipped_client, "/frage", [("beginn", "0"), ("frage", "wo beantrage ich elterngeld")]))
    assert "Zum Thema „Elterngeld“ kann ich Ihnen hier nicht weiterhelfen." in page
    assert "Elterngeldstelle" in page
    assert "Zu Ihrem persönlichen Fall berät Sie Ihr Jobcenter." in page
