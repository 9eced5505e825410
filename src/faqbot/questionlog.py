"""What citizens ask: stored redacted, without IP address, with the answer and the feedback.

The stored text is ``redact(question, vocabulary)``: personal data replaced by placeholders, and
every word that is neither in the content's vocabulary nor common German masked as well (a name
the detectors missed is such a word). Staff see the most frequent questions, the declined ones
and the ones marked unhelpful, grouped by similarity; they can delete a stored question.
Questions older than the retention are deleted by ``prune``.
"""
from __future__ import annotations

import atexit
import csv
import datetime as dt
import io
import logging
import queue
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

import sqlalchemy as sa
from rapidfuzz import fuzz

from .analysis import fold
from .ask import Answer
from .db import questions
from .redact import redact

GROUP_SIMILARITY = 85
log = logging.getLogger("faqbot.questionlog")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def stored_text(question: str, vocabulary: Collection[str] = frozenset()) -> str:
    """``question`` as it is stored: redacted, words unknown to ``vocabulary`` (the content's
    folded words) and rare in German masked, cut to 1000 characters."""
    return redact(question, vocabulary)[:1000]


def record(engine: sa.Engine, answer: Answer, channel: str,
           vocabulary: Collection[str] = frozenset()) -> int:
    """Store a question (redacted) with its answer; returns its id for feedback."""
    ids = " ".join(h.id for h in answer.hits) if answer.answered else ""
    with engine.begin() as conn:
        result = conn.execute(questions.insert().values(
            asked_at=_now(), question=stored_text(answer.question, vocabulary), answered=answer.answered,
            confidence=float(answer.confidence), answer_ids=ids[:2000], channel=channel[:20]))
        return result.inserted_primary_key[0]


def record_feedback(engine: sa.Engine, question_id: int, helpful: bool) -> bool:
    """Store the citizen's "War das hilfreich?"; False when the question is unknown."""
    with engine.begin() as conn:
        done = conn.execute(questions.update().where(questions.c.id == question_id)
                            .values(helpful=helpful, feedback_at=_now()))
        return done.rowcount > 0


def prune(engine: sa.Engine, retention_days: int) -> int:
    """Delete questions older than ``retention_days``; returns how many."""
    cutoff = _now() - dt.timedelta(days=retention_days)
    with engine.begin() as conn:
        return conn.execute(questions.delete().where(questions.c.asked_at < cutoff)).rowcount


def delete(engine: sa.Engine, text: str) -> int:
    """Delete every stored copy of the question ``text`` (as stored, redacted); returns how many."""
    with engine.begin() as conn:
        return conn.execute(questions.delete().where(questions.c.question == text)).rowcount


@dataclass
class Group:
    """Questions that are worded alike, with how often and how they fared."""

    example: str
    count: int
    declined: int
    unhelpful: int
    helpful: int
    answer_ids: str
    variants: list[str]


def groups(engine: sa.Engine, which: str = "all", days: int = 90, limit: int = 100) -> list[Group]:
    """Questions of the last ``days`` grouped by similarity, most frequent first.

    ``which``: "all", "declined" (no answer) or "unhelpful" (marked not helpful).
    """
    since = _now() - dt.timedelta(days=days)
    query = sa.select(questions).where(questions.c.asked_at >= since).order_by(questions.c.asked_at.desc())
    if which == "declined":
        query = query.where(questions.c.answered.is_(False))
    elif which == "unhelpful":
        query = query.where(questions.c.helpful.is_(False))
    with engine.connect() as conn:
        rows = conn.execute(query.limit(5000)).all()
    found: list[tuple[str, Group]] = []
    for row in rows:
        key = " ".join(sorted(fold(row.question).split()))
        for other_key, group in found:
            if fuzz.token_set_ratio(key, other_key) >= GROUP_SIMILARITY:
                break
        else:
            group = Group(example=row.question, count=0, declined=0, unhelpful=0, helpful=0,
                          answer_ids=row.answer_ids.split(" ")[0] if row.answer_ids else "",
                          variants=[])
            found.append((key, group))
        group.count += 1
        group.declined += not row.answered
        group.unhelpful += row.helpful is False
        group.helpful += row.helpful is True
        if row.question not in group.variants and len(group.variants) < 5:
            group.variants.append(row.question)
    result = sorted((g for _, g in found), key=lambda g: (-g.count, g.example))
    return result[:limit]


def export_csv(engine: sa.Engine, days: int = 90) -> str:
    """All stored questions of the last ``days`` as CSV (already redacted)."""
    since = _now() - dt.timedelta(days=days)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["zeit", "frage", "beantwortet", "sicherheit", "antworten", "kanal", "hilfreich"])
    with engine.connect() as conn:
        for row in conn.execute(sa.select(questions).where(questions.c.asked_at >= since)
                                .order_by(questions.c.asked_at)):
            helpful = "" if row.helpful is None else ("ja" if row.helpful else "nein")
            writer.writerow([row.asked_at.isoformat(timespec="seconds"), _csv_safe(row.question),
                             "ja" if row.answered else "nein", f"{row.confidence:.3f}",
                             row.answer_ids, row.channel, helpful])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas in user text ("=HYPERLINK(...)")."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


VOTE_WINDOW = dt.timedelta(hours=1)


def record_vote(engine: sa.Engine, question: str, *, hit: str | None, helpful: bool,
                answered: bool, channel: str, vocabulary: Collection[str] = frozenset()) -> int:
    """Attach a "War das hilfreich?" vote to the question it rates; returns the row id.

    The chat keeps no ids (its state is the form), so the vote finds its question: the same
    redacted text on the same channel within the last hour, not yet rated. Without one, the
    vote gets a row of its own.
    """
    text = stored_text(question, vocabulary)
    since = _now() - VOTE_WINDOW
    with engine.begin() as conn:
        row_id = conn.execute(
            sa.select(questions.c.id).where(questions.c.question == text,
                                            questions.c.channel == channel[:20],
                                            questions.c.helpful.is_(None),
                                            questions.c.asked_at >= since)
            .order_by(questions.c.asked_at.desc(), questions.c.id.desc()).limit(1)).scalar()
        if row_id is None:
            row_id = conn.execute(questions.insert().values(
                asked_at=_now(), question=text, answered=answered, confidence=0.0,
                answer_ids=hit or "", channel=channel[:20])).inserted_primary_key[0]
        conn.execute(questions.update().where(questions.c.id == row_id)
                     .values(helpful=helpful, feedback_at=_now()))
    return row_id


class Writer:
    """Writes the question log from one background thread, in order, off the request path.

    A citizen's answer does not wait for the database; votes go through the same queue, so
    a vote always finds the question it rates. ``flush`` waits until everything queued is
    written (reports call it first, so staff see the latest questions). One writer per
    database and process (``writer_for``); ``drain_all`` writes what they hold at shutdown.

    ``vocabulary`` returns the words of the live content (the index's lexicon) for the stored
    text; without one, or when it fails, every rare word is masked.
    """

    def __init__(self, engine: sa.Engine, vocabulary: Callable[[], Collection[str]] | None = None):
        self.engine = engine
        self._vocabulary = vocabulary
        self._queue: queue.Queue = queue.Queue(maxsize=10_000)
        self._thread = threading.Thread(target=self._run, name="faqbot-question-log", daemon=True)
        self._thread.start()

    def record(self, answer: Answer, channel: str) -> None:
        self._put(lambda engine: record(engine, answer, channel, self.vocabulary()))

    def record_vote(self, question: str, *, hit: str | None, helpful: bool, answered: bool,
                    channel: str) -> None:
        self._put(lambda engine: record_vote(engine, question, hit=hit, helpful=helpful,
                                             answered=answered, channel=channel,
                                             vocabulary=self.vocabulary()))

    def vocabulary(self) -> Collection[str]:
        """The content's words now; empty (every rare word masked) when they cannot be had."""
        if self._vocabulary is None:
            return frozenset()
        try:
            return self._vocabulary()
        except Exception:  # noqa: BLE001 - no index right now: store with the stricter filter
            return frozenset()

    def _put(self, fn, *args, **kwargs) -> None:
        try:
            self._queue.put_nowait((fn, args, kwargs))
        except queue.Full:
            log.error("question log queue full: a question was not stored")

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written; False if ``timeout`` ran out."""
        done = threading.Event()
        self._put(lambda engine: done.set())
        return done.wait(timeout)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def _run(self) -> None:
        while True:
            fn, args, kwargs = self._queue.get()
            try:
                fn(self.engine, *args, **kwargs)
            except Exception:  # noqa: BLE001 - logging must never stop; the next write may work
                log.exception("could not store a question or vote")


_writers: dict[str, Writer] = {}
_writers_lock = threading.Lock()
# How long shutdown waits for the database to take the questions still queued.
DRAIN_SECONDS = 30.0


def writer_for(engine: sa.Engine, vocabulary: Callable[[], Collection[str]] | None = None) -> Writer:
    """The process's one writer for ``engine``'s database (made on first use); ``vocabulary``
    (the live content's words, for the stored text) replaces the one it had."""
    key = engine.url.render_as_string(hide_password=False)
    with _writers_lock:
        writer = _writers.get(key)
        if writer is None:
            if not _writers:
                atexit.register(drain_all)
            writer = _writers[key] = Writer(engine, vocabulary)
        elif vocabulary is not None:
            writer._vocabulary = vocabulary
        return writer


def drain_all(timeout: float = DRAIN_SECONDS) -> None:
    """Write everything the writers still hold (at shutdown: waitress stopped, or atexit)."""
    with _writers_lock:
        writers = list(_writers.values())
    for writer in writers:
        queued = writer.pending
        if not writer.flush(timeout):
            log.error("question log: %d entries not written at shutdown", writer.pending)
        elif queued:
            log.info("question log: %d queued entries written at shutdown", queued)
