"""Fixtures for the citizens' chat: a real Chromium (Debian's, driven by Playwright) against
the shipped content under waitress; every page visit is checked for foreign requests,
cookies and CSP errors."""
from __future__ import annotations

import os

import pytest

from browsing import CHROMIUM, CHROMIUM_ARGS, Visit
from faqbot.ask import answer_question
from faqbot.feedback import FeedbackStore


@pytest.fixture(scope="session")
def feedback_store(shipped_app) -> FeedbackStore:
    """The votes the shipped app stores (in its temporary instance's database)."""
    return shipped_app.extensions["faqbot"].feedback


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium from /usr/bin/chromium, one per test module."""
    if not CHROMIUM.exists():
        reason = ("Chromium is not installed at /usr/bin/chromium (Debian: apt-get install "
                  "chromium; ./run test installs it)")
        if os.environ.get("FAQBOT_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; FAQBOT_REQUIRE_BROWSER=1 makes this an error")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visit(browser, live_server):
    """Open pages of the live server (and of the ``allowed`` origins); afterwards: no other
    host was asked, no cookie was set, nothing was blocked by a Content-Security-Policy."""
    made: list[Visit] = []

    def open_context(java_script: bool = True, bypass_csp: bool = False,
                     width: int = 1280, height: int = 900, allowed: tuple[str, ...] = ()) -> Visit:
        context = browser.new_context(java_script_enabled=java_script, bypass_csp=bypass_csp,
                                      viewport={"width": width, "height": height},
                                      locale="de-DE", reduced_motion="reduce")
        context.set_default_timeout(10_000)
        page = context.new_page()
        v = Visit(context, page, allowed=allowed)
        context.on("request", lambda request: v.requests.append(request.url))
        page.on("console", lambda msg: v.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: v.console_errors.append(str(exc)))
        made.append(v)
        return v

    yield open_context
    try:
        for v in made:
            assert v.foreign_requests(live_server.url) == []
            assert v.context.cookies() == []
            assert v.console_errors == []
    finally:
        for v in made:
            v.context.close()


# Questions for the UI tests. The engine's tuning is tested in tests/test_ask.py; here a
# question is only picked for what the chat must show, checked against the engine itself.
ANSWERED_CANDIDATES = ("Wie hoch ist der Regelbedarf?", "Darf ich mein Auto behalten?",
                       "Wie viel darf ich dazuverdienen?")
DECLINED_CANDIDATES = ("Wer gewinnt die Bundesliga?", "Wie wird das Wetter morgen?",
                       "reisepass beantragen kosten", "hundesteuer anmelden")


@pytest.fixture(scope="session")
def answered_question(shipped_engine) -> str:
    """A question the engine answers with at least one further answer."""
    for question in ANSWERED_CANDIDATES:
        answer = answer_question(shipped_engine, question)
        if answer.answered and len(answer.hits) >= 2:
            return question
    pytest.fail(f"The engine answers none of {ANSWERED_CANDIDATES} with two passages.")


@pytest.fixture(scope="session")
def declined_question(shipped_engine) -> str:
    """A question the engine declines, with suggestions."""
    for question in DECLINED_CANDIDATES:
        answer = answer_question(shipped_engine, question)
        if not answer.answered and answer.suggestions:
            return question
    pytest.fail(f"The engine declines none of {DECLINED_CANDIDATES} (with suggestions).")


@pytest.fixture
def shipped_client(shipped_app):
    return shipped_app.test_client()
