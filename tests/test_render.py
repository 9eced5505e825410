"""Rendered content: Markdown through an allow-list sanitiser (https, mailto and relative
links only) and code spans escaped once."""
from __future__ import annotations

import re

import pytest

from faqbot.render import markdown_html


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:x",
    "http://unverschluesselt.example", "//anderer-host.example/x", "/\\anderer-host.example",
    "file:///etc/passwd",
])
def test_links_other_than_https_mailto_and_relative_lose_their_target(link):
    html = str(markdown_html(f"[Klick]({link})"))
    assert "href" not in html and "Klick" in html


@pytest.mark.parametrize("link", ["https://www.arbeitsagentur.de/", "mailto:info@example.org", "/inhalt/faq/minijob",
                                  "#regelbedarf"])
def test_https_mailto_and_relative_links_are_kept(link):
    assert f'href="{link}"' in str(markdown_html(f"[Mehr]({link})"))


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                                  '<a href="javascript:x">a</a>', "<iframe src=//x>", "<b onclick=x>fett</b>"])
def test_raw_html_in_content_is_shown_as_text_never_as_markup(text):
    html = str(markdown_html(text))
    assert re.findall(r"<(\w+)", html) == ["p"], html
    assert "&lt;" in html


def test_code_spans_are_escaped_once():
    assert str(markdown_html("Rechnen: `a < b & c`")) == "<p>Rechnen: <code>a &lt; b &amp; c</code></p>"
    assert str(markdown_html("Tom &amp; Jerry & Co")) == "<p>Tom &amp; Jerry &amp; Co</p>"
