"""Turning content Markdown into safe HTML, and highlighting matched words."""
from __future__ import annotations

import re

import markdown
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


def markdown_html(text: str) -> Markup:
    r"""Markdown to HTML with any raw HTML shown as text.

    >>> print(markdown_html("Vor allem:\n- Essen\n- Miete"))
    <p>Vor allem:</p>
    <ul>
    <li>Essen</li>
    <li>Miete</li>
    </ul>
    """
    text = _BULLETS_AFTER_TEXT.sub(r"\1\n\n", text)
    return Markup(_md().convert(str(escape(text))).replace("&amp;amp;", "&amp;"))


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
