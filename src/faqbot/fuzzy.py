"""Comparing a question with the content's titles and alternate questions (rapidfuzz).

``Titles`` holds the texts of one index generation, folded and prepared once, so that each
question costs one pass of rapidfuzz's C code over them:

- ``sort_ratio``: rapidfuzz's ``token_sort_ratio`` (word order ignored), for the fuzzy part of
  the ranking;
- ``set_ratio``: ``token_set_ratio`` (a title contained in the question counts fully), for the
  suggestions offered with a decline.

Both give rapidfuzz's scores (to the last bit or so) and order: best first, equal scores in
the order the titles were given.
"""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
from rapidfuzz import fuzz, process

from .analysis import STOP_WORDS, words_of

# Question words say what kind of answer is wanted ("wer" bekommt, "wann" kommt das Geld):
# the fuzzy comparison keeps them although the index drops them as stop words.
QUESTION_WORDS = frozenset("wer wann wie wieviel wo woher wohin warum was welche welcher welches".split())


def fuzzy_key(text: str) -> str:
    """Folded content and question words of ``text`` in order, for rapidfuzz comparisons."""
    return " ".join(w for w in words_of(text) if w not in STOP_WORDS or w in QUESTION_WORDS)


def sorted_words(key: str) -> str:
    return " ".join(sorted(key.split()))


def sorted_unique_words(key: str) -> str:
    return " ".join(sorted(set(key.split())))


def packed(texts: Iterable[str]) -> list[str]:
    """Copies of ``texts`` allocated one after the other (see ``Titles``)."""
    made = list(texts)
    return [str(text.encode("utf-8"), "utf-8") for text in made]


class Titles:
    """Texts to compare questions with, each belonging to a passage (``ids``)."""

    def __init__(self, ids: list[str], keys: list[str]):
        """``keys``: the ``fuzzy_key`` of each text; their order is the order of equal scores."""
        self.ids = list(ids)
        self._with_word: dict[str, list[int]] = {}
        for index, key in enumerate(keys):
            for word in set(key.split()):
                self._with_word.setdefault(word, []).append(index)
        # What rapidfuzz walks for every question, each list made in one go so that its
        # strings lie next to each other in memory: on 70,000 titles that alone makes a pass
        # four times faster than strings scattered over the heap (docs/benchmarks.md).
        self.keys = packed(keys)
        self._sorted = packed(sorted_words(k) for k in keys)          # words sorted
        self._unique = packed(sorted_unique_words(k) for k in keys)   # distinct words sorted

    @classmethod
    def of(cls, entries: Iterable[tuple[str, str]]) -> "Titles":
        """Titles of (passage id, text) pairs."""
        ids, keys = [], []
        for pid, text in entries:
            ids.append(pid)
            keys.append(fuzzy_key(text))
        return cls(ids, keys)

    def only(self, keep: Callable[[str], bool]) -> "Titles":
        """The titles of the passages ``keep`` accepts, in the same order."""
        chosen = [i for i, pid in enumerate(self.ids) if keep(pid)]
        return Titles([self.ids[i] for i in chosen], [self.keys[i] for i in chosen])

    def __len__(self) -> int:
        return len(self.keys)

    def sort_ratio(self, key: str, limit: int, cutoff: float) -> list[tuple[int, float]]:
        """The ``limit`` best (index, token_sort_ratio) pairs at or above ``cutoff``.

        token_sort_ratio is ``ratio`` of the word-sorted strings: the titles were sorted once.
        """
        if not key or not self.keys:
            return []
        return [(index, score) for _, score, index in
                process.extract(sorted_words(key), self._sorted, scorer=fuzz.ratio, limit=limit,
                                score_cutoff=cutoff)]

    def set_ratio(self, key: str, limit: int, cutoff: float) -> list[tuple[int, float]]:
        """The ``limit`` best (index, token_set_ratio) pairs at or above ``cutoff``.

        For a title sharing no word with ``key``, token_set_ratio is ``ratio`` of the two
        strings' distinct words, sorted: one pass over the prepared titles. Only the titles that
        share a word get the full token_set_ratio.
        """
        words = set(key.split())
        if not words or not self.keys:
            return []
        scores = process.cdist([sorted_unique_words(key)], self._unique, scorer=fuzz.ratio,
                               score_cutoff=cutoff, dtype=np.float64)[0]
        sharing = sorted({i for w in words for i in self._with_word.get(w, ())})
        if sharing:
            scores[sharing] = process.cdist([key], [self.keys[i] for i in sharing],
                                            scorer=fuzz.token_set_ratio, score_cutoff=cutoff,
                                            dtype=np.float64)[0]
        # The two ways of computing a score may differ in the last bit: equal is equal.
        scores = np.round(scores, 9)
        found = np.flatnonzero(scores)
        best = found[np.lexsort((found, -scores[found]))[:limit]]
        return [(int(i), float(scores[i])) for i in best]
