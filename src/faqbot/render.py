"""Turning content Markdown into safe HTML, and highlighting matched words."""
from __future__ import annotations

import re

import markdown
import nh3
from markupsafe import Markup, escape

from .analysis import fold


def _md() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    # Content is editor-approved, but raw HTML in it is never passed through.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


# Editors write "vor allem:\n- Essen": Markdown needs a blank line before a bullet list.
_BULLETS_AFTER_TEXT = re.compile(r"(?m)^(?![ \t]*[-*+][ \t])([^\n]*\S[^\n]*)\n(?=[ \t]*[-*+][ \t])")


# What rendered content may contain: the elements Markdown makes, links to https, mailto and
# our own pages only (no javascript:, data: or http:), nothing else. An allow-list, so that
# whatever Markdown lets through is checked once more.
ALLOWED_TAGS = {"p", "br", "hr", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote",
                "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"https", "mailto"}


def _no_other_hosts(element: str, attribute: str, value: str) -> str | None:
    # "//host/..." and "/\host" are relative in form but lead to another site.
    if attribute == "href" and (value.startswith("//") or "\\" in value):
        return None
    return value


def sanitise(html: str) -> str:
    """``html`` with only the allowed elements, attributes and link targets."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=ALLOWED_URL_SCHEMES, attribute_filter=_no_other_hosts,
                     link_rel="noopener noreferrer")


def markdown_html(text: str) -> Markup:
    r"""Markdown to HTML with any raw HTML shown as text, sanitised.

    >>> print(markdown_html("Vor allem:\n- Essen\n- Miete"))
    <p>Vor allem:</p>
    <ul>
    <li>Essen</li>
    <li>Miete</li>
    </ul>
    >>> print(markdown_html("`a < b` [x](javascript:alert(1))"))
    <p><code>a &lt; b</code> <a rel="noopener noreferrer">x</a></p>
    """
    text = _BULLETS_AFTER_TEXT.sub(r"\1\n\n", text)
    # Markdown escapes raw HTML itself (its HTML patterns are removed), once: code spans are
    # not escaped twice.
    return Markup(sanitise(_md().convert(text)))


def highlight(text: str, stems: set[str], stem) -> Markup:
    """``text`` escaped, with words whose stem is in ``stems`` wrapped in <mark>."""
    out = []
    last = 0
    for match in re.finditer(r"\w+", text):
        word = match.group(0)
        out.append(escape(text[last:match.start()]))
        if len(word) > 2 and stem(fold(word)) in stems:
            out.append(Markup("<mark>") + escape(word) + Markup("</mark>"))
        else:
            out.append(escape(word))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)
