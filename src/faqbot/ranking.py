"""Ordering the candidates of a question: a linear model over what the search knows of each.

The search finds candidates (BM25F over the fields, the fuzzy title match); ``ask.rank``
describes each by a few numbers (``RANKING_FEATURES``: how much of the question it covers,
where its terms matched, how much of one of its titles or alternate questions the question
contains, its kind, ...) and the model's weights turn them into one score. The weights are
data, fitted by ``bench/fit_ranking.py`` from question sets with known answers (pairwise: the
right passage should score above each wrong one), with cross-validation; they live in
``ranking_model.json`` beside this file, with the figures of the fit.

A question's own length enters through products with it (``*_long``): long situations lean
on other evidence than two-word searches, and a linear score could not say so otherwise.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

MODEL_FILE = Path(__file__).with_name("ranking_model.json")

# Per candidate, each about 0..1.
BASE_FEATURES = (
    "coverage",        # importance-weighted share of the typed words it matches (ask.coverage_of)
    "about",           # the same counting matches in its title, questions, tags or context only
    "asked",           # the same for the question's last sentence: what is asked, after the story
    "bm25",            # its BM25F total over the best candidate's
    "fuzzy",           # token_sort similarity of the question to its title or questions
    "title",           # BM25F share from the title, over the best candidate's total
    "questions",       # ... from the alternate questions
    "tags",            # ... from the tags
    "body",            # ... from the body
    "easy",            # ... from the easy-language text
    "context",         # ... from an interview's context
    "sentence",        # most of one title/alternate question the question contains (idf-weighted)
    "set_ratio",       # token_set similarity of the question to its closest title or question
    "glossary",        # 1 for a glossary term
    "interview",       # 1 for an interview passage
    "definition",      # 1 when the question asks what a term means and this is that term
    "first",           # 1 for the best BM25F candidate
    "learned",         # the probability that the question is about it (faqbot.classifier)
    "wording",         # its support from the letters and stems of the question (faqbot.wording)
    "earlier",         # in a chat, the coverage of the earlier question's words alone, times the
                       # weight they were added with (0 without history, and 0 when the question
                       # has no words of its own: then coverage is the earlier question's)
)
# Products with the question's length (0 for one word, 1 from ten telling words on).
LONG_FEATURES = ("coverage", "about", "asked", "bm25", "sentence", "body", "fuzzy", "set_ratio",
                 "glossary", "learned", "wording")
RANKING_FEATURES = BASE_FEATURES + tuple(f"{name}_long" for name in LONG_FEATURES)


def length_factor(groups: int) -> float:
    """0 for a one-word question, 1 for ten telling words or more."""
    return max(0.0, min(1.0, (groups - 1) / 9))


def feature_vector(values: dict[str, float], groups: int) -> tuple[float, ...]:
    """The model's input for one candidate, from its base features and the question's length."""
    long = length_factor(groups)
    return (tuple(values.get(name, 0.0) for name in BASE_FEATURES)
            + tuple(values.get(name, 0.0) * long for name in LONG_FEATURES))


def sentence_cover(query: set[str], sentences: Iterable[dict[str, float]]) -> float:
    """The largest share (by idf weight) of one sentence's stems found among ``query``'s."""
    best = 0.0
    for weights in sentences:
        total = sum(weights.values())
        if total:
            best = max(best, sum(w for stem, w in weights.items() if stem in query) / total)
    return best


# The last sentence of a question that tells a story first: what ends in "?" or, without
# one, the last clause after a full stop.
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def asked_part(text: str) -> str:
    """The part of ``text`` that asks: its last sentence with a question mark, else its last
    sentence; the whole text when it is one sentence."""
    parts = [p for p in SENTENCE_END.split(text.strip()) if p.strip()]
    if len(parts) <= 1:
        return text
    asking = [p for p in parts if "?" in p]
    return (asking or parts)[-1]


# What each feature means, for staff reading why a passage won (console test bench).
LABELS = {
    "coverage": "Abdeckung der Frage", "about": "Abdeckung in Titel/Fragen/Schlagwörtern",
    "asked": "Abdeckung des gefragten Satzes", "bm25": "BM25F", "fuzzy": "Ähnlichkeit zu Titel/Fragen",
    "title": "BM25F aus dem Titel", "questions": "BM25F aus den Fragen", "tags": "BM25F aus den Schlagwörtern",
    "body": "BM25F aus dem Text", "easy": "BM25F aus der Leichten Sprache", "context": "BM25F aus dem Kontext",
    "sentence": "Anteil einer Frage/eines Titels", "set_ratio": "Wortmengen-Ähnlichkeit",
    "glossary": "Glossarbegriff", "interview": "Interviewpassage", "definition": "gefragte Definition",
    "first": "bester BM25F-Treffer", "learned": "gelernt aus Fragen mit bekannter Antwort",
    "earlier": "Abdeckung der vorigen Frage im Chat",
    "wording": "Wortlaut (Buchstabenfolgen) ähnlicher Fragen",
}


def label(name: str) -> str:
    """A feature's description; a ``*_long`` feature is its base feature, for long questions."""
    base = name.removesuffix("_long")
    return LABELS.get(base, base) + (" (lange Frage)" if name.endswith("_long") else "")


@dataclass(frozen=True)
class Ranker:
    weights: dict[str, float]
    scale: float           # the linear score of a typical right answer: scores are about 0..1
    provenance: dict

    def score(self, vector: tuple[float, ...]) -> float:
        """The candidate's score, higher is better: the linear score over ``scale``."""
        z = sum(self.weights.get(name, 0.0) * value for name, value in zip(RANKING_FEATURES, vector))
        return z / self.scale

    def contributions(self, vector: tuple[float, ...], top: int = 4) -> list[tuple[str, float]]:
        """The features that added or took most of the score, largest first: (name, part of
        the score)."""
        parts = [(name, self.weights.get(name, 0.0) * value / self.scale)
                 for name, value in zip(RANKING_FEATURES, vector)]
        return sorted((p for p in parts if abs(p[1]) >= 0.005), key=lambda p: -abs(p[1]))[:top]


@lru_cache(maxsize=4)
def load_ranker(path: str = str(MODEL_FILE)) -> Ranker:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Ranker(weights=data["weights"], scale=data["scale"], provenance=data.get("provenance", {}))


def save_ranker(ranker: Ranker, path: Path = MODEL_FILE) -> None:
    data = {"weights": ranker.weights, "scale": ranker.scale, "provenance": ranker.provenance}
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    load_ranker.cache_clear()


def fit_pairwise(groups: list[tuple[list[tuple[float, ...]], list[tuple[float, ...]]]],
                 l2: float = 1.0, iterations: int = 60) -> list[float]:
    """Weights of a pairwise logistic model (no intercept: only differences count).

    ``groups``: per question, the vectors of its right candidates and of its wrong ones. Every
    (right, wrong) pair is one row; each question weighs the same in total, so a question with
    many wrong candidates does not outweigh the others.
    """
    import numpy as np

    diffs, weights = [], []
    for right, wrong in groups:
        pairs = [np.subtract(r, w) for r in right for w in wrong]
        for d in pairs:
            diffs.append(d)
            weights.append(1.0 / len(pairs))
    x = np.asarray(diffs, dtype=float)
    sw = np.asarray(weights, dtype=float)
    w = np.zeros(x.shape[1])
    reg = np.eye(x.shape[1]) * l2
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (sw * (p - 1.0)) + reg @ w
        hessian = x.T @ (x * (sw * p * (1 - p))[:, None]) + reg
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return [float(v) for v in w]
