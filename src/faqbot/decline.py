"""Whether to answer: a small calibrated model over the signals the search already computed.

The best candidate's signals (``Signals``) go into a logistic model whose weights were fitted
by ``bench/fit_decline.py`` on the training question sets (in scope: should be answered; out
of scope: should be declined), with 5-fold cross-validation; the holdouts are only used to
judge the result (see docs/quality.md). The weights live in ``decline_model.json`` beside this
file, with the figures of the fit.

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

    coverage: float        # importance-weighted share of the typed words the best passage matches
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

    def vector(self) -> list[float]:
        return [getattr(self, f.name) for f in fields(self)]

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


FEATURES = tuple(f.name for f in fields(Signals))


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    intercept: float
    threshold: float
    provenance: dict

    def probability(self, signals: Signals) -> float:
        z = self.intercept + sum(self.weights.get(name, 0.0) * value
                                 for name, value in zip(FEATURES, signals.vector()))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=4)
def load_model(path: str = str(MODEL_FILE)) -> Model:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Model(weights=data["weights"], intercept=data["intercept"],
                 threshold=data["threshold"], provenance=data.get("provenance", {}))


def save_model(model: Model, path: Path = MODEL_FILE) -> None:
    data = {"weights": model.weights, "intercept": model.intercept,
            "threshold": model.threshold, "provenance": model.provenance}
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
