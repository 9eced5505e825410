"""Which passage a question is about, learned from the letters of its words.

The naive Bayes classifier (``faqbot.classifier``) counts whole word stems, each on its own.
This model also reads every stretch of three to five letters of each word of the question
(not the words redaction takes for personal data, nor numbers: ``plain_words``; in a chat the
earlier question's too, at the weight the answer gives it: ``Reading``), so that
"wiviel" shares most of its pieces with "wieviel", "Mietkaution" with "Kaution" and
"Sicherheitsschuhe" with "Arbeitsschuhe", and it weighs the pieces against each other: a
linear classifier (a weight per piece and passage, fitted by ``bench/fit_ranking.py`` as a
linear support vector machine over the training questions and the content's titles and
alternate questions) gives each passage a score, the higher the likelier.

Pieces and stems are weighted by tf-idf (a piece found in every question counts little), each
kind scaled to length 1, as the fit read them. The weights live in ``wording_model.npz`` beside
this file, stored by piece (only the weights that matter: the fit drops the smallest).

The fit reads each training question exactly as an answer reads it (``Answer.reading``),
follow-ups with their earlier question included.

``WordingModel.scores(reading)`` gives the scores of every passage the model knows; ``ask.rank``
hands each candidate's support (its score above -1) to the ranking model as the feature
``wording`` and ranks the three best passages even when the search did not find them. A
passage added to the content after the fit has no score until the next fit: it is ranked with
the median candidate's support meanwhile (``faqbot check`` lists such passages).
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from .analysis import fold
from .passage_values import PassageValues

MODEL_FILE = Path(__file__).with_name("wording_model.npz")
PIECE_LENGTHS = (3, 4, 5)
STEM = "s:"     # feature names: a word stem, or a piece of letters
PIECE = "p:"
_WORD = re.compile(r"\w+")


def pieces(words: Iterable[str]) -> Counter:
    """Every stretch of three to five letters of each word, the word's start and end marked by
    a space (" miete " gives " mi", "mie", ..., "ete "); a word shorter than a stretch counts
    once whole."""
    out: Counter = Counter()
    for word in words:
        for part in _WORD.findall(fold(word)):
            padded = f" {part} "
            for n in PIECE_LENGTHS:
                if len(padded) <= n:
                    out[PIECE + padded] += 1
                    break
                for i in range(len(padded) - n + 1):
                    out[PIECE + padded[i:i + n]] += 1
    return out


def plain_words(text: str, leave_out: Iterable[str] = ()) -> list[str]:
    """The words of ``text``, folded, without those in ``leave_out`` (folded words: what
    redaction takes for personal data) and without words with a digit (a number, a date, a
    phone number): what the model reads of a question at answer time."""
    left_out = set(leave_out)
    return [w for w in _WORD.findall(fold(text)) if w not in left_out and not any(ch.isdigit() for ch in w)]


def stems(words: Sequence[Sequence[str]]) -> Counter:
    """The first stem of each word (``faqbot.scope.scope_stems``: as typed or corrected)."""
    return Counter(STEM + w[0] for w in words if w)


def features(typed: Iterable[str], stem_words: Sequence[Sequence[str]]) -> Counter:
    """A question's features, counted: its word stems and the pieces of its typed words."""
    return stems(stem_words) + pieces(typed)


@dataclass(frozen=True)
class Reading:
    """What the model reads of one question, the same at answer time and in the fit: its
    plain words (``plain_words``) and word stems, and in a chat the earlier question's, which
    count ``earlier_weight`` as much (0 outside a chat)."""
    words: tuple[str, ...]
    stems: tuple = ()
    earlier_words: tuple[str, ...] = ()
    earlier_stems: tuple = ()
    earlier_weight: float = 0.0


@dataclass(frozen=True)
class Vocabulary:
    """The features the model knows, with their idf (from the fit's documents)."""
    index: Mapping[str, int]
    idf: np.ndarray

    @classmethod
    def of(cls, documents: Iterable[Counter], min_documents: int = 2) -> "Vocabulary":
        """Features found in at least ``min_documents`` documents, idf smoothed as
        ln((1 + n) / (1 + df)) + 1."""
        df: Counter = Counter()
        n = 0
        for doc in documents:
            n += 1
            df.update(doc.keys())
        names = sorted(f for f, k in df.items() if k >= min_documents)
        idf = np.array([math.log((1 + n) / (1 + df[f])) + 1 for f in names])
        return cls(index={f: i for i, f in enumerate(names)}, idf=idf)

    def vector(self, counted: Counter) -> tuple[np.ndarray, np.ndarray]:
        """(feature indices, values): 1 + ln(count) times idf, stems and pieces each scaled
        to length 1."""
        out_i: list[int] = []
        out_v: list[float] = []
        for prefix in (STEM, PIECE):
            idx, val = [], []
            for f, k in counted.items():
                at = self.index.get(f)
                if at is not None and f.startswith(prefix):
                    idx.append(at)
                    val.append((1 + math.log(k)) * self.idf[at])
            norm = math.sqrt(sum(v * v for v in val))
            if norm:
                out_i += idx
                out_v += [v / norm for v in val]
        return np.asarray(out_i, dtype=np.int64), np.asarray(out_v)

    def read(self, reading: Reading) -> tuple[np.ndarray, np.ndarray]:
        """(feature indices, values) of a question: its own features (``vector``), and in a
        chat the earlier question's, times ``earlier_weight``, after them."""
        idx, values = self.vector(features(reading.words, reading.stems))
        if reading.earlier_weight:
            e_idx, e_values = self.vector(features(reading.earlier_words, reading.earlier_stems))
            idx = np.concatenate([idx, e_idx])
            values = np.concatenate([values, reading.earlier_weight * e_values])
        return idx, values


class Scores(PassageValues):
    """Every known passage's score for one question; empty when the model read nothing."""

    def support(self, pid: str) -> float | None:
        """How far the passage's score rises above -1, the score the fit aims at for passages
        a question is not about (and +1 for the passage it is about): 0 for the former, up to
        about 2 for the latter; None for a passage the model does not know."""
        at = self.index.get(pid)
        return None if at is None or self.values is None else max(0.0, 1.0 + float(self.values[at]))


@dataclass(frozen=True, eq=False)
class WordingModel:
    passages: tuple[str, ...]
    vocabulary: Vocabulary
    indptr: np.ndarray        # per feature, its weights' span in ``columns`` and ``weights``
    columns: np.ndarray       # the passage (index into ``passages``) of each weight
    weights: np.ndarray
    intercept: np.ndarray     # per passage
    provenance: dict = field(default_factory=dict)
    index: Mapping[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {pid: i for i, pid in enumerate(self.passages)})

    @classmethod
    def of(cls, passages: Sequence[str], vocabulary: Vocabulary, coefficients: np.ndarray,
           intercept: np.ndarray, keep: float = 1.0, provenance: dict | None = None) -> "WordingModel":
        """From a dense weight matrix (passages x features), keeping only the largest ``keep``
        share of the weights by size."""
        w = np.asarray(coefficients, dtype=np.float64)
        if w.shape[0] != len(passages):
            # (scikit-learn fits two passages as one decision: not a model of passages.)
            raise ValueError(f"{w.shape[0]} weight rows for {len(passages)} passages")
        if keep < 1.0:
            limit = np.quantile(np.abs(w), 1 - keep)
            w = np.where(np.abs(w) >= limit, w, 0.0)
        by_feature = w.T
        nonzero = by_feature != 0
        indptr = np.concatenate([[0], np.cumsum(nonzero.sum(axis=1))]).astype(np.int64)
        rows, cols = np.nonzero(nonzero)
        return cls(passages=tuple(passages), vocabulary=vocabulary, indptr=indptr,
                   columns=cols.astype(np.int32), weights=by_feature[rows, cols].astype(np.float16).astype(np.float32),
                   intercept=np.asarray(intercept, dtype=np.float64), provenance=dict(provenance or {}))

    def margins(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Intercepts plus, per feature given, its value times its weights."""
        starts, ends = self.indptr[idx], self.indptr[idx + 1]
        counts = ends - starts
        if not counts.sum():
            return self.intercept.copy()
        # Every weight position of the given features, in one go.
        positions = np.repeat(ends - counts.cumsum(), counts) + np.arange(counts.sum())
        contributions = np.repeat(values, counts) * self.weights[positions]
        return self.intercept + np.bincount(self.columns[positions], weights=contributions,
                                            minlength=len(self.passages))

    def scores(self, reading: Reading) -> Scores:
        """Each passage's score for a question (``Vocabulary.read``)."""
        idx, values = self.vocabulary.read(reading)
        if not len(idx):
            return Scores(self.passages, self.index, None)
        return Scores(self.passages, self.index, self.margins(idx, values))


def save_model(model: WordingModel, path: Path = MODEL_FILE) -> None:
    names = np.array(sorted(model.vocabulary.index, key=model.vocabulary.index.get))
    # Weights are kept to half precision (as fitted: ``WordingModel.of`` rounds them alike).
    np.savez_compressed(path, passages=np.array(model.passages), features=names, idf=model.vocabulary.idf,
                        indptr=model.indptr, columns=model.columns,
                        weights=model.weights.astype(np.float16),
                        intercept=model.intercept,
                        provenance=np.array(json.dumps(model.provenance, ensure_ascii=False)))
    load_model.cache_clear()


def read_model(path: Path) -> WordingModel:
    with np.load(path, allow_pickle=False) as data:
        names = [str(n) for n in data["features"]]
        return WordingModel(passages=tuple(str(p) for p in data["passages"]),
                            vocabulary=Vocabulary(index={n: i for i, n in enumerate(names)}, idf=data["idf"]),
                            indptr=data["indptr"], columns=data["columns"].astype(np.int32),
                            weights=data["weights"].astype(np.float32),
                            intercept=data["intercept"], provenance=json.loads(str(data["provenance"])))


def unscored(passage_ids: Iterable[str], model: WordingModel | None = None) -> list[str]:
    """The content's passages the model has no score for (added or renamed since
    ``bench/fit_ranking.py`` ran): they are ranked without it until the next fit."""
    model = load_model() if model is None else model
    return [] if model is None else sorted(set(passage_ids) - set(model.passages))


@lru_cache(maxsize=1)
def load_model() -> WordingModel | None:
    """The shipped model, or None where it was not fitted yet."""
    return read_model(MODEL_FILE) if MODEL_FILE.exists() else None
