"""How well ``redact`` removes personal data, measured on a set of questions with invented data.

The set (``tests/data/personal-data.yaml``) has questions with personal data, each listing its
identifiers by kind, and ordinary questions without any. Two numbers come out:

- **recall** per kind: the share of identifiers of which nothing is left in the redacted text;
- **word loss**: the share of the words of ordinary questions that redaction removed.

An identifier counts as left when one of its words or numbers appears in the redacted text more
often than in the rest of the question (so "Am Markt 3" redacted to "Am [Adresse]" leaks "Am").
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .redact import PLACEHOLDERS

KINDS = ("name", "kundennummer", "bg-nummer", "aktenzeichen", "steuer-id", "sv-nummer", "ausweis",
         "iban", "telefon", "e-mail", "adresse", "geburtsdatum", "kennzeichen")
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Case:
    """A question and the identifiers in it, as (kind, exact substring)."""

    question: str
    identifiers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class QuestionSet:
    personal: tuple[Case, ...]
    ordinary: tuple[str, ...]


class QuestionSetError(ValueError):
    """The question set is malformed; the message names the entry."""


def load(path: Path) -> QuestionSet:
    """Read and check the question set at ``path``."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    cases = []
    for number, entry in enumerate(data["personal"], start=1):
        question = entry["q"]
        identifiers = []
        for kind, values in entry.items():
            if kind == "q":
                continue
            if kind not in KINDS:
                raise QuestionSetError(f"{path}: entry {number}: unknown kind '{kind}'")
            for value in values:
                if value not in question:
                    raise QuestionSetError(f"{path}: entry {number}: '{value}' is not in the question")
                identifiers.append((kind, value))
        if not identifiers:
            raise QuestionSetError(f"{path}: entry {number}: no identifiers")
        cases.append(Case(question, tuple(identifiers)))
    return QuestionSet(tuple(cases), tuple(data["ordinary"]))


def _words(text: str) -> Counter:
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder, " ")
    return Counter(w.lower() for w in _TOKEN.findall(text))


def leaked(question: str, identifier: str, redacted: str) -> list[str]:
    """The words of ``identifier`` still in ``redacted`` (beyond the rest of the question)."""
    rest = _words(question.replace(identifier, " ", 1))
    left = _words(redacted)
    return [w for w in dict.fromkeys(_words(identifier)) if left[w] > rest[w]]


@dataclass
class KindScore:
    total: int = 0
    removed: int = 0

    @property
    def recall(self) -> float:
        return self.removed / self.total if self.total else 1.0


@dataclass
class Report:
    kinds: dict[str, KindScore] = field(default_factory=lambda: {k: KindScore() for k in KINDS})
    # (kind, identifier, question, redacted) of every identifier left in the redacted text
    misses: list[tuple[str, str, str, str]] = field(default_factory=list)
    words: int = 0
    words_lost: int = 0
    losses: list[tuple[str, str]] = field(default_factory=list)   # (question, redacted)

    @property
    def identifiers(self) -> int:
        return sum(k.total for k in self.kinds.values())

    @property
    def recall(self) -> float:
        return sum(k.removed for k in self.kinds.values()) / max(1, self.identifiers)

    @property
    def word_loss(self) -> float:
        return self.words_lost / max(1, self.words)


def measure(questions: QuestionSet, redactor: Callable[[str], str]) -> Report:
    """Run ``redactor`` over the set and count removed identifiers and lost words."""
    report = Report()
    for case in questions.personal:
        redacted = redactor(case.question)
        for kind, identifier in case.identifiers:
            score = report.kinds[kind]
            score.total += 1
            if leaked(case.question, identifier, redacted):
                report.misses.append((kind, identifier, case.question, redacted))
            else:
                score.removed += 1
    for question in questions.ordinary:
        redacted = redactor(question)
        before, after = _words(question), _words(redacted)
        lost = sum((before - after).values())
        report.words += sum(before.values())
        report.words_lost += lost
        if lost:
            report.losses.append((question, redacted))
    return report
