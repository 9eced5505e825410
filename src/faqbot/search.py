"""Searching the live index: one Whoosh searcher per thread, reopened when the index switches.

The ask pipeline hands in analysed query tokens and gets back ``Candidate`` records; Whoosh
stays inside this module and ``faqbot.index``.
"""
from __future__ import annotations

import heapq
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable
from pathlib import Path

from whoosh import query as wq
from wordfreq import zipf_frequency
from whoosh import scoring

from .analysis import Lexicon, fold, STOP_WORDS, words_of
from .index import (FIELD_BOOSTS, META_FILE, current_build, load_lexicon, load_saved_referrals, open_build,
                    read_meta)

SEARCH_FIELDS = tuple(FIELD_BOOSTS)
# Matches in these fields say what a passage is about.
ABOUT_FIELDS = frozenset({"title", "questions", "tags"})


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

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class Snapshot:
    """An open index generation: searcher, lexicon, stored passages, fuzzy-match choices,
    and the cache of answers given from it."""

    def __init__(self, build: Path):
        self.build = build
        self.meta = read_meta(build)
        self.answers = AnswerCache()
        zipf_frequency("bürgergeld", "de")  # loads wordfreq's table now, not in a request
        self.lexicon: Lexicon = load_lexicon(build)
        self.referrals = load_saved_referrals(build)
        # Typo correction only proposes content words, never stop words.
        self.lexicon.words = {w for w in self.lexicon.words if w not in STOP_WORDS}
        self.index = open_build(build)
        self.records: dict[str, dict] = {}
        self.docnums: dict[int, str] = {}
        with self.index.searcher() as s:
            for docnum in range(s.doc_count_all()):
                stored = s.stored_fields(docnum)
                self.records[stored["id"]] = stored["passage"]
                self.docnums[docnum] = stored["id"]
        # Passage ids of each item, in index order (an interview's questions in their order).
        self.by_item: dict[str, list[str]] = {}
        for pid, rec in self.records.items():
            self.by_item.setdefault(rec["item_id"], []).append(pid)
        self.doc_count = len(self.records)
        # Titles and alternate questions for the fuzzy blend, folded once here.
        self.fuzzy_choices: list[tuple[str, str]] = []
        for pid, rec in self.records.items():
            if rec["kind"] == "faq":
                for text in (rec["title"], *rec["questions"]):
                    self.fuzzy_choices.append((pid, fuzzy_key(text)))
            elif rec["kind"] == "glossary":
                self.fuzzy_choices.append((pid, fuzzy_key(rec["title"])))
        self._local = threading.local()
        self._df_cache: dict[str, int] = {}
        # The domain's own vocabulary: stems in titles, alternate questions and tags. A question
        # whose telling words are all outside it is probably about something else.
        self.about_terms: set[str] = set()
        with self.index.searcher() as s:
            reader = s.reader()
            for fieldname in ABOUT_FIELDS:
                for term in reader.lexicon(fieldname):
                    self.about_terms.add(term.decode("utf-8") if isinstance(term, bytes) else term)

    @property
    def searcher(self):
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self.index.searcher(weighting=scoring.BM25F(B=0.6, K1=1.2))
            self._local.searcher = s
        return s

    def doc_frequency(self, term: str) -> int:
        """In how many passages ``term`` occurs in any field."""
        if term not in self._df_cache:
            reader = self.searcher.reader()
            docs: set[int] = set()
            for fieldname in SEARCH_FIELDS:
                if (fieldname, term) in reader:
                    docs.update(reader.postings(fieldname, term).all_ids())
            self._df_cache[term] = len(docs)
        return self._df_cache[term]

    def idf(self, term: str) -> float:
        n, df = self.doc_count, self.doc_frequency(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, terms: list[QueryTerm], limit: int = 20) -> list[Candidate]:
        """Passages matching any of ``terms``, best BM25F score first.

        The same sum of per-field BM25F term scores as Whoosh's ``Or`` query, but walking each
        term's postings directly: with few documents and many short terms that is several times
        faster than Whoosh's query machinery, and it records which term matched in which field.
        """
        weights: dict[str, float] = {}
        for t in terms:
            weights[t.text] = max(weights.get(t.text, 0.0), t.weight)
        if not weights:
            return []
        searcher = self.searcher
        reader = searcher.reader()
        scores: dict[int, float] = {}
        matched: dict[int, dict[str, set[str]]] = {}
        per_field: dict[int, dict[str, float]] = {}
        for text, weight in weights.items():
            for fieldname in SEARCH_FIELDS:
                if (fieldname, text) not in reader:
                    continue
                boost = weight * FIELD_BOOSTS[fieldname]
                m = wq.Term(fieldname, text, boost=boost).matcher(searcher)
                while m.is_active():
                    docnum = m.id()
                    scores[docnum] = scores.get(docnum, 0.0) + m.score()
                    matched.setdefault(docnum, {}).setdefault(text, set()).add(fieldname)
                    fields = per_field.setdefault(docnum, {})
                    fields[fieldname] = fields.get(fieldname, 0.0) + boost
                    m.next()
        best = heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))
        candidates = []
        for docnum, score in best:
            pid = self.docnums[docnum]
            candidates.append(Candidate(id=pid, record=self.records[pid], bm25=score,
                                        matched=matched[docnum], field_scores=per_field[docnum]))
        return candidates

    def close(self) -> None:
        try:
            self.index.close()
        except Exception:
            pass


# Question words say what kind of answer is wanted ("wer" bekommt, "wann" kommt das Geld):
# the fuzzy comparison keeps them although the index drops them as stop words.
QUESTION_WORDS = frozenset("wer wann wie wieviel wo woher wohin warum was welche welcher welches".split())


def fuzzy_key(text: str) -> str:
    """Folded content and question words of ``text`` in order, for rapidfuzz comparisons."""
    return " ".join(w for w in words_of(fold(text))
                    if w not in STOP_WORDS or w in QUESTION_WORDS)


class SearchEngine:
    """Gives each thread a searcher on the live index; notices when reindex switches it.

    ``on_missing`` is called (with the ``IndexMissing`` error) whenever there is no usable
    live index, e.g. to start rebuilding it.
    """

    def __init__(self, index_dir: Path, on_missing: Callable[[IndexMissing], None] | None = None):
        self.index_dir = Path(index_dir)
        self.on_missing = on_missing
        self._lock = threading.Lock()
        self._snapshots: dict[Path, Snapshot] = {}

    def _missing(self, error: IndexMissing) -> None:
        if self.on_missing is not None:
            self.on_missing(error)

    def broken(self, snapshot: Snapshot, error: Exception) -> IndexMissing:
        """Forget a snapshot that failed while searching (its files were damaged)."""
        with self._lock:
            self._snapshots.pop(snapshot.build, None)
        missing = IndexMissing(f"Index {snapshot.build.name} ist beschädigt: {error}")
        self._missing(missing)
        return missing

    def snapshot(self) -> Snapshot:
        build = current_build(self.index_dir)
        if build is None:
            error = IndexMissing(f"Kein Index in {self.index_dir}: 'faqbot reindex' baut ihn.")
            self._missing(error)
            raise error
        if not (build / META_FILE).exists():
            self._snapshots.pop(build, None)
            error = IndexMissing(f"Index {build.name} ist unvollständig (Dateien fehlen).")
            self._missing(error)
            raise error
        snap = self._snapshots.get(build)
        if snap is None:
            with self._lock:
                snap = self._snapshots.get(build)
                if snap is None:
                    try:
                        snap = Snapshot(build)
                    except Exception as exc:
                        error = IndexMissing(f"Index {build.name} ist nicht lesbar: {exc}")
                        self._missing(error)
                        raise error from exc
                    # Keep the newest two generations open: threads still busy on the old one
                    # finish their request.
                    self._snapshots[build] = snap
                    for old in list(self._snapshots)[:-2]:
                        self._snapshots.pop(old)
        return snap


class BuildEngine:
    """A search engine on one given index build (not the live one): for checking a new build
    before it goes live."""

    def __init__(self, build: Path):
        self._snapshot = Snapshot(Path(build))

    def snapshot(self) -> Snapshot:
        return self._snapshot

    def broken(self, snapshot: Snapshot, error: Exception) -> IndexMissing:
        return IndexMissing(f"Index {snapshot.build.name} ist beschädigt: {error}")
