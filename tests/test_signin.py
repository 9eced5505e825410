"""Sign-in that holds, through a real waitress server with clients on different loopback
addresses: a rate limit per client, the same time for known and unknown names, a lockout no
outsider can trigger, parallel attempts counted exactly, sessions that end at sign-out and at
a password change, and failed attempts recorded without what was typed."""
from __future__ import annotations

import logging
import statistics
import threading
import time
import urllib.request

import pytest
import sqlalchemy as sa

from faqbot import accounts, db

from support import LiveServer, make_app, opener_from
from test_console import PASSWORD, Browser


class ClientBrowser(Browser):
    """A ``Browser`` whose connections come from a given loopback address (127.0.0.0/8 is all
    local on Linux), so the server sees different clients without any proxy header."""

    def __init__(self, base: str, source: str = "127.0.0.1"):
        super().__init__(base)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = opener_from(source, urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)


@pytest.fixture
def signin(tmp_path, content_dir, index_dir, database_url):
    """Start the app with the given settings; accounts eva (editor) and stefan (staff)."""
    servers = []

    def start(**settings) -> tuple[LiveServer, object]:
        config = {"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                  "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": database_url,
                  "RATE_LIMIT": "off", "LOGIN_RATE_LIMIT": "off", **settings}
        app = make_app(config)
        engine = app.extensions["faqbot"].db
        if not accounts.list_users(engine):
            accounts.add_user(engine, "eva", "editor", PASSWORD)
            accounts.add_user(engine, "stefan", "staff", PASSWORD)
        server = LiveServer(app, threads=8).__enter__()
        servers.append(server)
        return server, app

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def test_sign_in_route_is_rate_limited_per_client(signin):
    server, _ = signin(LOGIN_RATE_LIMIT="5/minute")
    flooding = ClientBrowser(server.url, "127.0.0.2")
    # Unknown names, each once: only the route's limit can stop these.
    codes = [flooding.sign_in(f"niemand{i}", "falsch-falsch")[0] for i in range(7)]
    assert codes == [401] * 5 + [429] * 2
    status, _, text = flooding.request("/konsole/anmelden")
    assert status == 200, "the sign-in page itself stays reachable"
    status, _, text = flooding.sign_in("eva")
    assert status == 429 and "Zu viele" in text
    # Another client is not affected.
    assert ClientBrowser(server.url, "127.0.0.3").sign_in("eva")[0] == 302


def test_unknown_and_known_names_take_equal_time(signin):
    server, _ = signin()
    known, unknown = [], []
    for i in range(15):
        # A fresh client address per try: no lockout interferes.
        for name, times in (("eva", known), (f"unbekannt{i}", unknown)):
            browser = ClientBrowser(server.url, f"127.0.{1 + len(times) % 2}.{10 + i}")
            token = browser.csrf("/konsole/anmelden")
            started = time.perf_counter()
            status, _, _ = browser.request("/konsole/anmelden", {"name": name, "password": "falsch-falsch",
                                                                 "csrf_token": token})
            times.append(time.perf_counter() - started)
            assert status == 401
    known_median, unknown_median = statistics.median(known), statistics.median(unknown)
    assert abs(known_median - unknown_median) <= 0.3 * min(known_median, unknown_median), \
        f"known {known_median * 1000:.0f} ms, unknown {unknown_median * 1000:.0f} ms"


def test_outsider_cannot_lock_out_an_editor(signin):
    server, _ = signin()
    attacker = ClientBrowser(server.url, "127.0.0.2")
    codes = [attacker.sign_in("eva", "geraten-geraten")[0] for _ in range(accounts.MAX_FAILURES + 3)]
    assert codes == [401] * accounts.MAX_FAILURES + [429] * 3
    assert attacker.sign_in("eva")[0] == 429, "the attacker's client stays locked even with the password"
    editor = ClientBrowser(server.url, "127.0.0.1")
    status, headers, _ = editor.sign_in("eva")
    assert status == 302 and headers["Location"].endswith("/konsole/")
    assert editor.request("/konsole/")[0] == 200


def test_parallel_wrong_attempts_check_no_more_passwords_than_allowed(signin):
    server, app = signin()
    browsers = [ClientBrowser(server.url, "127.0.0.2") for _ in range(40)]
    tokens = [b.csrf("/konsole/anmelden") for b in browsers]
    start = threading.Barrier(len(browsers))
    codes: list[int] = []
    lock = threading.Lock()

    def attempt(browser: Browser, token: str) -> None:
        start.wait()
        status, _, _ = browser.request("/konsole/anmelden", {"name": "eva", "password": "geraten-geraten",
                                                             "csrf_token": token})
        with lock:
            codes.append(status)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(browsers, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [401] * accounts.MAX_FAILURES + [429] * (40 - accounts.MAX_FAILURES)
    with app.extensions["faqbot"].db.connect() as conn:
        checked = conn.execute(sa.select(sa.func.count()).select_from(db.login_attempts)).scalar()
    assert checked == accounts.MAX_FAILURES


def _session_cookie(browser: Browser) -> str:
    return next(c.value for c in browser.jar if c.name == "faqbot_konsole")


def _with_cookie(base: str, value: str) -> Browser:
    browser = Browser(base)
    browser.opener.addheaders = [("Cookie", f"faqbot_konsole={value}")]
    return browser


def test_session_ends_at_sign_out_even_for_a_copy_of_the_cookie(signin):
    server, _ = signin()
    browser = Browser(server.url)
    browser.sign_in("eva")
    copy = _with_cookie(server.url, _session_cookie(browser))
    assert copy.request("/konsole/")[0] == 200
    _, _, page = browser.request("/konsole/")
    token = __import__("re").search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    status, headers, _ = browser.request("/konsole/abmelden", {"csrf_token": token})
    assert status == 302
    status, headers, _ = copy.request("/konsole/")
    assert status == 302 and "/konsole/anmelden" in headers["Location"]


def test_session_ends_at_a_password_change(signin):
    server, app = signin()
    first, second = Browser(server.url), Browser(server.url)
    first.sign_in("eva")
    second.sign_in("eva")
    assert first.request("/konsole/")[0] == 200 and second.request("/konsole/")[0] == 200
    accounts.set_password(app.extensions["faqbot"].db, "eva", "ein-ganz-neues-passwort")
    for browser in (first, second):
        status, headers, _ = browser.request("/konsole/")
        assert status == 302 and "/konsole/anmelden" in headers["Location"]
    assert Browser(server.url).sign_in("eva", PASSWORD)[0] == 401
    assert Browser(server.url).sign_in("eva", "ein-ganz-neues-passwort")[0] == 302


def test_failed_sign_ins_are_recorded_with_the_client_never_with_what_was_typed(signin, caplog):
    server, app = signin()
    caplog.set_level(logging.INFO)
    typed_name, typed_password = "eva-geheimname", "mein-Passwort-Versuch"
    browser = ClientBrowser(server.url, "127.0.0.7")
    assert browser.sign_in(typed_name, typed_password)[0] == 401
    assert browser.sign_in("eva", typed_password)[0] == 401
    with app.extensions["faqbot"].db.connect() as conn:
        attempts = conn.execute(sa.select(db.login_attempts)).all()
        counters = conn.execute(sa.select(db.login_failures)).all()
    assert [(a.client, a.ok) for a in attempts] == [("127.0.0.7", False)] * 2
    stored = repr(attempts) + repr(counters)
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    assert "127.0.0.7" in log_text
    for typed in (typed_name, typed_password, "eva"):
        assert typed not in stored
        assert typed not in log_text
