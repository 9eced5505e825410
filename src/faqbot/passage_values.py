"""A value for every passage a learned model knows, for one question.

The passage classifier's probabilities (``faqbot.classifier.Posterior``) and the wording
model's scores (``faqbot.wording.Scores``) are both this: one number per passage, in the
model's passage order, or nothing when the model read nothing of the question.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np


@dataclass(frozen=True)
class PassageValues:
    passages: tuple[str, ...]
    index: Mapping[str, int]    # passage id -> its position in ``passages``
    values: np.ndarray | None   # None: the model read nothing of the question

    def __bool__(self) -> bool:
        return self.values is not None

    def get(self, pid: str, default: float = 0.0) -> float:
        at = self.index.get(pid)
        return default if at is None or self.values is None else float(self.values[at])

    def top(self, k: int) -> list[tuple[str, float]]:
        """The ``k`` passages of the highest values, highest first, ties in passage order."""
        if self.values is None:
            return []
        order = np.lexsort((np.arange(len(self.values)), -self.values))[:k]
        return [(self.passages[i], float(self.values[i])) for i in order]
