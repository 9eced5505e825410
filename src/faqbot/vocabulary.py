"""Citizens' words from resources made for German, compiled into the lexicon at reindex.

- **OpenThesaurus** (Debian ``openthesaurus-de-text``): sets of words with the same meaning
  ("Stütze; Sozialhilfe; (soziale) Grundsicherung"). Where a set holds a word the content is
  about (a word of a title, alternate question or tag), its other words lead to that word at
  query time, weighted below the editors' own synonyms.
- **A German word list** (Debian ``wngerman``): a word spelled correctly is no typo, so typo
  correction leaves it alone.

Both are optional at run time: without the files the lexicon holds the editors' synonyms only
(``./run`` installs them; ``faqbot reindex`` says when they are missing).
"""
from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

from wordfreq import zipf_frequency

from . import tuning
from .analysis import STOP_WORDS, fold, words_of

log = logging.getLogger("faqbot")

THESAURUS_FILE = Path("/usr/share/openthesaurus-de/openthesaurus.txt")
WORD_LIST_FILE = Path("/usr/share/dict/ngerman")

# Set size, targets per word, phrase length (faqbot.tuning).
MAX_SET = tuning.THESAURUS_MAX_SET
MAX_TARGETS = tuning.THESAURUS_MAX_TARGETS
MAX_PHRASE = tuning.THESAURUS_MAX_PHRASE

_ANNOTATION = re.compile(r"\([^)]*\)")


def thesaurus_path() -> Path | None:
    return THESAURUS_FILE if THESAURUS_FILE.is_file() else None


def word_list_path() -> Path | None:
    return WORD_LIST_FILE if WORD_LIST_FILE.is_file() else None


def read_thesaurus(path: Path) -> list[list[tuple[str, ...]]]:
    """The thesaurus's sets, each a list of folded phrases (annotations such as "(ugs.)" and
    bracketed optional words dropped)."""
    sets = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            phrases = []
            for term in line.rstrip("\n").split(";"):
                words = tuple(words_of(_ANNOTATION.sub(" ", term)))
                if words and len(words) <= MAX_PHRASE and words not in phrases:
                    phrases.append(words)
            if 2 <= len(phrases) <= MAX_SET:
                sets.append(phrases)
    return sets


def thesaurus_synonyms(sets: list[list[tuple[str, ...]]], about: set[str], known: set[str],
                       editors: dict[tuple[str, ...], tuple[str, ...]]) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Thesaurus phrase -> content words, for sets that hold a word the content is about.

    ``about``: folded words of titles, alternate questions and tags; ``known``: every folded
    word of the content (a word the content uses itself needs no mapping); ``editors``: the
    editors' table, which wins where both know a phrase.

    >>> sets = [[("stutze",), ("sozialhilfe",), ("grundsicherung",)], [("kohle",), ("geld",)]]
    >>> thesaurus_synonyms(sets, about={"grundsicherung"}, known={"grundsicherung"}, editors={})
    {('sozialhilfe',): ('grundsicherung',), ('stutze',): ('grundsicherung',)}
    """
    table: dict[tuple[str, ...], list[str]] = {}
    for phrases in sets:
        targets = [p[0] for p in phrases if len(p) == 1 and p[0] in about
                   and p[0] not in STOP_WORDS and _telling(p[0])]
        if not targets:
            continue
        for phrase in phrases:
            if phrase in editors or any(w in STOP_WORDS for w in phrase):
                continue
            if len(phrase) == 1 and (phrase[0] in known or len(phrase[0]) < 4
                                     or not _in_use(phrase[0])):
                continue
            merged = table.setdefault(phrase, [])
            for target in targets:
                if target not in phrase and target not in merged and len(merged) < MAX_TARGETS:
                    merged.append(target)
    return {k: tuple(v) for k, v in sorted(table.items()) if v}


# A content word a thesaurus set may lead to must tell what a question is about; a thesaurus
# word people type must be in use at all (faqbot.tuning).
TELLING_ZIPF = tuning.TELLING_ZIPF
IN_USE_ZIPF = tuning.IN_USE_ZIPF


def _telling(word: str) -> bool:
    return zipf_frequency(word, "de") < TELLING_ZIPF


def _in_use(word: str) -> bool:
    return zipf_frequency(word, "de") >= IN_USE_ZIPF


@functools.lru_cache(maxsize=2)
def _word_list(path: str, mtime: float) -> frozenset[str]:
    with open(path, encoding="utf-8", errors="replace") as f:
        return frozenset(fold(line.strip()) for line in f if line.strip())


def german_words() -> frozenset[str]:
    """The folded words of the German word list ({} without the file), read once."""
    path = word_list_path()
    if path is None:
        return frozenset()
    return _word_list(str(path), path.stat().st_mtime)


def compile_thesaurus(about: set[str], known: set[str],
                      editors: dict[tuple[str, ...], tuple[str, ...]]) -> dict[tuple[str, ...], tuple[str, ...]]:
    """The thesaurus part of a new index's lexicon ({} when the thesaurus is not installed)."""
    path = thesaurus_path()
    if path is None:
        log.warning("OpenThesaurus is not installed (Debian: openthesaurus-de-text): the index "
                    "knows the editors' synonyms only. ./run installs it.")
        return {}
    folded_about = {fold(w) for w in about}
    return thesaurus_synonyms(read_thesaurus(path), folded_about, known, editors)
