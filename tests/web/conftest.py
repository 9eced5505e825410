"""Fixtures for the citizens' chat: a real Chromium (Debian's, driven by Playwright) against
the shipped content under waitress; every page visit is checked for foreign requests,
cookies and CSP errors."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from browsing import CHROMIUM, CHROMIUM_ARGS, Visit
from faqbot.feedback import FeedbackStore


@pytest.fixture(scope="session", autouse=True)
def feedback_file(shipped_app, tmp_path_factory) -> Path:
    """Votes given by the tests go to a temporary file, not the instance folder."""
    path = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    shipped_app.extensions["faqbot.feedback"] = FeedbackStore(path)
    return path


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
    """Open pages of the live server; afterwards: no other host was asked, no cookie was
    set, nothing was blocked by the Content-Security-Policy."""
    made: list[Visit] = []

    def open_context(java_script: bool = True, bypass_csp: bool = False,
                     width: int = 1280, height: int = 900) -> Visit:
        context = browser.new_context(java_script_enabled=java_script, bypass_csp=bypass_csp,
                                      viewport={"width": width, "height": height},
                                      locale="de-DE", reduced_motion="reduce")
        context.set_default_timeout(10_000)
        page = context.new_page()
        v = Visit(context, page)
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
