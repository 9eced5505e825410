"""Which passage a question is about, learned from how questions with known answers are worded.

Citizens describe a situation in their own words ("zehn Tage in die Türkei fliegen" for an
absence from the area); the search only finds passages that share words with the question.
A naive Bayes classifier over word stems learns the other direction: which words questions
about a passage tend to use. Its documents are every passage's title and alternate questions,
read from the live index (so a new item counts from its first reindex), and the training
questions of the question sets with their right passages, counted by
``bench/fit_ranking.py`` into ``classifier_model.json`` beside this file.

``PassageClassifier.posteriors(words)`` gives each passage id the probability that the
question is about it; ``ask.rank`` hands it to the ranking model as the feature ``learned``.
The classifier never decides alone: a passage still has to be found and ranked.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from .analysis import Lexicon, analyse
from .passage_values import PassageValues
from .scope import scope_stems

MODEL_FILE = Path(__file__).with_name("classifier_model.json")
CONTENT_FILE = "classifier.json"      # in an index generation: the content's own counts
# Add-alpha smoothing of a stem's count per passage: 0.03, 0.1, 0.3 and 1 were compared by the
# out-of-fold Hit@1 of the ranking on the training sets; 0.1 was best (docs/quality.md).
ALPHA = 0.1

Words = tuple[tuple[str, ...], ...]       # per typed word its stems (faqbot.scope.scope_stems)


def content_counts(passages: Iterable[tuple[str, Iterable[str]]], lexicon: Lexicon) -> dict[str, dict[str, float]]:
    """Per passage id, its stems counted over its own texts (title and alternate questions of
    all its versions: ``passages`` gives (id, texts) per version), read as a question is
    read."""
    return counts_of((scope_stems(analyse(text, lexicon, mode="query")), (pid,))
                     for pid, texts in passages for text in texts)


def save_content_counts(counts: Mapping[str, dict[str, float]], folder: Path) -> None:
    """Written into each index generation at reindex, so opening it costs no analysis."""
    (Path(folder) / CONTENT_FILE).write_text(json.dumps(counts, ensure_ascii=False), encoding="utf-8")


def load_content_counts(folder: Path) -> dict[str, dict[str, float]] | None:
    """The generation's counts, or None for a generation built before they were written."""
    file = Path(folder) / CONTENT_FILE
    return json.loads(file.read_text(encoding="utf-8")) if file.exists() else None


def counts_of(texts: Iterable[tuple[Words, Iterable[str]]]) -> dict[str, dict[str, float]]:
    """Per passage id, how often each stem occurs in the texts labelled with it: a text
    counts each of its words once (by the word's first stem), split evenly among its labels."""
    counts: dict[str, dict[str, float]] = {}
    for words, labels in texts:
        labels = list(dict.fromkeys(labels))
        if not labels:
            continue
        share = 1.0 / len(labels)
        stems = {stems[0] for stems in words if stems}
        for label in labels:
            row = counts.setdefault(label, {})
            for stem in stems:
                row[stem] = row.get(stem, 0.0) + share
    return counts


class Posterior(PassageValues):
    """P(passage | a question's words) over all passages; empty when no word was known."""

    def as_dict(self) -> dict[str, float]:
        return {pid: self.get(pid) for pid in self.passages} if self else {}


@dataclass(frozen=True)
class PassageClassifier:
    """Multinomial naive Bayes over passage ids with equal priors (arrays over passages, so
    a question costs a few vector additions however large the content)."""
    passages: tuple[str, ...]
    index: dict[str, int]
    default: np.ndarray                                # log P(unseen stem | passage)
    log_p: dict[str, tuple[np.ndarray, np.ndarray]]    # stem -> (passages, log P(stem | passage) - default)

    @classmethod
    def of(cls, content: Mapping[str, dict[str, float]], learned: Mapping[str, dict[str, float]],
           alpha: float = ALPHA) -> "PassageClassifier":
        """From the content's own counts per passage and those learned from questions (only
        for passages the content has: a removed item's questions are ignored)."""
        counts: dict[str, dict[str, float]] = {pid: dict(row) for pid, row in content.items()}
        for pid, row in learned.items():
            if pid in counts:
                for stem, n in row.items():
                    counts[pid][stem] = counts[pid].get(stem, 0.0) + n
        passages = tuple(counts)
        size = len({stem for row in counts.values() for stem in row}) or 1
        default = np.empty(len(passages))
        columns: dict[str, tuple[list[int], list[float]]] = {}
        for i, pid in enumerate(passages):
            row = counts[pid]
            total = sum(row.values()) + alpha * size
            default[i] = math.log(alpha / total)
            for stem, n in row.items():
                where, extra = columns.setdefault(stem, ([], []))
                where.append(i)
                extra.append(math.log((n + alpha) / alpha))   # log P(stem | passage) - default
        log_p = {stem: (np.asarray(where, dtype=np.int64), np.asarray(extra))
                 for stem, (where, extra) in columns.items()}
        return cls(passages=passages, index={pid: i for i, pid in enumerate(passages)},
                   default=default, log_p=log_p)

    def known_share(self, words: Words) -> float:
        """The share of the words that some passage's questions or titles have used (0 for
        none): a question in words the content's questions never use is probably about
        something else."""
        return sum(1 for stems in words if any(s in self.log_p for s in stems)) / len(words) if words else 0.0

    def posteriors(self, words: Words, earlier: Words = (), earlier_weight: float = 1.0) -> Posterior:
        """P(passage | the question's words). A word counts once, by the first of its stems
        the classifier knows; the words of an earlier question (``earlier``, in a follow-up)
        count ``earlier_weight`` each."""
        known: dict[str, float] = {}
        for group, weight in ((earlier, earlier_weight), (words, 1.0)):
            for stems in group:
                stem = next((s for s in stems if s in self.log_p), None)
                if stem is not None:
                    known[stem] = weight
        if not known:
            return Posterior(self.passages, self.index, None)
        scores = sum(known.values()) * self.default
        for stem, weight in known.items():
            where, extra = self.log_p[stem]
            scores[where] += weight * extra
        scores = np.exp(scores - scores.max())
        return Posterior(self.passages, self.index, scores / scores.sum())


@lru_cache(maxsize=4)
def load_learned(path: str = str(MODEL_FILE)) -> dict[str, dict[str, float]]:
    """The counts learned from training questions, per passage id ({} without a model file)."""
    file = Path(path)
    if not file.exists():
        return {}
    return json.loads(file.read_text(encoding="utf-8"))["counts"]


def orphaned(passage_ids: Iterable[str], learned: Mapping[str, dict[str, float]] | None = None) -> list[str]:
    """The passage ids the classifier learned questions for that the content no longer has
    (an item removed or renamed since ``bench/fit_ranking.py`` ran): their questions are
    ignored, and the new id has none until the next fit."""
    have = set(passage_ids)
    return sorted(pid for pid in (load_learned() if learned is None else learned) if pid not in have)


def save_learned(counts: Mapping[str, dict[str, float]], provenance: dict,
                 path: Path = MODEL_FILE) -> None:
    data = {"provenance": provenance,
            "counts": {pid: {stem: round(n, 3) for stem, n in sorted(row.items())}
                       for pid, row in sorted(counts.items())}}
    Path(path).write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    load_learned.cache_clear()
