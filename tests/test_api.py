"""The JSON API and the item pages, against the real app under waitress (small test content)."""
from __future__ import annotations

import http.client
import json
import re
import urllib.parse

import pytest

REGEL = "faq/regelbedarf-hoehe"


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        assert self.headers.get("Content-Type", "").startswith("application/json"), self.headers
        return json.loads(self.body)


def call(server, method: str, path: str, body: bytes | str | dict | list | None = None,
         headers: dict | None = None) -> Response:
    """One request with http.client (no redirects, no cookies, raw status codes)."""
    headers = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return Response(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def ask_post(server, payload, **kw) -> Response:
    return call(server, "POST", "/api/ask", payload, **kw)


def ask_get(server, question: str, history: list[str] = ()) -> Response:
    query = urllib.parse.urlencode([("q", question)] + [("history", h) for h in history])
    return call(server, "GET", f"/api/ask?{query}")


# --- the answer contract ---------------------------------------------------------------------

def check_answer_shape(data: dict) -> None:
    assert set(data) >= {"question", "answered", "confidence", "answers", "suggestions"}
    assert isinstance(data["question"], str)
    assert isinstance(data["answered"], bool)
    assert isinstance(data["confidence"], (int, float)) and not isinstance(data["confidence"], bool)
    assert isinstance(data["answers"], list) and isinstance(data["suggestions"], list)
    for a in data["answers"]:
        assert set(a) >= {"id", "kind", "title", "passage", "url", "source", "stand", "score"}
        for key in ("id", "title", "passage", "url", "source", "stand"):
            assert isinstance(a[key], str) and a[key], key
        assert a["kind"] in ("faq", "glossary", "interview")
        assert isinstance(a["score"], (int, float))
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["stand"])
        assert a["source"].startswith("https://")
        assert a["url"].startswith("/inhalt/")
    for s in data["suggestions"]:
        assert set(s) >= {"id", "title", "url"}
        assert s["url"] == f"/inhalt/{s['id']}"


def test_post_ask_returns_ranked_answers_with_every_field(small_live_server, content_dir):
    resp = ask_post(small_live_server, {"question": "Wie hoch ist der Regelbedarf?"})
    assert resp.status == 200
    data = resp.json()
    check_answer_shape(data)
    assert data["question"] == "Wie hoch ist der Regelbedarf?"
    assert data["answered"] is True
    assert 0 < data["confidence"] <= 1.5
    first = data["answers"][0]
    assert first["id"] == REGEL
    assert first["kind"] == "faq"
    assert first["title"] == "Wie hoch ist der Regelbedarf?"
    assert first["url"] == "/inhalt/faq/regelbedarf-hoehe"
    assert first["source"] == "https://www.gesetze-im-internet.de/sgb_2/__20.html"
    assert first["stand"] == "2026-11-25"
    raw = (content_dir / "faq" / "regelbedarf-hoehe.md").read_text(encoding="utf-8")
    assert raw.rstrip("\n").endswith(first["passage"])
    assert first["passage"].startswith("Alleinstehende und Alleinerziehende erhalten")
    assert data["suggestions"] == []
    scores = [a["score"] for a in data["answers"]]
    assert scores == sorted(scores, reverse=True)


def test_json_keeps_umlauts_as_utf8(small_live_server):
    resp = ask_post(small_live_server, {"question": "Wie beantrage ich Bürgergeld?"})
    assert resp.status == 200
    assert "Bürgergeld".encode("utf-8") in resp.body
    assert resp.json()["answers"][0]["id"] == "faq/antrag-stellen"


def test_get_ask_with_q_answers_like_post(small_live_server):
    got = ask_get(small_live_server, "Darf ich einen Minijob haben?")
    posted = ask_post(small_live_server, {"question": "Darf ich einen Minijob haben?"})
    assert got.status == posted.status == 200
    check_answer_shape(got.json())
    assert got.json() == posted.json()
    assert got.json()["answers"][0]["id"] == "faq/minijob"


def test_declined_question_has_no_answers_but_suggestions(small_live_server):
    data = ask_post(small_live_server, {"question": "asdfgh"}).json()
    check_answer_shape(data)
    assert data["answered"] is False
    assert data["answers"] == []
    assert 1 <= len(data["suggestions"]) <= 3
    assert all(s["id"].startswith("faq/") for s in data["suggestions"])


def test_history_makes_a_follow_up_answerable(small_live_server):
    alone = ask_post(small_live_server, {"question": "und im ersten Jahr?"}).json()
    assert alone["answered"] is False
    follow = ask_post(small_live_server, {"question": "und im ersten Jahr?",
                                          "history": ["Zahlt das Amt meine Miete?"]}).json()
    assert follow["answered"] is True
    assert follow["answers"][0]["id"] == "faq/kosten-unterkunft-heizung"
    via_get = ask_get(small_live_server, "und im ersten Jahr?", ["Zahlt das Amt meine Miete?"]).json()
    assert via_get["answers"][0]["id"] == "faq/kosten-unterkunft-heizung"


def test_history_may_be_empty_or_blank(small_live_server):
    for history in ([], ["", "   "]):
        resp = ask_post(small_live_server, {"question": "Wie hoch ist der Regelbedarf?", "history": history})
        assert resp.status == 200
        assert resp.json()["answers"][0]["id"] == REGEL


# --- bad requests: 400 with a JSON error -----------------------------------------------------

def error_of(resp: Response, status: int) -> str:
    assert resp.status == status, resp.body[:300]
    data = resp.json()
    assert list(data) == ["error"]
    assert isinstance(data["error"], str) and data["error"]
    return data["error"]


@pytest.mark.parametrize("payload", [{}, {"question": ""}, {"question": "   "}, {"question": None},
                                     {"history": ["Wie hoch ist der Regelbedarf?"]}])
def test_no_question_is_400(small_live_server, payload):
    assert "Bitte eine Frage angeben" in error_of(ask_post(small_live_server, payload), 400)


def test_get_without_q_is_400(small_live_server):
    assert "Bitte eine Frage angeben" in error_of(call(small_live_server, "GET", "/api/ask"), 400)


@pytest.mark.parametrize("body, content_type", [
    (b"{not json", "application/json"),
    (b'"just a string"', "application/json"),
    (b'["Wie hoch ist der Regelbedarf?"]', "application/json"),
    (b"question=Regelbedarf", "application/x-www-form-urlencoded"),
    (b"\xff\xfe\x00", "application/json"),
])
def test_wrong_json_is_400(small_live_server, body, content_type):
    resp = call(small_live_server, "POST", "/api/ask", body, {"Content-Type": content_type})
    assert "Erwartet wird JSON" in error_of(resp, 400)


@pytest.mark.parametrize("question", [42, 1.5, True, ["Regelbedarf"], {"q": "Regelbedarf"}])
def test_non_string_question_is_400(small_live_server, question):
    assert "'question' muss ein Text sein" in error_of(ask_post(small_live_server, {"question": question}), 400)


@pytest.mark.parametrize("length", [501, 1001, 5000])
def test_too_long_question_is_400(small_live_server, length):
    message = error_of(ask_post(small_live_server, {"question": "x" * length}), 400)
    assert "zu lang" in message and "500" in message


def test_unknown_fields_are_400_and_named(small_live_server):
    resp = ask_post(small_live_server, {"question": "Regelbedarf", "lang": "en", "debug": True})
    assert error_of(resp, 400) == "Unbekannte Felder: debug, lang."


@pytest.mark.parametrize("history", ["Wie hoch ist der Regelbedarf?", [1, 2], [None], {"a": "b"}, None])
def test_history_that_is_no_list_of_texts_is_400(small_live_server, history):
    resp = ask_post(small_live_server, {"question": "und für Kinder?", "history": history})
    assert "'history' muss eine Liste von Texten sein" in error_of(resp, 400)


def test_too_much_history_is_400(small_live_server):
    resp = ask_post(small_live_server, {"question": "und für Kinder?", "history": ["Regelbedarf"] * 51})
    assert "'history' ist zu lang" in error_of(resp, 400)


def test_too_large_body_is_413_json(small_live_server):
    resp = ask_post(small_live_server, {"question": "Regelbedarf", "history": ["x" * 900] * 40})
    assert "zu groß" in error_of(resp, 413)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405_json(small_live_server, method):
    resp = call(small_live_server, method, "/api/ask", {"question": "Regelbedarf"})
    assert error_of(resp, 405) == "Diese Methode ist hier nicht erlaubt."


def test_wrong_method_is_405_with_allow_header(small_live_server):
    resp = call(small_live_server, "PUT", "/api/ask", {"question": "Regelbedarf"})
    assert resp.status == 405
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_unknown_api_path_is_404_json(small_live_server):
    assert error_of(call(small_live_server, "GET", "/api/gibt-es-nicht"), 404) == "Nicht gefunden."


# --- OpenAPI ---------------------------------------------------------------------------------

def test_openapi_describes_the_ask_endpoint(small_live_server):
    resp = call(small_live_server, "GET", "/api/openapi.json")
    assert resp.status == 200
    spec = resp.json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    ask = spec["paths"]["/api/ask"]
    assert set(ask) >= {"get", "post"}
    assert {"200", "400"} <= set(ask["post"]["responses"])
    assert ask["get"]["parameters"][0]["name"] == "q"
    schemas = spec["components"]["schemas"]
    assert schemas["Question"]["required"] == ["question"]
    assert schemas["Question"]["properties"]["question"]["maxLength"] == 500
    assert set(schemas["Answer"]["required"]) >= {"question", "answered", "confidence", "answers", "suggestions"}
    assert set(schemas["Passage"]["required"]) >= {"id", "kind", "title", "passage", "url", "source", "stand", "score"}


def test_openapi_refs_all_resolve(small_live_server):
    spec = call(small_live_server, "GET", "/api/openapi.json").json()
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(spec))
    assert refs
    assert set(refs) <= set(spec["components"]["schemas"])


def test_answer_matches_the_openapi_schema(small_live_server):
    spec = call(small_live_server, "GET", "/api/openapi.json").json()
    schemas = spec["components"]["schemas"]
    data = ask_post(small_live_server, {"question": "Wie hoch ist der Regelbedarf?"}).json()
    assert set(schemas["Answer"]["required"]) <= set(data)
    passage = data["answers"][0]
    assert set(schemas["Passage"]["required"]) <= set(passage)
    assert passage["kind"] in schemas["Passage"]["properties"]["kind"]["enum"]


# --- item pages ------------------------------------------------------------------------------

def test_item_page_shows_title_body_and_stand(small_live_server):
    resp = call(small_live_server, "GET", "/inhalt/faq/regelbedarf-hoehe")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    html = resp.text
    assert "<h1>Wie hoch ist der Regelbedarf?</h1>" in html
    assert "Stand:" in html and "25.11.2026" in html
    assert 'href="https://www.gesetze-im-internet.de/sgb_2/__20.html"' in html
    assert "563 Euro im Monat" in html


def test_glossary_page_shows_easy_language(small_live_server):
    html = call(small_live_server, "GET", "/inhalt/glossary/jobcenter").text
    assert "<h1>Jobcenter</h1>" in html
    assert "Das Jobcenter ist das Amt für das Bürgergeld." in html


def test_interview_page_shows_each_question_with_its_anchor(small_live_server):
    resp = call(small_live_server, "GET", "/inhalt/interviews/test-interview")
    assert resp.status == 200
    html = resp.text
    assert 'id="wie-hat-sich-die-beratung-im-jobcenter-veraendert"' in html
    assert 'id="was-wuenschen-sie-sich-fuer-die-zukunft"' in html
    assert html.index("Wie hat sich die Beratung") < html.index("Was wünschen Sie sich")


def test_unknown_item_is_404(small_live_server):
    assert call(small_live_server, "GET", "/inhalt/faq/gibt-es-nicht").status == 404
    assert call(small_live_server, "GET", "/inhalt/../../etc/passwd").status == 404


# --- security headers ------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/ask", {"question": "Wie hoch ist der Regelbedarf?"}),
    ("GET", "/api/ask?q=Regelbedarf", None),
    ("POST", "/api/ask", {"question": 1}),
    ("GET", "/api/openapi.json", None),
    ("GET", "/inhalt/faq/regelbedarf-hoehe", None),
    ("GET", "/inhalt/faq/gibt-es-nicht", None),
])
def test_security_headers_on_every_response(small_live_server, method, path, body):
    resp = call(small_live_server, method, path, body)
    csp = resp.headers["Content-Security-Policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";")}
    assert "script-src" in directives
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["default-src"] == "default-src 'self'"
    assert directives["object-src"] == "object-src 'none'"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers.get_all("Set-Cookie") is None


def test_server_sets_no_cookie_even_when_sent_one(small_live_server):
    resp = call(small_live_server, "POST", "/api/ask", {"question": "Regelbedarf"},
                headers={"Cookie": "session=abc"})
    assert resp.status == 200
    assert resp.headers.get_all("Set-Cookie") is None
