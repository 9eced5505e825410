"""Searching the live index: a ``Snapshot`` of the current generation, reopened when the
index switches.

The ask pipeline hands in analysed query tokens and gets back ``Candidate`` records. A
snapshot reads the Whoosh index once, when it opens (stored passages); searching adds up the
BM25F scores precomputed at index time (``faqbot.scores``), shared by all threads.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from wordfreq import zipf_frequency

from . import scores
from .analysis import Lexicon, analyse
from .classifier import PassageClassifier, content_counts, load_content_counts, load_learned
from .fuzzy import Titles, fuzzy_key
from .index import (CURRENT, FIELD_BOOSTS, INDEX_FORMAT, META_FILE, answering_lexicon, load_lexicon,
                    load_saved_referrals, open_build, read_meta)
from .featured import load_saved_featured
from .scores import ScoreTable
from .wording import WordingModel, load_model as load_wording

SEARCH_FIELDS = tuple(FIELD_BOOSTS)
# Matches in these fields say what a passage is about (``context``: an interview's title,
# teaser and the person interviewed, with their role).
ABOUT_FIELDS = frozenset({"title", "questions", "tags", "context"})


def _ordinal(iso: str | None, default: int) -> int:
    return dt.date.fromisoformat(iso).toordinal() if iso else default


class IndexMissing(Exception):
    """There is no live index (never built, deleted or unreadable)."""


@dataclass(frozen=True)
class QueryTerm:
    """One term to search for, with how much it counts and which typed word it came from."""

    text: str
    weight: float
    group: int
    origin: str
    typed: str = ""    # the word as the citizen typed it (lower case)


@dataclass
class Candidate:
    """A passage the index found, with its BM25F score and the terms it matched."""

    id: str
    record: dict
    bm25: float
    matched: dict[str, set[str]] = field(default_factory=dict)   # term -> fields it matched in
    field_scores: dict[str, float] = field(default_factory=dict)


class AnswerCache:
    """A small thread-safe LRU of answers for repeated questions, one per index generation."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class Snapshot:
    """An open index generation: stored passages, precomputed scores, lexicon, fuzzy-match
    choices, and the cache of answers given from it."""

    def __init__(self, build: Path):
        self.build = build
        self.meta_path = str(build / META_FILE)
        self.meta = read_meta(build)
        if self.meta.get("format") != INDEX_FORMAT:
            raise ValueError(f"älteres Indexformat {self.meta.get('format', 1)} "
                             f"(erwartet {INDEX_FORMAT}), er wird neu gebaut")
        self.answers = AnswerCache()
        # The generation's files as opened, to tell damaged files from faults in the code.
        self.files = {path: path.stat().st_size for path in build.rglob("*") if path.is_file()}
        zipf_frequency("bürgergeld", "de")  # loads wordfreq's table now, not in a request
        self.lexicon: Lexicon = answering_lexicon(load_lexicon(build))
        self.referrals = load_saved_referrals(build)
        self.featured = load_saved_featured(build)
        self.scores: ScoreTable = scores.load(build)
        self.records: dict[str, dict] = {}
        self.docnums: dict[int, str] = {}
        # The Whoosh files are read once, here: searching uses the score table.
        ix = open_build(build)
        try:
            with ix.searcher() as s:
                for docnum in range(s.doc_count_all()):
                    stored = s.stored_fields(docnum)
                    self.records[stored["id"]] = stored["passage"]
                    self.docnums[docnum] = stored["id"]
        finally:
            ix.close()
        if self.scores.doc_count != len(self.docnums):
            raise ValueError(f"Bewertungstabelle ({self.scores.doc_count} Passagen) passt nicht "
                             f"zum Index ({len(self.docnums)} Passagen).")
        # Passage keys of each item (all versions), in index order (an interview's questions
        # in their order), and the versions of each passage id, earliest first.
        self.by_item: dict[str, list[str]] = {}
        self.by_passage: dict[str, list[str]] = {}
        for key, rec in self.records.items():
            self.by_item.setdefault(rec["item_id"], []).append(key)
            self.by_passage.setdefault(rec["id"], []).append(key)
        for keys in self.by_passage.values():
            keys.sort(key=lambda k: self.records[k]["valid_from"] or "")
        self.doc_count = len(self.records)
        # Periods of the documents (as date ordinals) for answering as of a day.
        self._starts = np.array([_ordinal(self.records[self.docnums[d]]["valid_from"], 0)
                                 for d in range(self.doc_count)], dtype=np.int64)
        self._ends = np.array([_ordinal(self.records[self.docnums[d]]["valid_until"], 10**9)
                               for d in range(self.doc_count)], dtype=np.int64)
        self._masks: OrderedDict[dt.date, np.ndarray] = OrderedDict()
        self._mask_lock = threading.Lock()
        # The days on which versions start or end (a server switches without a reindex), and
        # the items that change on each.
        self.changes: dict[dt.date, set[str]] = {}
        for rec in self.records.values():
            days = [dt.date.fromisoformat(rec["valid_from"])] if rec["valid_from"] else []
            if rec["valid_until"]:
                days.append(dt.date.fromisoformat(rec["valid_until"]) + dt.timedelta(days=1))
            for day in days:
                self.changes.setdefault(day, set()).add(rec["item_id"])
        # Titles and alternate questions for the fuzzy blend and for suggestions, folded once.
        self.titles = Titles.of(self._titles())         # FAQ titles and questions, glossary terms
        self.faq_titles = self.titles.only(lambda pid: self.records[pid]["kind"] == "faq")
        # The domain's own vocabulary: stems in titles, alternate questions and tags. A question
        # whose telling words are all outside it is probably about something else.
        self.about_terms: set[str] = set()
        for fieldname in ABOUT_FIELDS:
            self.about_terms |= self.scores.terms(fieldname)
        self._sentences: dict[str, list[dict[str, float]]] = {}
        self._sentence_keys: dict[str, list[str]] = {}
        self._classifier_lock = threading.Lock()
        # Built now, not in the first request that needs it.
        saved = load_content_counts(build)
        ids = {rec["id"] for rec in self.records.values()}
        # A generation built before the counts were written, or with counts of other passages.
        self._content_counts = saved if saved is not None and set(saved) == ids else self.content_counts()
        self._classifier = PassageClassifier.of(self._content_counts, load_learned())
        self._wording = load_wording()

    def classifier(self) -> PassageClassifier:
        """The passage classifier (``faqbot.classifier``): this generation's titles and
        alternate questions, plus what was learned from training questions."""
        with self._classifier_lock:
            return self._classifier

    def use_classifier(self, learned: dict[str, dict[str, float]]) -> None:
        """Answer with a classifier learned from other questions than the shipped ones (for
        fitting out of fold, ``bench/fit_ranking.py``); forgets the answers given so far."""
        classifier = PassageClassifier.of(self._content_counts, learned)
        with self._classifier_lock:
            self._classifier = classifier
            self.answers.clear()

    def wording(self) -> WordingModel | None:
        """The model of how questions about each passage are worded (``faqbot.wording``);
        None where none was fitted."""
        with self._classifier_lock:
            return self._wording

    def use_wording(self, model: WordingModel | None) -> None:
        """Answer with a wording model fitted on other questions than the shipped one (for
        fitting out of set, ``bench/fit_ranking.py``); forgets the answers given so far."""
        with self._classifier_lock:
            self._wording = model
            self.answers.clear()

    def content_counts(self) -> dict[str, dict[str, float]]:
        """Per passage id, its stems counted over the titles and alternate questions of all
        its versions (for a generation built without them; reindex writes them)."""
        return content_counts(((rec["id"], (rec["title"], *rec["questions"]))
                               for rec in self.records.values()), self.lexicon)

    def sentences(self, key: str) -> list[dict[str, float]]:
        """The stems of a passage's title and of each alternate question, with their idf
        (analysed on first use, then kept)."""
        found = self._sentences.get(key)
        if found is None:
            rec = self.records[key]
            found = []
            for text in (rec["title"], *rec["questions"]):
                stems = {t.text for t in analyse(text, self.lexicon, mode="index") if t.origin == "word"}
                found.append({stem: self.idf(stem) for stem in stems})
            self._sentences[key] = found
        return found

    def sentence_keys(self, key: str) -> list[str]:
        """The ``fuzzy_key`` of a passage's title and of each alternate question (kept)."""
        found = self._sentence_keys.get(key)
        if found is None:
            rec = self.records[key]
            found = [fuzzy_key(text) for text in (rec["title"], *rec["questions"])]
            self._sentence_keys[key] = found
        return found

    def _titles(self) -> Iterator[tuple[str, str]]:
        """(passage id, text) of the FAQ titles and alternate questions and glossary terms."""
        for pid, rec in self.records.items():
            if rec["kind"] == "faq":
                yield pid, rec["title"]
                for text in rec["questions"]:
                    yield pid, text
            elif rec["kind"] == "glossary":
                yield pid, rec["title"]

    def applies(self, key: str, day: dt.date) -> bool:
        """Whether the version ``key`` applies on ``day``."""
        rec = self.records[key]
        return ((rec["valid_from"] is None or rec["valid_from"] <= day.isoformat())
                and (rec["valid_until"] is None or day.isoformat() <= rec["valid_until"]))

    def version_at(self, passage_id: str, day: dt.date) -> str | None:
        """The key of the version of ``passage_id`` (or of an item's first passage) that
        applies on ``day``; None when none does."""
        keys = self.by_passage.get(passage_id)
        if keys is None:                      # an item id: its first passage
            first = next(iter(self.by_item.get(passage_id, ())), None)
            keys = self.by_passage[self.records[first]["id"]] if first is not None else ()
        return next((k for k in keys if self.applies(k, day)), None)

    def record_at(self, passage_id: str, day: dt.date) -> dict | None:
        key = self.version_at(passage_id, day)
        return self.records[key] if key is not None else None

    def next_version(self, key: str) -> str | None:
        """The version of the same passage that follows ``key``, if any."""
        keys = self.by_passage[self.records[key]["id"]]
        i = keys.index(key)
        return keys[i + 1] if i + 1 < len(keys) else None

    def mask(self, day: dt.date) -> np.ndarray:
        """Per document: 1.0 when its version applies on ``day``, else 0.0 (a few kept)."""
        with self._mask_lock:
            found = self._masks.get(day)
            if found is None:
                n = day.toordinal()
                found = ((self._starts <= n) & (n <= self._ends)).astype(np.float64)
                self._masks[day] = found
                while len(self._masks) > 16:
                    self._masks.popitem(last=False)
            return found
    def damaged(self) -> bool:
        """Whether a file of this generation is gone, changed its size or cannot be read."""
        for path, size in self.files.items():
            try:
                if path.stat().st_size != size:
                    return True
                with open(path, "rb") as f:
                    f.read(1)
            except OSError:
                return True
        return False

    def doc_frequency(self, term: str) -> int:
        """In how many passages ``term`` occurs in any field."""
        return self.scores.doc_frequency(term)

    def idf(self, term: str) -> float:
        n, df = self.doc_count, self.doc_frequency(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, terms: list[QueryTerm], limit: int = 20,
               day: dt.date | None = None) -> list[Candidate]:
        """Passages matching any of ``terms``, best BM25F score first; with ``day``, only the
        versions that apply on that day.

        The same sum of per-field BM25F term scores as Whoosh's ``Or`` query over the searched
        fields (each boosted by its field weight and the term's weight), added up from the
        scores precomputed at index time; it also records which term matched in which field.
        """
        weights: dict[str, float] = {}
        for t in terms:
            weights[t.text] = max(weights.get(t.text, 0.0), t.weight)
        rows: list[tuple[str, str]] = []    # (term, field) of each posting list found
        docs_of: list[np.ndarray] = []
        values_of: list[np.ndarray] = []
        factors: list[float] = []
        for text, weight in weights.items():
            for fieldname, field_boost in FIELD_BOOSTS.items():
                found = self.scores.postings(fieldname, text)
                if found is not None:
                    rows.append((text, fieldname))
                    docs_of.append(found[0])
                    values_of.append(found[1])
                    factors.append(weight * field_boost)
        if not rows:
            return []
        # All posting lists end to end: one pass of numpy adds them up, list by list.
        lengths = [len(d) for d in docs_of]
        docs = np.concatenate(docs_of)
        boosted = np.concatenate(values_of) * np.repeat(factors, lengths)
        total = np.bincount(docs, weights=boosted, minlength=self.doc_count)
        if day is not None:
            total *= self.mask(day)
        touched = np.flatnonzero(total)
        # Best score first; equal scores in index order.
        best = touched[np.lexsort((touched, -total[touched]))[:limit]]
        matched: dict[int, dict[str, set[str]]] = {d: {} for d in best.tolist()}
        per_field: dict[int, dict[str, float]] = {d: {} for d in best.tolist()}
        row_of = np.repeat(np.arange(len(rows)), lengths)
        for i in np.flatnonzero(np.isin(docs, best)).tolist():
            docnum = int(docs[i])
            text, fieldname = rows[row_of[i]]
            matched[docnum].setdefault(text, set()).add(fieldname)
            fields = per_field[docnum]
            fields[fieldname] = fields.get(fieldname, 0.0) + float(boosted[i])
        candidates = []
        for docnum in best.tolist():
            pid = self.docnums[docnum]
            candidates.append(Candidate(id=pid, record=self.records[pid], bm25=float(total[docnum]),
                                        matched=matched[docnum], field_scores=per_field[docnum]))
        return candidates


class SearchEngine:
    """Opens the live index generation (one shared snapshot); notices when reindex switches it.

    ``on_missing`` is called (with the ``IndexMissing`` error) whenever there is no usable
    live index, e.g. to start rebuilding it.

    With ``switch_in_background`` (the web server), a new generation is opened by a background
    thread while requests go on being answered from the previous one, as long as its files are
    there: opening a large index takes seconds (2.4 s for 20,000 passages), and requests should
    not wait for it. Without it (the CLI, the quality gate), the next call opens the new
    generation itself.
    """

    def __init__(self, index_dir: Path, on_missing: Callable[[IndexMissing], None] | None = None,
                 switch_in_background: bool = False):
        self.index_dir = Path(index_dir)
        self.on_missing = on_missing
        self.switch_in_background = switch_in_background
        self._link = str(self.index_dir / CURRENT)
        self._lock = threading.Lock()          # the bookkeeping below; held briefly
        self._open_lock = threading.Lock()     # one snapshot opened at a time; held for seconds
        # The newest two generations opened, by current's link target (threads still busy on
        # the older one finish their request). Replaced, never changed in place.
        self._open: dict[str, Snapshot] = {}
        self._serving: Snapshot | None = None  # the newest of them
        self._opening: set[str] = set()        # link targets being opened in the background
        self._failed: str | None = None        # the last target that could not be opened

    def _missing(self, error: IndexMissing) -> IndexMissing:
        if self.on_missing is not None:
            self.on_missing(error)
        return error

    def broken(self, snapshot: Snapshot, error: Exception) -> IndexMissing:
        """Forget a snapshot whose files were found damaged while searching (see
        ``Snapshot.damaged``) and report the index missing, which starts a rebuild."""
        with self._lock:
            self._open = {t: s for t, s in self._open.items() if s is not snapshot}
            if self._serving is snapshot:
                self._serving = None
        return self._missing(IndexMissing(f"Index {snapshot.build.name} ist beschädigt: {error}"))

    def _target(self) -> str | None:
        try:
            return os.readlink(self._link)
        except OSError:
            return None

    def snapshot(self) -> Snapshot:
        # Every request asks: the usual case (same generation, still complete) costs one
        # readlink and one stat on plain strings.
        target = self._target()
        known = self._open.get(target)
        if known is not None and os.path.exists(known.meta_path):
            return known
        serving = self._serving
        if (self.switch_in_background and target is not None and serving is not None
                and os.path.exists(serving.meta_path)):
            if target != self._failed:
                self._open_in_background(target)
            return serving
        return self._open_target(target)

    def refresh(self) -> Snapshot:
        """Open the live generation now, waiting for it (e.g. right after an in-process
        reindex, so that "live" means answered from)."""
        return self._open_target(self._target())

    def _open_target(self, target: str | None) -> Snapshot:
        build = self.index_dir / target if target is not None else None
        if build is None or not build.is_dir():
            self._failed = target
            raise self._missing(IndexMissing(f"Kein Index in {self.index_dir}: 'faqbot reindex' baut ihn."))
        if not (build / META_FILE).exists():
            self._failed = target
            raise self._missing(IndexMissing(f"Index {build.name} ist unvollständig (Dateien fehlen)."))
        with self._open_lock:
            snap = self._open.get(target)
            if snap is None:
                try:
                    snap = Snapshot(build)
                except Exception as exc:
                    self._failed = target
                    raise self._missing(IndexMissing(f"Index {build.name} ist nicht lesbar: {exc}")) from exc
                with self._lock:
                    self._open = dict(list({**self._open, target: snap}.items())[-2:])
                    if self._serving is None or snap.build.name >= self._serving.build.name:
                        self._serving = snap
        return snap

    def _open_in_background(self, target: str) -> None:
        with self._lock:
            if target in self._opening:
                return
            self._opening.add(target)

        def run() -> None:
            try:
                self._open_target(target)
            except IndexMissing:
                pass   # reported through on_missing; the previous generation keeps serving
            finally:
                with self._lock:
                    self._opening.discard(target)

        threading.Thread(target=run, name="faqbot-open-index", daemon=True).start()


class BuildEngine:
    """A search engine on one given index build (not the live one): for checking a new build
    before it goes live."""

    def __init__(self, build: Path):
        self._snapshot = Snapshot(Path(build))

    def snapshot(self) -> Snapshot:
        return self._snapshot

    def broken(self, snapshot: Snapshot, error: Exception) -> IndexMissing:
        return IndexMissing(f"Index {snapshot.build.name} ist beschädigt: {error}")
