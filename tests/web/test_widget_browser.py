"""The widget: one <script> tag on a site of another origin opens the chat in an iframe panel."""
from __future__ import annotations

import pytest

from browsing import ROOT, StaticSite, run_axe
from support import make_app

HOST_PAGE = """<!doctype html>
<html lang="de">
<head><meta charset="utf-8"><title>Jobcenter Musterstadt</title><link rel="icon" href="data:,"></head>
<body>
<header><h1>Jobcenter Musterstadt</h1></header>
<main><p>Willkommen auf der Website des Jobcenters.</p><p><a href="#kontakt">Kontakt</a></p></main>
<script src="{assistant}/widget.js" defer></script>
</body>
</html>
"""


@pytest.fixture(scope="module")
def sites(shipped_index, live_server, tmp_path_factory):
    """A site on one loopback port embedding the assistant on another, which allows it; and a
    second site that is not allowed. Both sites have a strict CSP of their own."""
    LiveServer = type(live_server)
    with StaticSite() as host, StaticSite() as stranger:
        app = make_app({"TESTING": True, "CONTENT_DIR": str(ROOT / "content"), "INDEX_DIR": str(shipped_index),
                          "FRAME_ANCESTORS": f"'self' {host.url}", "RATE_LIMIT": "off",
                          "INSTANCE_PATH": str(tmp_path_factory.mktemp("widget-instance"))})
        with LiveServer(app) as assistant:
            for site in (host, stranger):
                site.html = HOST_PAGE.format(assistant=assistant.url)
                site.csp = (f"default-src 'none'; script-src {assistant.url}; frame-src {assistant.url}; "
                            "img-src data:; style-src 'none'")
            yield host, stranger, assistant


def open_host(visit, sites, bypass_csp=False, width=1280, height=900):
    host, _, assistant = sites
    v = visit(allowed=(host.url, assistant.url), bypass_csp=bypass_csp, width=width, height=height)
    v.page.goto(host.url + "/")
    v.page.locator("button.open").wait_for()
    return v


def chat_frame(page, assistant_url):
    page.locator("iframe").wait_for()
    frame = page.frame_locator("iframe")
    frame.locator("#frage").wait_for()
    return next(f for f in page.frames if f.url.startswith(assistant_url + "/widget"))


def shadow_focus(page) -> str:
    return page.evaluate("""() => { const a = document.activeElement;
        const inner = a && a.shadowRoot ? a.shadowRoot.activeElement : a;
        return inner ? inner.tagName + '.' + inner.className : ''; }""")


def test_widget_opens_the_chat_from_another_origin_and_answers(visit, sites, answered_question):
    host, _, assistant = sites
    v = open_host(visit, sites)
    page = v.page
    button = page.locator("button.open")
    assert button.inner_text() == "Fragen zum Grundsicherungsgeld"
    assert button.get_attribute("aria-expanded") == "false"
    assert page.locator("iframe").count() == 0 or not page.locator("iframe").is_visible()
    assert position(page, "button.open") == "fixed"            # styled despite the site's CSP
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    frame = chat_frame(page, assistant.url)
    assert page.locator("iframe").get_attribute("title") == "Chat: Fragen zum Grundsicherungsgeld"
    frame.wait_for_function("() => document.activeElement && document.activeElement.id === 'frage'")
    frame.fill("#frage", answered_question)
    frame.press("#frage", "Enter")
    answer = frame.locator("#runde-0 .answer")
    answer.wait_for()
    assert answer.locator("a.external").is_visible()
    assert answer.locator("a.external").get_attribute("target") == "_blank"
    frame.wait_for_function("() => document.activeElement.id === 'frage' && document.activeElement.value === ''")
    assert v.context.cookies() == []


def position(page, selector: str) -> str:
    return page.locator(selector).evaluate("e => getComputedStyle(e).position")


def test_escape_closes_the_widget_and_focus_returns_to_the_button(visit, sites):
    host, _, assistant = sites
    v = open_host(visit, sites)
    page = v.page
    for _ in range(10):                                        # keyboard only: Tab to the button
        page.keyboard.press("Tab")
        if shadow_focus(page) == "BUTTON.open":
            break
    else:
        pytest.fail("Tab never reached the widget button")
    page.keyboard.press("Enter")
    frame = chat_frame(page, assistant.url)
    frame.wait_for_function("() => document.activeElement && document.activeElement.id === 'frage'")
    page.keyboard.type("Minijob")
    page.keyboard.press("Escape")                              # pressed inside the other origin's frame
    page.locator(".panel").wait_for(state="hidden")
    assert shadow_focus(page) == "BUTTON.open"
    assert page.locator("button.open").get_attribute("aria-expanded") == "false"
    # reopened, the conversation is still there; Esc on the panel's own close button works too
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.getElementById('frage').value === 'Minijob'")
    page.locator("button.close").focus()
    page.keyboard.press("Escape")
    page.locator(".panel").wait_for(state="hidden")
    assert shadow_focus(page) == "BUTTON.open"


def test_close_button_closes_the_widget(visit, sites):
    host, _, assistant = sites
    page = open_host(visit, sites).page
    page.locator("button.open").click()
    chat_frame(page, assistant.url)
    close = page.get_by_role("button", name="Schließen")
    assert close.is_visible()
    close.click()
    page.locator(".panel").wait_for(state="hidden")
    assert shadow_focus(page) == "BUTTON.open"


def test_axe_widget_open(visit, sites, answered_question):
    host, _, assistant = sites
    page = open_host(visit, sites, bypass_csp=True).page
    page.locator("button.open").click()
    frame = chat_frame(page, assistant.url)
    assert run_axe(page) == []                       # the site with the button and the panel
    assert run_axe(frame) == []                      # the chat inside, empty ...
    frame.fill("#frage", answered_question)
    frame.press("#frage", "Enter")
    frame.locator("#runde-0 .answer").wait_for()
    frame.locator("#runde-0 summary").click()
    assert run_axe(frame) == []                      # ... and with an answer


def test_widget_fills_a_small_phone_screen(visit, sites, answered_question):
    host, _, assistant = sites
    page = open_host(visit, sites, width=360, height=640).page
    page.locator("button.open").click()
    frame = chat_frame(page, assistant.url)
    box = page.locator("iframe").bounding_box()
    assert box["width"] == 360
    frame.fill("#frage", answered_question)
    frame.press("#frage", "Enter")
    frame.locator("#runde-0 .answer").wait_for()
    assert frame.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.get_by_role("button", name="Schließen").is_visible()


def test_widget_is_refused_on_a_site_that_is_not_allowed(visit, sites):
    _, stranger, assistant = sites
    v = visit(allowed=(stranger.url, assistant.url))
    page = v.page
    page.goto(stranger.url + "/")
    page.locator("button.open").click()
    page.wait_for_timeout(1000)
    frames = [f for f in page.frames if f != page.main_frame]
    assert frames and all(f.locator("#frage").count() == 0 for f in frames)
    assert any("frame-ancestors" in e for e in v.console_errors), v.console_errors
    v.console_errors.clear()                          # the refusal is the expected error
