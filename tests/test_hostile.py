"""Hostile input: arbitrary Unicode through the analyzer and the ask pipeline, the API under
schemathesis, rate limiting per client, request size limits and security headers."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from faqbot.analysis import GermanAnalyzer, Lexicon, using_lexicon
from faqbot.ask import QuestionError, answer_question
from faqbot.web.answers import answer_json

from support import LiveServer, make_app, opener_from

HOSTILE = st.one_of(
    st.text(max_size=600),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.sampled_from([
        'AND ( "*', "title:foo OR body:*", "NOT NOT NOT", "<script>alert(1)</script>",
        "\u202emiete\u202c", "\u200b\u200b", "\x00\x01\x02 miete", "🏠💶 miete?", "x" * 10_000,
        "مرحبا كم الإيجار", "SELECT * FROM users; --", "{{7*7}}", "${jndi:ldap://x}",
        "Bürgergeld" * 100, "a\u0301\u0301\u0301\u0301", "%00%0d%0a", "\ud7ff\ue000\ufffd",
    ]),
)


@given(text=HOSTILE)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_analyzer_takes_any_text(text):
    lexicon = Lexicon({"burgergeld", "antrag", "miete", "jobcenter"}, {("hartz", "4"): ("burgergeld",)})
    with using_lexicon(lexicon):
        for mode in ("index", "query"):
            tokens = [t.text for t in GermanAnalyzer()(text, mode=mode)]
            assert all(isinstance(t, str) and t for t in tokens)


@given(text=HOSTILE)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
def test_ask_pipeline_answers_or_refuses_any_text(engine, text):
    try:
        answer = answer_question(engine, text, history=[text[:50]])
    except QuestionError as exc:
        assert str(exc)
        return
    data = answer_json(answer)
    assert isinstance(data["answered"], bool)
    json.dumps(data)


def test_api_matches_its_openapi_description(small_live_server, tmp_path):
    """schemathesis generates valid and invalid requests from /api/openapi.json: no server
    error, every response as described, invalid input refused."""
    here = Path(__file__).parent
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file",
               str(here / "schemathesis.toml"), "run", small_live_server.url + "/api/openapi.json",
               "--checks", "all", "--max-examples", "60", "--seed", "20261125", "--no-color"]
    # Run in a scratch folder: schemathesis leaves its cache in the working directory.
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "passed" in result.stdout


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture
def limited_server(content_dir, index_dir, tmp_path):
    def start(limit: str, proxies: int = 0) -> LiveServer:
        app = make_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                          "INSTANCE_PATH": str(tmp_path / f"instance-{proxies}"), "RATE_LIMIT": limit,
                          "TRUSTED_PROXIES": proxies})
        return LiveServer(app)
    return start


def test_rate_limit_stops_a_single_client_hammering(limited_server):
    with limited_server("5/minute") as server:
        codes = [_get(server.url + "/api/ask?q=miete")[0] for _ in range(7)]
        assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
        status, headers, body = _get(server.url + "/api/ask?q=miete")
        assert json.loads(body)["error"] and "Retry-After" in headers
        assert _get(server.url + "/healthz")[0] == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(limited_server):
    with limited_server("3/minute") as server:
        codes = [_get(server.url + "/api/ask?q=miete", {"X-Forwarded-For": f"10.0.0.{i}"})[0]
                 for i in range(5)]
        assert codes.count(429) == 2


def test_trusted_proxy_distinguishes_clients(limited_server):
    with limited_server("3/minute", proxies=1) as server:
        codes = [_get(server.url + "/api/ask?q=miete", {"X-Forwarded-For": f"192.0.2.{i}"})[0]
                 for i in range(6)]
        assert codes == [200] * 6


def test_rate_limit_default_is_on(content_dir, index_dir, tmp_path):
    app = make_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                      "INSTANCE_PATH": str(tmp_path / "i")})
    client = app.test_client()
    codes = [client.get("/api/ask?q=miete").status_code for _ in range(35)]
    assert 429 in codes


def test_oversized_body_is_refused(small_live_server):
    body = json.dumps({"question": "miete " * 10_000}).encode()
    request = urllib.request.Request(small_live_server.url + "/api/ask", data=body,
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=10)
    assert exc.value.code == 413


def test_security_headers(small_live_server):
    status, headers, _ = _get(small_live_server.url + "/api/ask?q=miete")
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def _send(opener, url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_one_allowance_per_client_across_all_citizens_routes(limited_server):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    question = "Wie hoch ist der Regelbedarf?"
    asking = urllib.parse.urlencode({"beginn": "0", "frage": question}).encode()

    def rating(page: str, path: str) -> tuple[str, bytes]:
        value = re.search(r'name="hilfreich" value="(ja:0:[^"]+)"', page)[1]
        return path, urllib.parse.urlencode({"beginn": "0", "verlauf": question, "hilfreich": value}).encode()

    with limited_server("6/minute") as server:
        client = opener_from("127.0.0.2")
        status, chat_page = _send(client, server.url + "/frage", asking, form)
        assert status == 200
        status, widget_page = _send(client, server.url + "/widget/frage", asking, form)
        assert status == 200
        routes = [("/api/ask?q=miete", None, {}),
                  ("/api/ask", json.dumps({"question": "miete"}).encode(), {"Content-Type": "application/json"}),
                  (*rating(chat_page, "/feedback"), form), (*rating(widget_page, "/widget/feedback"), form)]
        assert [_send(client, server.url + path, data, headers)[0] for path, data, headers in routes] == [200] * 4
        # Six answers spent the allowance: every route now refuses this client.
        routes += [("/frage", asking, form), ("/widget/frage", asking, form)]
        assert [_send(client, server.url + path, data, headers)[0] for path, data, headers in routes] == [429] * 6
        assert _send(client, server.url + "/")[0] == 200, "the empty chat page spends no allowance"
        other = opener_from("127.0.0.3")
        assert _send(other, server.url + "/api/ask?q=miete")[0] == 200
