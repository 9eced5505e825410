"""Crafted input never makes a 500: each case of the attack report through a real waitress
server (a clear 4xx, JSON under /api, HTML elsewhere, from the app and from waitress itself),
HEAD wherever GET works, and hypothesis over JSON structure and form fields on every public
route."""
from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from faqbot import accounts
from faqbot.server import MAX_REQUEST_BODY, MAX_REQUEST_HEADER

from support import LiveServer, make_app
from test_console import PASSWORD, Browser


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def send(url: str, data: bytes | None = None, headers: dict | None = None,
         method: str | None = None) -> tuple[int, dict, bytes]:
    """One request, redirects not followed: status, headers, body."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with _OPENER.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def raw(port: int, head: bytes, body: bytes = b"") -> tuple[int, str, bytes]:
    """Send bytes as they are and read the answer: status, Content-Type, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    header, _, content = data.partition(b"\r\n\r\n")
    status = int(header.split(b" ", 2)[1])
    content_type = re.search(rb"(?im)^content-type:\s*([^\r\n]+)", header)
    return status, content_type[1].decode() if content_type else "", content


def post_json(server, body: bytes) -> tuple[int, dict, dict]:
    status, headers, content = send(server.url + "/api/ask", body, {"Content-Type": "application/json"})
    return status, headers, json.loads(content)


def test_deeply_nested_history_gets_a_json_400(small_live_server):
    for depth in (50, 1_000, 5_000):
        body = ('{"question": "miete", "history": ' + "[" * depth + "]" * depth + "}").encode()
        status, headers, data = post_json(small_live_server, body)
        assert status == 400 and headers["Content-Type"] == "application/json", depth
        assert data["error"]


@pytest.mark.parametrize("body", [
    rb'{"question": "\udfff"}',
    rb'{"question": "Miete \ud800 zahlen?"}',
    rb'{"question": "miete", "history": ["\udfff"]}',
    rb'{"question": "miete", "\udfff": 1}',
    rb'{"question": "miete", "date": "\udfff"}',
])
def test_lone_surrogates_get_a_json_400(small_live_server, body):
    status, headers, data = post_json(small_live_server, body)
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert "ungültige Zeichen" in data["error"]


@pytest.mark.parametrize("path", ["/frage", "/widget/frage", "/feedback", "/widget/feedback"])
@pytest.mark.parametrize("field", ["beginn", "bewertet"])
@pytest.mark.parametrize("value", ["²", "١٢", "𝟗", "99999999999999999999", "-1"])
def test_digits_other_than_ascii_in_chat_fields_are_no_error(small_live_server, path, field, value):
    fields = [("verlauf", "Wie hoch ist der Regelbedarf?"), (field, value), ("frage", "Minijob"),
              ("hilfreich", "ja:0:x")]
    status, headers, content = send(small_live_server.url + path, urllib.parse.urlencode(fields).encode())
    assert status in (200, 400), status
    assert headers["Content-Type"].startswith("text/html")
    assert b"<html" in content


@pytest.fixture
def console_server(tmp_path, content_dir, index_dir):
    app = make_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                      "INSTANCE_PATH": str(tmp_path / "instance"), "RATE_LIMIT": "off",
                      "LOGIN_RATE_LIMIT": "off"})
    accounts.add_user(app.extensions["faqbot"].db, "eva", "editor", PASSWORD)
    with LiveServer(app) as server:
        yield server


@pytest.mark.parametrize("number", [2**31, 2**63 - 1, 2**63, 2**64, 10**30])
def test_console_ids_too_large_for_the_database_are_not_found(console_server, number):
    browser = Browser(console_server.url)
    browser.sign_in("eva")
    for path in (f"/konsole/qualitaet/{number}", f"/konsole/reindex/{number}"):
        status, headers, text = browser.request(path)
        assert status == 404 and headers["Content-Type"].startswith("text/html"), path
        assert "Nicht gefunden" in text


@pytest.mark.parametrize("target, lands_on", [
    ("/konsole/\r\nSet-Cookie: x=1", "/konsole/"),
    ("/konsole/fragen\nX-Evil: 1", "/konsole/"),
    ("/konsole/fragen?art=abgelehnt", "/konsole/fragen?art=abgelehnt"),
    ("//evil.example/konsole", "/konsole/"),
    ("/konsole\\..\\evil", "/konsole/"),
    ("/konsolefoo", "/konsole/"),
    ("https://evil.example/konsole", "/konsole/"),
    ("/konsole/qualität", "/konsole/"),
])
def test_next_after_sign_in_stays_in_the_console_and_never_breaks_the_header(console_server, target, lands_on):
    browser = Browser(console_server.url)
    token = browser.csrf("/konsole/anmelden")
    status, headers, _ = browser.request("/konsole/anmelden", {"name": "eva", "password": PASSWORD,
                                                               "csrf_token": token, "next": target})
    assert status == 302
    assert headers["Location"] == lands_on
    assert "X-Evil" not in headers and "x=1" not in headers.get("Set-Cookie", "")


def test_bodies_too_large_get_json_under_api_and_html_elsewhere(small_live_server):
    port = small_live_server.port
    for size in (20 * 1024, MAX_REQUEST_BODY + 1024):   # refused by the app, then by waitress
        body = json.dumps({"question": "x" * size}).encode()
        head = (f"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        # waitress refuses on Content-Length alone and closes without reading the body, as a
        # client sending "Expect: 100-continue" would see it: the body is sent only to the app.
        if size > MAX_REQUEST_BODY:
            body = b""
        status, content_type, content = raw(port, head, body)
        assert status == 413 and content_type == "application/json", size
        assert json.loads(content)["error"] == "Die Anfrage ist zu groß."
        form = b"frage=" + b"x" * size
        head = (f"POST /frage HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(form)}\r\n\r\n").encode()
        status, content_type, content = raw(port, head, form if size <= MAX_REQUEST_BODY else b"")
        assert status == 413 and content_type.startswith("text/html"), size
        assert b"<html" in content


def test_long_request_lines_and_headers_get_json_under_api_and_html_elsewhere(small_live_server):
    port = small_live_server.port
    for size in (20 * 1024, MAX_REQUEST_HEADER + 1024):  # refused by the app, then by waitress
        expected = 414 if size < MAX_REQUEST_HEADER else 431
        for path, kind in ((f"/api/ask?q={'a' * size}", "application/json"), (f"/?q={'a' * size}", "text/html")):
            status, content_type, content = raw(port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            assert status == expected and content_type.startswith(kind), (size, path[:10])
            if kind == "application/json":
                assert json.loads(content)["error"]
    for size in (40 * 1024, MAX_REQUEST_HEADER + 1024):  # the app's header limit, then waitress's
        status, content_type, content = raw(
            port, f"GET /api/ask?q=miete HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: {'p' * size}\r\n\r\n".encode())
        assert status == 431 and content_type == "application/json", size
        assert json.loads(content)["error"] == "Die Kopfzeilen der Anfrage sind zu groß."


PUBLIC_GETS = ["/", "/widget", "/einbinden", "/healthz", "/api/ask?q=miete", "/api/openapi.json",
               "/inhalt/faq/minijob", "/konsole/anmelden", "/widget.js", "/frage", "/feedback"]


@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_head_answers_wherever_get_does(small_live_server, path):
    get_status, get_headers, _ = send(small_live_server.url + path, method="GET")
    status, headers, content = send(small_live_server.url + path, method="HEAD")
    assert status == get_status and get_status < 400, path
    assert headers["Content-Type"] == get_headers["Content-Type"] and content == b""


# --- hypothesis: never a 5xx ---------------------------------------------------------------

ANY_TEXT = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(blacklist_categories=()), max_size=40),   # surrogates too
    st.sampled_from(["²", "١٢", "99999999999999999999", "-1", "0", "ja:0:x", "nein:1:", "\r\n", "\x00",
                     "/konsole/\r\nX: 1", "2026-02-30", "9" * 400, "[" * 50]),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(ANY_TEXT, children, max_size=5),
    max_leaves=25)
API_BODIES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({}, optional={"question": JSON_VALUES, "history": JSON_VALUES, "date": JSON_VALUES}),
    # Nested deeper than Python's JSON parser goes.
    st.integers(1, 5000).map(lambda depth: {"question": "miete", "history": "[" * depth + "]" * depth}),
)
FIELD_NAMES = st.sampled_from(["frage", "vorschlag", "verlauf", "beginn", "bewertet", "hilfreich", "name",
                               "password", "csrf_token", "next", "q", "history", "date", "datum", "art"])
FORMS = st.lists(st.tuples(FIELD_NAMES | st.text(max_size=10), ANY_TEXT), max_size=12)
FORM_ROUTES = ["/frage", "/widget/frage", "/feedback", "/widget/feedback", "/konsole/anmelden", "/api/ask"]
GET_ROUTES = ["/", "/widget", "/einbinden", "/api/ask", "/inhalt/faq/minijob", "/healthz", "/konsole/anmelden",
              "/frage", "/widget/frage"]
CHECKS = settings(max_examples=120, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _never_5xx(status: int, headers: dict, path: str) -> None:
    assert status < 500, (status, path)
    if path.startswith("/api/") and status != 405:
        assert headers["Content-Type"] == "application/json", path


def _json_text(body) -> bytes:
    text = json.dumps(body)
    if isinstance(body, dict) and isinstance(body.get("history"), str) and body["history"].startswith("["):
        text = text.replace(json.dumps(body["history"]), body["history"])   # the nesting itself
    return text.encode()


@given(body=API_BODIES, htmx=st.booleans())
@CHECKS
def test_api_never_answers_5xx_to_any_json(small_live_server, body, htmx):
    data = _json_text(body)
    status, headers, _ = send(small_live_server.url + "/api/ask", data,
                              {"Content-Type": "application/json", **({"HX-Request": "true"} if htmx else {})})
    _never_5xx(status, headers, "/api/ask")


@given(route=st.sampled_from(FORM_ROUTES), fields=FORMS, htmx=st.booleans())
@CHECKS
def test_forms_never_get_a_5xx(small_live_server, route, fields, htmx):
    # Lone surrogates are sent as their (invalid) UTF-8 bytes: the server must cope.
    body = urllib.parse.urlencode(fields, encoding="utf-8", errors="surrogatepass").encode("ascii")
    status, headers, _ = send(small_live_server.url + route, body,
                              {"Content-Type": "application/x-www-form-urlencoded",
                               **({"HX-Request": "true"} if htmx else {})})
    _never_5xx(status, headers, route)


@given(route=st.sampled_from(GET_ROUTES), fields=FORMS, method=st.sampled_from(["GET", "HEAD"]))
@CHECKS
def test_query_strings_never_get_a_5xx(small_live_server, route, fields, method):
    query = urllib.parse.urlencode(fields, encoding="utf-8", errors="surrogatepass")
    status, headers, _ = send(f"{small_live_server.url}{route}?{query}", method=method)
    _never_5xx(status, headers, route)
