"""Whether to answer: a small calibrated model over the signals the search already computed.

The best candidate's signals (``Signals``) go into a logistic model whose weights were fitted
by ``bench/fit_decline.py`` on the training question sets (in scope: should be answered; out
of scope: should be declined), cross-validated by set (each set judged by a model fitted
without it, as a fresh holdout is); the holdouts are only used to judge the result (see
docs/quality.md). The weights live in ``decline_model.json`` beside this
file, with the figures of the fit.

The model reads each signal and each product of two signals (``expand``), all standardised:
what a signal is worth depends on the others. Full coverage of a one-word question means
little when the word is a common one ("wie spät ist es"), much when it is "Bürgergeld"; a
linear model can only weigh coverage the same in both.

The model's probability is the answer's confidence; below ``threshold`` the assistant declines.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("decline_model.json")


@dataclass(frozen=True)
class Signals:
    """What the search knows about its best candidate for a question."""

    coverage: float        # importance-weighted share of the typed words the best passage matches (in a
                           # chat, of the merged question in a follow-up, else of the question's own words)
    fuzzy: float           # rapidfuzz similarity of the question to its title or questions (0..1)
    domain: float          # share of the telling typed words inside the content's vocabulary
    margin: float          # BM25F lead of the best over the second candidate (0..1)
    words: float           # log(1 + number of typed word groups): long questions cover less
    unknown: float         # importance share of typed words that no passage contains at all
    about: float           # share of the best passage's matched importance in title/questions/tags
    score: float           # the best candidate's blended ranking score
    top: float             # 1 when the question's most telling word matches the best passage
    strength: float        # how telling the most telling typed word is (rarity in German)
    follow_up: float       # 1 when merged with the chat's previous question
    scope: float = 0.0     # the words' log-odds of being in scope (faqbot.scope)
    known: float = 0.0     # share of the typed words questions about some passage used (faqbot.classifier)
    specific: float = 0.0  # how much more often the typed words occur in the content than in German
    learned: float = 0.0   # the passage classifier's probability for the best passage
    lead: float = 0.0      # the best passage's ranking score minus the second's
    wording: float = 0.0   # the best passage's ranking feature ``wording``: its support (faqbot.wording)
    own: float = 0.0       # that support from the question's own words, without the chat's earlier
                           # question (follow-ups included); outside a chat equal to ``wording``

    def vector(self) -> list[float]:
        return [getattr(self, f.name) for f in fields(self)]

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


FEATURES = tuple(f.name for f in fields(Signals))
# The model's inputs: each signal, then each product of two (a signal with itself included).
TERMS = FEATURES + tuple(f"{a}*{b}" for i, a in enumerate(FEATURES) for b in FEATURES[i:])


def expand(vector: list[float], center: list[float], scale: list[float]) -> list[float]:
    """The model's inputs (``TERMS``) for one signal vector: each signal standardised, then
    the products of every pair."""
    x = [(v - c) / s for v, c, s in zip(vector, center, scale)]
    return x + [a * b for i, a in enumerate(x) for b in x[i:]]


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]      # per name in TERMS
    intercept: float
    threshold: float
    center: dict[str, float]       # per signal: mean over the training rows
    scale: dict[str, float]        # per signal: standard deviation over the training rows
    provenance: dict

    def probability(self, signals: Signals) -> float:
        inputs = expand(signals.vector(), [self.center.get(n, 0.0) for n in FEATURES],
                        [self.scale.get(n, 1.0) for n in FEATURES])
        z = self.intercept + sum(self.weights.get(name, 0.0) * value
                                 for name, value in zip(TERMS, inputs))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=4)
def load_model(path: str = str(MODEL_FILE)) -> Model:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Model(weights=data["weights"], intercept=data["intercept"],
                 threshold=data["threshold"], center=data["center"], scale=data["scale"],
                 provenance=data.get("provenance", {}))


def save_model(model: Model, path: Path = MODEL_FILE) -> None:
    data = {"threshold": model.threshold, "intercept": model.intercept,
            "center": model.center, "scale": model.scale, "weights": model.weights,
            "provenance": model.provenance}
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    load_model.cache_clear()


def fit_logistic(rows: list[list[float]], labels: list[int], l2: float = 1.0,
                 iterations: int = 50) -> tuple[list[float], float]:
    """Weights and intercept of an L2-regularised logistic regression (Newton's method)."""
    import numpy as np

    x = np.asarray(rows, dtype=float)
    y = np.asarray(labels, dtype=float)
    x1 = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x1.shape[1])
    reg = np.eye(x1.shape[1]) * l2
    reg[0, 0] = 0.0                                   # the intercept is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x1 @ w, -30, 30)))
        gradient = x1.T @ (p - y) + reg @ w
        hessian = x1.T @ (x1 * (p * (1 - p))[:, None]) + reg
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return [float(v) for v in w[1:]], float(w[0])
