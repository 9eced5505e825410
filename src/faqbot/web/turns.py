"""What a chat turn shows: the engine's answer as passages with highlights, period labels,
the easy-language text and the other version; the featured questions of the empty chat."""
from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from urllib.parse import urlparse

from flask import current_app
from markupsafe import Markup

from .answers import item_url
from ..analysis import german_stem
from ..ask import Answer, Hit, QuestionError, answer_question
from ..periods import period_label
from ..redact import redact
from ..render import highlight, markdown_html
from ..services import services
from ..settings import today_of

MAX_HISTORY = 5         # earlier questions passed to the engine
MAX_FURTHER = 4         # "Weitere Antworten"
EXCERPT_CHARS = 220

KIND_LABELS = {"faq": "Häufige Frage", "glossary": "Begriff erklärt", "interview": "Aus einem Interview"}


@dataclass(frozen=True)
class Shown:
    """One passage as the chat shows it."""

    id: str
    kind: str
    kind_label: str
    title: str
    item_title: str
    html: Markup
    excerpt: Markup
    stand: str
    url: str
    source: str
    source_host: str
    period: str = ""                   # "Gilt seit 1. Juli 2026", "Galt bis 30. Juni 2026"
    valid_from: str | None = None
    valid_until: str | None = None
    easy: str = ""                     # the item in easy language, if it has one
    other: "OtherVersion | None" = None
    past: bool = False                 # the version no longer applies (a question on the past)


@dataclass(frozen=True)
class OtherVersion:
    """The version shown after an answer: coming soon ("Ab 1. Januar 2027"), or today's
    after an answer about the past."""

    label: str
    title: str
    html: Markup
    stand: str
    source: str
    source_host: str
    easy: str = ""


@dataclass(frozen=True)
class Turn:
    number: int
    question: str
    answer: Answer | None = None
    error: str = ""
    best: Shown | None = None
    further: tuple[Shown, ...] = ()
    follow_up_of: str = ""
    rated: bool = False

    @property
    def had_personal_data(self) -> bool:
        redacted = self.answer.redacted if self.answer is not None else redact(self.question)
        return redacted != self.question

    @property
    def answered(self) -> bool:
        return self.answer is not None and self.answer.answered


_TAG = re.compile(r"(<[^>]+>)")


def _stem_matching(stems: set[str]):
    """A stem function for ``render.highlight`` that also marks compounds starting with a
    matched stem ("Regelbedarfsstufe" when "regelbedarf" matched)."""
    prefixes = sorted((s for s in stems if len(s) >= 5), key=len, reverse=True)

    def stem(word: str) -> str:
        stemmed = german_stem(word)
        if stemmed in stems:
            return stemmed
        return next((p for p in prefixes if word.startswith(p)), stemmed)
    return stem


def highlighted_html(text: str, matched: tuple[str, ...]) -> Markup:
    """The passage's Markdown as HTML, with the matched words in <mark> (text nodes only)."""
    stems = set(matched)
    stem = _stem_matching(stems)
    parts = _TAG.split(str(markdown_html(text)))
    return Markup("").join(
        Markup(part) if i % 2 else highlight(html.unescape(part), stems, stem)
        for i, part in enumerate(parts))


def excerpt(text: str, matched: tuple[str, ...]) -> Markup:
    """The passage's start as plain text, cut at a word, with the matched words marked."""
    plain = " ".join(re.sub(r"[*_`#>]|^\s*[-+] ", "", text, flags=re.MULTILINE).split())
    if len(plain) > EXCERPT_CHARS:
        plain = plain[:EXCERPT_CHARS].rsplit(" ", 1)[0].rstrip(",;:.–-") + " …"
    stems = set(matched)
    return highlight(plain, stems, _stem_matching(stems))


def _host(url: str) -> str:
    return (urlparse(url).hostname or url).removeprefix("www.")


def shown(hit: Hit, today: dt.date) -> Shown:
    other = None
    if hit.other is not None:
        o = hit.other
        other = OtherVersion(label=period_label(o.valid_from, o.valid_until, today), title=o.title,
                             html=markdown_html(o.passage), stand=o.stand, source=o.source,
                             source_host=_host(o.source), easy=o.easy)
    return Shown(id=hit.id, kind=hit.kind, kind_label=KIND_LABELS.get(hit.kind, "Information"),
                 title=hit.title, item_title=hit.item_title,
                 html=highlighted_html(hit.passage, hit.matched),
                 excerpt=excerpt(hit.passage, hit.matched), stand=hit.stand,
                 url=item_url(hit.item_id, hit.anchor), source=hit.source,
                 source_host=_host(hit.source),
                 period=period_label(hit.valid_from, hit.valid_until, today),
                 valid_from=hit.valid_from, valid_until=hit.valid_until, easy=hit.easy, other=other,
                 past=bool(hit.valid_until) and hit.valid_until < today.isoformat())


def _engine():
    return services().engine


def build_turn(number: int, question: str, history: tuple[str, ...], rated: bool = False) -> Turn:
    """Ask the engine and prepare what the turn shows."""
    today = today_of(current_app.config)
    try:
        answer = answer_question(_engine(), question, list(history[-MAX_HISTORY:]), today=today)
    except QuestionError as exc:
        return Turn(number, question, error=str(exc))
    # The engine merged the previous question in: say so, the citizen may not have meant it.
    follow_up_of = history[-1] if history and answer.follow_up else ""
    if not answer.answered:
        return Turn(number, question, answer=answer, follow_up_of=follow_up_of)
    return Turn(number, question, answer=answer, best=shown(answer.hits[0], today),
                further=tuple(shown(h, today) for h in answer.hits[1:1 + MAX_FURTHER]),
                follow_up_of=follow_up_of, rated=rated)


def common_questions() -> list[dict]:
    snapshot, today = _engine().snapshot(), today_of(current_app.config)
    found = ((pid, snapshot.record_at(pid, today)) for pid in snapshot.featured.common)
    return [{"id": pid, "title": rec["title"]} for pid, rec in found if rec is not None]


def jobcenter_url() -> str | None:
    item = _engine().snapshot().featured.jobcenter
    return item_url(item) if item in _engine().snapshot().by_item else None
