"""Topics the assistant does not answer, and who does (``content/referrals.yaml``).

A question about Elterngeld should not get the one FAQ passage that mentions Elterngeld in
passing: it gets a friendly decline that names the Elterngeldstelle.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .analysis import words_of
from .content import ContentError, Problem, read_yaml, is_url

FILE_NAME = "referrals.yaml"


@dataclass(frozen=True)
class Referral:
    topic: str
    terms: tuple[tuple[str, ...], ...]   # folded word sequences
    where: str
    url: str = ""

    def as_json(self) -> dict:
        return {"topic": self.topic, "where": self.where, "url": self.url or None}


def load_referrals(content_root: Path) -> list[Referral]:
    """The referral table; [] without a file. Problems raise ``ContentError`` with lines."""
    path = Path(content_root) / FILE_NAME
    if not path.exists():
        return []
    shown = f"content/{FILE_NAME}"
    data, node = read_yaml(path, shown)
    if data is None:
        return []
    if not isinstance(data, list):
        raise ContentError([Problem(shown, 1, "erwartet eine Liste von Einträgen '- topic: ...'")])
    problems, referrals = [], []
    for entry, entry_node in zip(data, node.value):
        line = entry_node.start_mark.line + 1
        if not isinstance(entry, dict):
            problems.append(Problem(shown, line, "jeder Eintrag braucht topic, terms und where"))
            continue
        unknown = set(entry) - {"topic", "terms", "where", "url"}
        for key in sorted(unknown):
            problems.append(Problem(shown, line, f"unbekanntes Feld '{key}'"))
        for key in ("topic", "where"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                problems.append(Problem(shown, line, f"'{key}' fehlt oder ist leer"))
        terms = entry.get("terms")
        if not isinstance(terms, list) or not terms or not all(isinstance(t, str) for t in terms):
            problems.append(Problem(shown, line, "'terms' muss eine nicht leere Liste von Texten sein"))
            continue
        url = entry.get("url") or ""
        if url and not is_url(url):
            problems.append(Problem(shown, line, f"'url' ist keine Adresse: '{url}'"))
        referrals.append(Referral(topic=str(entry.get("topic", "")).strip(),
                                  terms=tuple(tuple(words_of(t)) for t in terms if words_of(t)),
                                  where=str(entry.get("where", "")).strip(), url=url))
    if problems:
        raise ContentError(problems)
    return referrals


def find_referral(words: list[str], referrals: list[Referral]) -> tuple[Referral, tuple[str, ...]] | None:
    """The first referral whose term occurs in ``words`` (folded), with the term found."""
    for referral in referrals:
        for term in referral.terms:
            n = len(term)
            for i in range(len(words) - n + 1):
                if tuple(words[i:i + n]) == term:
                    return referral, term
    return None
