"""Whether a question is about what the content covers, judged by its words alone.

Questions close to the domain share its vocabulary ("Miete", "Antrag", "Bescheid") but are
asked in words of their own ("Mieterhöhung", "Steuererklärung", "Eigenbedarf"). A naive
Bayes model over word stems, fitted on questions known to be in or out of scope and on the
content's own titles and alternate questions, gives each question a log-odds of being in
scope (``ScopeModel.score``). The decline model (``faqbot.decline``) takes it as one signal
among the others; it is fitted, with its data, by ``bench/fit_decline.py`` into
``scope_model.json`` beside this file.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from typing import Iterable

MODEL_FILE = Path(__file__).with_name("scope_model.json")
# How many texts a stem must be seen in before its log-odds count half (bench/fit_decline.py
# compared 0, 5 and 10 by the cross-validated decline figures; see docs/quality.md).
SHRINK = 5.0


def scope_stems(terms: Iterable) -> tuple[tuple[str, ...], ...]:
    """Per typed word of an analysed question (``ask.query_terms``), the stems that can stand
    for it, in order: the word as typed or corrected from a typo, then the editors' synonyms
    for it (a misspelling the synonyms know). Not thesaurus words or parts, not numbers."""
    order = {"word": 0, "typo": 1, "synonym": 2}
    groups: dict[int, list] = {}
    for t in terms:
        if t.origin in order and not t.text.isdigit():
            groups.setdefault(t.group, []).append(t)
    return tuple(tuple(dict.fromkeys(t.text for t in sorted(members, key=lambda t: order[t.origin])))
                 for members in groups.values())


@dataclass(frozen=True)
class ScopeModel:
    weights: dict[str, float]     # stem -> log-odds of "in scope" it adds
    provenance: dict

    def score(self, words: Iterable[tuple[str, ...]]) -> float:
        """The mean log-odds of the question's known words (0 when none is known); a word
        counts by the first of its stems the model knows."""
        found = [next(self.weights[s] for s in stems if s in self.weights)
                 for stems in words if any(s in self.weights for s in stems)]
        return sum(found) / len(found) if found else 0.0


def fit_naive_bayes(texts: list[tuple[tuple[str, ...], ...]], labels: list[int], alpha: float = 1.0,
                    min_count: int = 2, shrink: float = SHRINK) -> dict[str, float]:
    """Per stem, log P(stem | in scope) - log P(stem | out of scope), counted once per text
    (``texts``: each question's ``scope_stems``; a word counts by its first stem), with add-``alpha`` smoothing, and shrunk towards 0 by
    n / (n + ``shrink``) for a stem seen in n texts: a word seen twice says little, whichever
    side it was seen on. Stems seen fewer than ``min_count`` times are left out."""
    counts: dict[str, list[int]] = {}
    n_in = sum(1 for y in labels if y)
    n_out = len(labels) - n_in
    for text, label in zip(texts, labels):
        for w in {stems[0] for stems in text}:
            counts.setdefault(w, [0, 0])[0 if label else 1] += 1
    return {w: round((math.log((c_in + alpha) / (n_in + 2 * alpha))
                      - math.log((c_out + alpha) / (n_out + 2 * alpha)))
                     * (c_in + c_out) / (c_in + c_out + shrink), 4)
            for w, (c_in, c_out) in counts.items() if c_in + c_out >= min_count}


@lru_cache(maxsize=4)
def load_scope(path: str = str(MODEL_FILE)) -> ScopeModel:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return ScopeModel(weights=data["weights"], provenance=data.get("provenance", {}))


def save_scope(model: ScopeModel, path: Path = MODEL_FILE) -> None:
    data = {"provenance": model.provenance, "weights": dict(sorted(model.weights.items()))}
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    load_scope.cache_clear()
