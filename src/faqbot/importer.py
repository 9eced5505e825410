"""``faqbot import``: a saved web page (HTML or text) becomes an interview content file.

The page's navigation and boilerplate are stripped, the title, teaser, interviewee and the
interview's questions are found, and the wording is kept exactly. A page that does not look
like an interview raises ``ImportProblem`` and nothing is written.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml

from .content import slugify

SENTENCE_END = re.compile(r"""[.!?…:]["“”»«'’]?$""")
QUOTED = re.compile(r"""^[„"“»«‚'](.+?)["“”«»‘']$""")
# Lines that belong to the site, not the article, on many public-service pages.
BOILERPLATE = {
    "drucken", "teilen", "seitenanfang", "nach oben", "zurück", "zurück zur übersicht",
    "impressum", "datenschutz", "kontakt", "barrierefreiheit", "leichte sprache",
    "gebärdensprache", "sitemap", "suche", "menü", "navigation", "inhalt", "artikel teilen",
    "weitere informationen", "das könnte sie auch interessieren", "mehr zum thema",
    "cookie-einstellungen", "newsletter", "schließen", "startseite",
}
MAX_QUESTION_CHARS = 240
MIN_ANSWER_CHARS = 80


class ImportProblem(Exception):
    """The page could not be understood; the message says why and what to do."""


@dataclass(frozen=True)
class Interview:
    title: str        # as published, quotation marks included
    slug_title: str   # without the quotation marks, for the file name
    teaser: str
    person: str
    rubric: str
    qa: tuple[tuple[str, str], ...]   # (question, answer with paragraphs separated by blank lines)
    dropped: int                       # how many navigation/boilerplate lines were removed


class _HTMLText(HTMLParser):
    """Block-level text of an HTML page, without navigation, header, footer, scripts."""

    SKIP = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "svg",
            "button", "template", "iframe"}
    BLOCK = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "section", "article",
             "main", "blockquote", "br", "dt", "dd", "figcaption", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.h1: list[str] = []
        self.canonical = ""
        self._skip = 0
        self._buf: list[str] = []
        self._in_h1 = False
        self._open: list[tuple[str, bool]] = []

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def _skips(self, tag: str, attrs: dict) -> bool:
        role = (attrs.get("role") or "").lower()
        marks = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
        return (tag in self.SKIP
                or role in ("navigation", "banner", "contentinfo", "search", "dialog", "alertdialog")
                or any(word in marks for word in ("cookie", "consent", "banner", "breadcrumb")))

    def handle_starttag(self, tag, attrs):
        attrs = {k: v for k, v in attrs}
        if tag == "link" and (attrs.get("rel") or "").lower() == "canonical" and attrs.get("href"):
            self.canonical = attrs["href"]
        if tag in self.VOID:
            if tag == "br" and not self._skip:
                self._flush()
            return
        skipping = self._skips(tag, attrs)
        # Elements are tracked on a stack so that a skipped <div> ends at its own </div>.
        self._open.append((tag, skipping))
        if skipping:
            self._skip += 1
            return
        if tag in self.BLOCK:
            self._flush()
        if tag == "h1":
            self._in_h1 = True

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if not any(open_tag == tag for open_tag, _ in self._open):
            return  # a stray end tag
        while self._open:
            open_tag, skipping = self._open.pop()
            if skipping:
                self._skip -= 1
            if open_tag == tag:
                break
        if self._skip:
            return
        if tag in self.BLOCK:
            self._flush()
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._skip:
            return
        self._buf.append(data)
        if self._in_h1:
            self.h1.append(data)

    def _flush(self):
        text = " ".join("".join(self._buf).split())
        self._buf = []
        if text:
            self.lines.append(text)

    def close(self):
        super().close()
        self._flush()


def page_lines(raw: str, is_html: bool) -> tuple[list[str], str, str]:
    """(text lines, title from <h1> or "", canonical URL or "")."""
    if is_html:
        parser = _HTMLText()
        parser.feed(raw)
        parser.close()
        return parser.lines, " ".join(" ".join(parser.h1).split()), parser.canonical
    lines = [" ".join(line.split()) for line in raw.replace("\r\n", "\n").split("\n")]
    return [line for line in lines if line], "", ""


def _is_question(line: str) -> bool:
    return line.endswith("?") and len(line) <= MAX_QUESTION_CHARS and len(line.split()) >= 2


def _is_prose(line: str) -> bool:
    return bool(SENTENCE_END.search(line)) and len(line.split()) >= 5


def _is_boilerplate(line: str) -> bool:
    low = line.lower().strip(" :|·-")
    if low in BOILERPLATE:
        return True
    # Menus saved as text: many words, no sentence punctuation at all.
    return not SENTENCE_END.search(line) and len(line.split()) > 12 and not any(
        ch in line for ch in ".,;")


def parse_interview(raw: str, is_html: bool) -> Interview:
    lines, h1, _ = page_lines(raw, is_html)
    if not lines:
        raise ImportProblem("Die Seite enthält keinen Text.")
    # The interview proper: the first question followed by a real answer.
    first_q = None
    for i, line in enumerate(lines):
        if _is_question(line) and i + 1 < len(lines) and _is_prose(lines[i + 1]) \
                and len(lines[i + 1]) >= MIN_ANSWER_CHARS:
            first_q = i
            break
    if first_q is None:
        raise ImportProblem("Keine Interviewfragen gefunden: erwartet werden Fragen als eigene "
                            "Zeilen (mit '?') und danach die Antwort als Absatz.")
    head = lines[:first_q]
    # Title: the <h1>, else a quoted line, else the last short line without a full stop.
    title_at = None
    if h1:
        title_at = next((i for i, line in enumerate(head) if line == h1), None)
    if title_at is None:
        title_at = next((i for i in range(len(head) - 1, -1, -1) if QUOTED.match(head[i])), None)
    if title_at is None:
        for i in range(len(head)):
            if not _is_prose(head[i]) and not _is_boilerplate(head[i]) and len(head[i].split()) <= 14 \
                    and all(_is_prose(x) for x in head[i + 1:]):
                title_at = i
                break
    if title_at is None:
        raise ImportProblem("Kein Titel gefunden: die Seite braucht eine Überschrift vor dem Interview.")
    title = head[title_at] if not h1 or head[title_at] != h1 else h1
    match = QUOTED.match(title)
    clean_title = match.group(1) if match else title
    rubric = ""
    if title_at > 0 and not _is_boilerplate(head[title_at - 1]) and len(head[title_at - 1].split()) <= 3 \
            and not head[title_at - 1].endswith("?"):
        rubric = head[title_at - 1]
    intro = [line for line in head[title_at + 1:] if not _is_boilerplate(line)]
    teaser = intro[0] if intro else ""
    person = " ".join(intro[1:])

    qa: list[tuple[str, list[str]]] = []
    body = lines[first_q:]
    for line in body:
        if _is_question(line) and (not qa or qa[-1][1]):
            qa.append((line, []))
        elif _is_boilerplate(line) or (not _is_prose(line) and len(line.split()) <= 4):
            # A footer starts: the interview is over once an answer exists.
            if qa and qa[-1][1]:
                break
        else:
            qa[-1][1].append(line)
    qa = [(q, a) for q, a in qa if a]
    if not qa:
        raise ImportProblem("Keine Antworten zu den Fragen gefunden.")
    dropped = title_at
    return Interview(title=title, slug_title=clean_title, teaser=teaser, person=person, rubric=rubric,
                     qa=tuple((q, "\n\n".join(a)) for q, a in qa), dropped=dropped)


def interview_markdown(interview: Interview, source: str, stand: dt.date) -> str:
    front = {"title": interview.title, "stand": stand.isoformat(), "source": source}
    if interview.rubric:
        front["tags"] = [interview.rubric, "Interview"]
    else:
        front["tags"] = ["Interview"]
    if interview.teaser:
        front["teaser"] = interview.teaser
    if interview.person:
        front["person"] = interview.person
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000).strip()
    parts = [f"---\n{head}\n---\n"]
    for question, answer in interview.qa:
        parts.append(f"## {question}\n\n{answer}\n")
    return "\n".join(parts)


def import_page(path: Path, content_dir: Path, kind: str, source: str | None,
                stand: dt.date | None = None, slug: str | None = None,
                overwrite: bool = False) -> tuple[Path, Interview]:
    """Write the content file for the page at ``path``; return its path and what was found."""
    if kind != "interview":
        raise ImportProblem(f"Import für '{kind}' wird nicht unterstützt: FAQ- und Glossar-Einträge "
                            "brauchen redaktionelle Felder (Umformulierungen, einfache Sprache) und "
                            "werden von Hand angelegt (siehe docs/content.md).")
    raw = Path(path).read_text(encoding="utf-8", errors="replace")
    is_html = bool(re.search(r"<(html|body|p|div|h1)\b", raw[:5000], re.IGNORECASE))
    interview = parse_interview(raw, is_html)
    _, _, canonical = page_lines(raw, is_html) if is_html else ([], "", "")
    source = source or canonical
    if not source or not re.match(r"^https?://\S+$", source):
        raise ImportProblem("Keine Quelle bekannt: bitte --source mit der Adresse der Originalseite angeben.")
    target = Path(content_dir) / "interviews" / f"{slug or slugify(interview.slug_title)}.md"
    if target.exists() and not overwrite:
        raise ImportProblem(f"{target} gibt es schon: --overwrite ersetzt die Datei.")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(interview_markdown(interview, source, stand or dt.date.today()), encoding="utf-8")
    return target, interview
