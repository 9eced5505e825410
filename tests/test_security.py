"""Headers and public surfaces: HSTS over HTTPS only (directly or from a trusted proxy),
answers never cached, /healthz without paths or exception texts (details for staff)."""
from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request

import pytest

from faqbot import accounts
from faqbot.index import current_build

from support import LiveServer, make_app
from test_console import PASSWORD, Browser


def get(url: str, headers: dict | None = None, data: bytes | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture
def server_with(content_dir, index_dir, tmp_path):
    servers = []

    def start(**settings):
        app = make_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                          "INSTANCE_PATH": str(tmp_path / "instance"), "RATE_LIMIT": "off", **settings})
        server = LiveServer(app).__enter__()
        servers.append(server)
        return server, app

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def test_hsts_only_when_the_request_came_over_https(server_with):
    proxied, _ = server_with(TRUSTED_PROXIES=1)
    for path in ("/", "/api/ask?q=miete", "/healthz"):
        status, headers, _ = get(proxied.url + path, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.1"})
        assert headers["Strict-Transport-Security"] == "max-age=31536000", path
        status, headers, _ = get(proxied.url + path, {"X-Forwarded-Proto": "http", "X-Forwarded-For": "192.0.2.1"})
        assert "Strict-Transport-Security" not in headers, path


def test_hsts_is_not_set_on_the_word_of_an_untrusted_proxy(server_with):
    direct, _ = server_with()
    status, headers, _ = get(direct.url + "/", {"X-Forwarded-Proto": "https"})
    assert status == 200 and "Strict-Transport-Security" not in headers


def test_answers_are_never_cached(server_with):
    server, _ = server_with()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answers = [get(server.url + "/api/ask?q=miete"),
               get(server.url + "/api/ask", {"Content-Type": "application/json"}, b'{"question": "miete"}'),
               get(server.url + "/frage", form, b"beginn=0&frage=Minijob"),
               get(server.url + "/widget/frage", form, b"beginn=0&frage=Minijob")]
    for status, headers, _ in answers:
        assert status == 200 and headers["Cache-Control"] == "no-store"
    status, headers, _ = get(server.url + "/static/css/chat.css")
    assert "no-store" not in headers.get("Cache-Control", "")


def test_public_healthz_shows_no_paths_or_exception_texts(server_with, index_dir, tmp_path):
    server, app = server_with()
    accounts.add_user(app.extensions["faqbot"].db, "stefan", "staff", PASSWORD)
    assert get(server.url + "/healthz")[0] == 200
    shutil.rmtree(current_build(index_dir))
    # Stop the rebuild from succeeding, so the failure stays to be seen.
    app.extensions["faqbot"].recovery.content_dir = tmp_path / "keine-inhalte"
    status, headers, text = get(server.url + "/healthz")
    assert status == 503
    public = json.loads(text)
    assert set(public) == {"status", "index", "recovery"} and public["index"] is None
    assert "last_error" not in public["recovery"]       # the rebuild's state, not its error text
    assert str(tmp_path) not in text and "Error" not in text
    app.extensions["faqbot"].recovery.wait(30)
    browser = Browser(server.url)
    assert browser.request("/konsole/healthz")[0] == 302, "details only for staff"
    browser.sign_in("stefan")
    status, _, text = browser.request("/konsole/healthz")
    details = json.loads(text)
    assert status == 503 and details["error"] and details["rebuild_error"]


def test_embed_snippet_uses_the_configured_address_never_the_host_header(server_with):
    server, _ = server_with(PUBLIC_URL="https://fragen.example.de/")
    status, _, page = get(server.url + "/einbinden", {"Host": "evil.example"})
    assert status == 200
    assert "&lt;script src=&#34;https://fragen.example.de/widget.js&#34; defer&gt;" in page
    assert "evil.example" not in page


def test_embed_snippet_without_configured_address_does_not_echo_a_foreign_host(server_with):
    server, _ = server_with()
    status, _, page = get(server.url + "/einbinden", {"Host": "evil.example:8000"})
    assert status == 200 and "evil.example" not in page
    assert "https://ADRESSE-DES-ASSISTENTEN/widget.js" in page
    status, _, page = get(server.url + "/einbinden")      # on this machine's own address
    assert f"{server.url}/widget.js" in page


def test_redirects_never_carry_the_host_header(server_with):
    server, app = server_with()
    accounts.add_user(app.extensions["faqbot"].db, "eva", "editor", PASSWORD)
    opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                                              {"redirect_request": lambda *a, **k: None}))
    for path in ("/frage", "/widget/feedback", "/konsole/", "/konsole/fragen"):
        try:
            opener.open(urllib.request.Request(server.url + path, headers={"Host": "evil.example"}), timeout=30)
            raise AssertionError(f"{path} did not redirect")
        except urllib.error.HTTPError as exc:
            assert exc.code == 302 and "evil.example" not in exc.headers["Location"], path
            assert exc.headers["Location"].startswith("/")


def test_instance_folder_database_and_secret_key_are_for_the_owner_only(server_with, tmp_path):
    import os
    import stat

    server, _ = server_with()
    assert get(server.url + "/api/ask?q=miete")[0] == 200
    instance = tmp_path / "instance"
    assert stat.S_IMODE(os.stat(instance).st_mode) == 0o700
    files = [instance / "faqbot.sqlite3", instance / "secret_key"]
    files += [p for p in instance.iterdir() if p.name.startswith("faqbot.sqlite3-")]   # -wal, -shm
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path.name
