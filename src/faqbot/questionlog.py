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
import multiprocessing
import os
import queue
import re
import threading
from collections.abc import Callable, Collection
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import sqlalchemy as sa
from rapidfuzz import fuzz, process

from .analysis import STOP_WORDS, fold
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


# Grouping compares each distinct wording with at most this many groups: those sharing its
# rarest word beginnings (the blocking keys below), most frequent first. The work is then
# linear in the number of wordings after one sort, instead of every wording against every
# group (which took minutes for 5,000 stored questions).
GROUP_CANDIDATES = 8
BLOCKING_KEYS = 2
# Distinct wordings grouped for the page: the most frequent, then the most recent. A bound on
# the page's work however much is stored (50,000 questions of 50,000 wordings render in about
# a second, see docs/benchmarks.md); wordings past it were asked once, long ago.
MAX_WORDINGS = 20_000


@dataclass(frozen=True)
class Wording:
    """One stored wording with how often it was asked and how it fared."""

    question: str
    count: int
    declined: int
    unhelpful: int
    helpful: int
    answer_ids: str


def groups(engine: sa.Engine, which: str = "all", days: int = 90, limit: int = 100) -> list[Group]:
    """Questions of the last ``days`` grouped by similarity, most frequent first.

    ``which``: "all", "declined" (no answer) or "unhelpful" (marked not helpful). Many stored
    questions are read and grouped in a worker process (see ``GroupingProcess``).
    """
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(questions)
                              .where(*_selection(which, days))).scalar_one()
    if stored <= IN_PROCESS_QUESTIONS:
        return _group_stored(engine, which, days, limit)
    return _grouping_process.run(_group_stored_at, engine.url.render_as_string(hide_password=False),
                                 which, days, limit)


def _selection(which: str, days: int) -> list:
    conditions = [questions.c.asked_at >= _now() - dt.timedelta(days=days)]
    if which == "declined":
        conditions.append(questions.c.answered.is_(False))
    elif which == "unhelpful":
        conditions.append(questions.c.helpful.is_(False))
    return conditions


def _group_stored(engine: sa.Engine, which: str, days: int, limit: int) -> list[Group]:
    count = sa.func.count().label("count")
    query = (sa.select(questions.c.question, count,
                       sa.func.sum(sa.case((questions.c.answered.is_(False), 1), else_=0)),
                       sa.func.sum(sa.case((questions.c.helpful.is_(False), 1), else_=0)),
                       sa.func.sum(sa.case((questions.c.helpful.is_(True), 1), else_=0)),
                       sa.func.max(questions.c.answer_ids))
             .where(*_selection(which, days))
             .group_by(questions.c.question)
             .order_by(count.desc(), sa.func.max(questions.c.asked_at).desc(), questions.c.question)
             .limit(MAX_WORDINGS))
    with engine.connect() as conn:
        wordings = [Wording(q, int(n), int(d or 0), int(u or 0), int(h or 0), ids or "")
                    for q, n, d, u, h, ids in conn.execute(query)]
    return group_wordings(wordings, limit=limit)


def _group_stored_at(url: str, which: str, days: int, limit: int) -> list[Group]:
    """``_group_stored`` on the database at ``url`` (in the worker, with its own connection)."""
    from .db import get_engine
    return _group_stored(get_engine(url), which, days, limit)


# Up to this many stored questions are read and grouped in the web server's own process (tens
# of milliseconds); more in a worker process, where a second of reading and grouping holds no
# lock the citizens' requests need (the server's threads share one interpreter lock).
IN_PROCESS_QUESTIONS = 5_000


def _start_worker(server_pid: int) -> None:
    """In the worker: a lower priority (when the cores are busy, citizens' answers go first),
    and an end when the web server is gone, however it ended (a killed server runs no exit
    handlers, and the worker's own end of its task queue would keep it waiting forever)."""
    os.nice(10)

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(server_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="faqbot-grouping-watch", daemon=True).start()


class GroupingProcess:
    """One worker process for reading and grouping stored questions, started on first use
    (from a fork server: a clean process, not a fork of the threaded web server), at a lower
    priority. If it dies, the next call starts another; if it cannot be had, the work runs
    here."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload([__name__])
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context,
                                                 initializer=_start_worker, initargs=(os.getpid(),))
            return self._pool

    def warm(self) -> None:
        """Start the worker now, in the background (e.g. when staff sign in), so that the
        first page does not wait for it."""
        threading.Thread(target=lambda: self.run(group_wordings, [], 0), name="faqbot-grouping-warm",
                         daemon=True).start()

    def run(self, fn, *args):
        """``fn(*args)`` in the worker (``fn`` a module-level function of this module)."""
        try:
            return self._executor().submit(fn, *args).result(timeout=300)
        except (BrokenProcessPool, OSError) as exc:
            log.warning("grouping worker unavailable (%s); grouping in the web server", exc)
            with self._lock:
                self._pool = None
            return fn(*args)


_grouping_process = GroupingProcess()


def warm_grouping() -> None:
    """Start the grouping worker in the background (staff are about to look at the page)."""
    _grouping_process.warm()


_WORD = re.compile(r"\w+")


def wording_key(question: str) -> str:
    """What grouping compares: the folded words that carry the topic, once each, sorted
    ("Wie hoch ist der Regelsatz?" and "regelsatz wie hoch" have the same key)."""
    words = {w for w in _WORD.findall(fold(question)) if w not in STOP_WORDS}
    return " ".join(sorted(words)) or " ".join(sorted(set(_WORD.findall(fold(question)))))


def _blocking_keys(key: str) -> set[str]:
    # Word beginnings: a typo late in a word ("regelsatz"/"regelsatzt") keeps its block.
    return {word[:4] for word in key.split() if len(word) >= 3 and not word.isdigit()}


def group_wordings(wordings: list[Wording], limit: int = 100, scorer=fuzz.token_set_ratio) -> list[Group]:
    """Group wordings by similarity (``scorer`` >= ``GROUP_SIMILARITY`` on their folded,
    sorted words); the ``limit`` most frequent groups.

    Wordings that fold to the same words are merged first; then each, most frequent first,
    joins the first of at most ``GROUP_CANDIDATES`` groups that share one of its
    ``BLOCKING_KEYS`` rarest word beginnings and are similar enough, or starts a group.
    """
    by_key: dict[str, list[Wording]] = {}
    for wording in wordings:
        by_key.setdefault(wording_key(wording.question), []).append(wording)
    ordered = sorted(by_key.items(), key=lambda kv: (-sum(w.count for w in kv[1]), kv[0]))
    blocks_of = {key: _blocking_keys(key) for key, _ in ordered}
    frequency: dict[str, int] = {}
    for blocks in blocks_of.values():
        for block in blocks:
            frequency[block] = frequency.get(block, 0) + 1

    found: list[tuple[str, Group]] = []
    members: dict[str, list[int]] = {}   # blocking key -> groups having it, oldest first
    for key, same in ordered:
        blocks = blocks_of[key]
        rarest = sorted(blocks, key=frequency.__getitem__)[:BLOCKING_KEYS]
        candidates = sorted({n for block in rarest for n in members.get(block, ())[:GROUP_CANDIDATES]})
        match = process.extractOne(key, [found[n][0] for n in candidates[:GROUP_CANDIDATES]],
                                   scorer=scorer, score_cutoff=GROUP_SIMILARITY) if candidates else None
        if match is not None:
            group = found[candidates[match[2]]][1]
        else:
            first = same[0]
            group = Group(example=first.question, count=0, declined=0, unhelpful=0, helpful=0,
                          answer_ids=first.answer_ids.split(" ")[0] if first.answer_ids else "",
                          variants=[])
            for block in blocks:
                members.setdefault(block, []).append(len(found))
            found.append((key, group))
        for wording in same:
            group.count += wording.count
            group.declined += wording.declined
            group.unhelpful += wording.unhelpful
            group.helpful += wording.helpful
            if len(group.variants) < 5 and wording.question not in group.variants:
                group.variants.append(wording.question)
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


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A separator, spaces, then a formula start: opened with ";" as separator (the German
# spreadsheet default; the file's own is ",") the part after it would be a cell of its own.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([;,][ \t]*)(?=[=+\-@\t\r])")


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas in user text ("=HYPERLINK(...)", "Miete; =1+1"): a
    quote before any formula start that could begin a cell, whichever separator is used."""
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", text)
    return "'" + text if text[:1] in _FORMULA_START else text


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
