"""The German analyzer: a pipeline of small named filters, used at index and at query time.

    analyzer = GermanAnalyzer(lexicon)
    [t.text for t in analyzer("Bürgergeldantrag stellen")]

The steps, in order:

1. ``WordTokenizer``      words and numbers, hyphenated compounds split at the hyphen
2. ``LowercaseFilter``    "Bürgergeld" -> "bürgergeld"
3. ``UmlautFolding``      "bürgergeld", "buergergeld", "burgergeld" -> "burgergeld"
4. ``SynonymFilter``      query time only: "hartz 4" -> also "burgergeld"
5. ``TypoCorrector``      query time only: "jobcenetr" -> "jobcenter" (lexicon words)
6. ``Decompounder``       "burgergeldantrag" -> also "burgergeld", "antrag"
7. ``GermanStopFilter``   drops "wie", "ich", "das", ...
8. ``GermanStemFilter``   "kosten" -> "kost"

Steps that need corpus knowledge (synonyms, vocabulary) read it from a ``Lexicon`` held outside
the filters, because Whoosh pickles the analyzer into the index schema: filters pickle without
their lexicon and get it back when the index is opened (see ``faqbot.index``).

Each token carries ``origin`` ("word", "part", "synonym", "thesaurus", "typo") and ``weight`` so that the
query builder can trust an expansion less than a word the citizen typed, and ``group``, the
position of the typed word it came from, so that coverage is counted per typed word.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from rapidfuzz import fuzz
from whoosh.analysis import Composable, Filter, Token, Tokenizer
from whoosh.lang import stemmer_for_language, stopwords_for_language
from wordfreq import zipf_frequency

from . import tuning

# Weights of expanded tokens relative to a word as typed.
# A thesaurus word (OpenThesaurus, see faqbot.vocabulary) counts less than an editor's synonym.
WEIGHTS = tuning.WEIGHTS
# Expansions that name the same concept as the typed word.
EXPANSIONS = frozenset({"synonym", "thesaurus"})


def fold(text: str) -> str:
    """Lower-case and fold umlauts and ß the way citizens type them.

    >>> fold("Bürgergeld"), fold("Buergergeld"), fold("Burgergeld"), fold("Straße")
    ('burgergeld', 'burgergeld', 'burgergeld', 'strasse')
    """
    text = text.lower()
    text = text.replace("ä", "a").replace("ö", "o").replace("ü", "u").replace("ß", "ss")
    text = text.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    if text.isascii():
        return text
    # Other accents (é, à, ...) lose their marks.
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def fold_word(word: str) -> str:
    """``fold`` for single words; words of ordinary length are remembered (every token of every
    passage is folded)."""
    return _remembered_fold(word) if len(word) <= 64 else fold(word)


_remembered_fold = functools.lru_cache(maxsize=65_536)(fold)


@dataclass
class Lexicon:
    """What the analyzer knows of the corpus: its words and the synonym table.

    ``words`` are folded surface forms seen in the content; ``synonyms`` maps a folded phrase
    (a tuple of words) to the folded words it also means.
    """

    words: set[str] = field(default_factory=set)
    synonyms: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    thesaurus: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    german: frozenset[str] = frozenset()     # correctly spelled German words (no typos)

    # Splits and corrections are remembered, bounded: questions bring words without end.
    REMEMBERED = 50_000

    def __post_init__(self) -> None:
        self._speller = None
        self._split_cache = functools.lru_cache(maxsize=self.REMEMBERED)(self._split_word)
        self._typo_cache = functools.lru_cache(maxsize=self.REMEMBERED)(self._correct)
        self.max_phrase = max((len(k) for k in (*self.synonyms, *self.thesaurus)), default=1)

    def known(self, word: str) -> bool:
        return word in self.words

    def expansion(self, phrase: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
        """(origin, content words) a typed phrase also means: the editors' table first."""
        if phrase in self.synonyms:
            return "synonym", self.synonyms[phrase]
        if phrase in self.thesaurus:
            return "thesaurus", self.thesaurus[phrase]
        return None

    @property
    def speller(self):
        """A SymSpell index of the words typos are corrected to: the content's words and the
        single thesaurus words (built on first use, per lexicon)."""
        if self._speller is None:
            from symspellpy import SymSpell

            speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
            for w in sorted(self.words):
                if len(w) >= 3 and not w.isdigit():
                    speller.create_dictionary_entry(w, 2)     # the content's words first
            for phrase in sorted(self.thesaurus):
                if len(phrase) == 1 and len(phrase[0]) >= 4:
                    speller.create_dictionary_entry(phrase[0], 1)
            self._speller = speller
        return self._speller

    # Decompounding -------------------------------------------------------------------------
    LINKS = ("", "s", "es", "n", "en", "e")
    MIN_PART = 3

    def _stem_known(self, part: str) -> bool:
        if len(part) < self.MIN_PART:
            return False
        if part in self.words:
            return True
        # "miet" in "mietschulden" is "miete" without its e
        return part + "e" in self.words or part + "en" in self.words

    def split(self, word: str) -> list[str] | None:
        """Split a compound into known parts, or None when it is no compound we know.

        >>> Lexicon({"burgergeld", "antrag"}).split("burgergeldantrag")
        ['burgergeld', 'antrag']
        """
        found = self._split_cache(word)
        return list(found) if found is not None else None

    def _split_word(self, word: str) -> tuple[str, ...] | None:
        found = self._split(word, depth=0)
        return tuple(found) if found is not None else None

    def _split(self, word: str, depth: int) -> list[str] | None:
        if depth > 3 or len(word) < 2 * self.MIN_PART:
            return None
        best: list[str] | None = None
        # Prefer the longest known head, then the fewest parts.
        for i in range(len(word) - self.MIN_PART, self.MIN_PART - 1, -1):
            head, tail = word[:i], word[i:]
            head_word = None
            for link in self.LINKS:
                if link and not head.endswith(link):
                    continue
                stem = head[: len(head) - len(link)] if link else head
                if self._stem_known(stem):
                    head_word = stem if stem in self.words else head
                    break
            if head_word is None:
                continue
            if self._stem_known(tail):
                candidate = [head_word, tail]
            else:
                rest = self._split(tail, depth + 1)
                if rest is None:
                    continue
                candidate = [head_word, *rest]
            if best is None or len(candidate) < len(best):
                best = candidate
                if len(best) == 2:
                    break
        return best

    # Typo correction -----------------------------------------------------------------------
    def correct(self, word: str) -> str | None:
        """The lexicon word a typo most likely meant, or None.

        Allows one edit in words of 4-7 letters and two in longer ones.
        """
        return self._typo_cache(word)

    def _correct(self, word: str) -> str | None:
        result = None
        if len(word) >= 4 and not any(ch.isdigit() for ch in word):
            from symspellpy import Verbosity

            max_edits = 1 if len(word) <= 7 else 2
            found = self.speller.lookup(word, Verbosity.CLOSEST, max_edit_distance=max_edits)
            if found:
                # The nearest, then the higher count (a content word 2, a thesaurus word 1, a
                # word in both 3), then the most similar to what was typed, then the alphabet:
                # the same answer in every process
                # ("jobcentr" is one edit from both "jobcenter" and "jobcentre"; the set order
                # the words were added in would pick one by the process's hash seed).
                result = min(found, key=lambda s: (s.distance, -s.count, -fuzz.ratio(word, s.term),
                                                   s.term)).term
        return result


@functools.lru_cache(maxsize=65_536)
def german_zipf(word: str) -> float:
    """How common ``word`` is in German text at large (wordfreq's Zipf scale, 0 = unknown),
    also when typed without umlauts: "spaeter" is as common as "später".

    >>> german_zipf("spaeter") == german_zipf("später") > 4
    True
    """
    zipf = zipf_frequency(word, "de") if word else 0.0
    if any(pair in word for pair in ("ae", "oe", "ue")):
        spelled = word.replace("ae", "ä").replace("oe", "ö").replace("ue", "ü")
        zipf = max(zipf, zipf_frequency(spelled, "de"))
    return zipf


def is_common_german(word: str) -> bool:
    """True for words common in German text at large (wordfreq's Zipf scale >= 3)."""
    return german_zipf(word) >= COMMON_ZIPF


COMMON_ZIPF = tuning.COMMON_ZIPF


# The lexicon the filters consult, per thread (a context variable): an index build and a
# request answered from another index generation each see their own. Filters pickled into a
# Whoosh schema carry none of it.
_LEXICON: ContextVar[Lexicon] = ContextVar("faqbot_lexicon", default=Lexicon())


@contextmanager
def using_lexicon(lexicon: Lexicon) -> Iterator[Lexicon]:
    """Make ``lexicon`` the one the analysis filters consult inside the ``with`` block."""
    token = _LEXICON.set(lexicon)
    try:
        yield lexicon
    finally:
        _LEXICON.reset(token)


def current_lexicon() -> Lexicon:
    return _LEXICON.get()


def _copy(token: Token, text: str, origin: str, group: int) -> Token:
    new = token.copy()
    new.text = text
    new.origin = origin
    new.weight = WEIGHTS[origin]
    new.group = group
    return new


class WordTokenizer(Tokenizer):
    """Words and numbers; "Job-Turbo" gives "Job" and "Turbo", "§ 48a" gives "48a"."""

    expression = re.compile(r"\w+", re.UNICODE)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, mode: str = "", **kwargs) -> Iterator[Token]:
        for pos, match in enumerate(self.expression.finditer(value)):
            word = match.group(0).replace("_", "")
            if not word:
                continue
            t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
            t.text = word
            t.boost = 1.0
            t.stopped = False
            t.origin = "word"
            t.weight = 1.0
            t.group = pos
            if keeporiginal:
                t.original = word
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t


class LowercaseFilter(Filter):
    """Lower-cases each token."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = t.text.lower()
            t.typed = t.text
            yield t


class UmlautFolding(Filter):
    """Folds ä/ae, ö/oe, ü/ue to a, o, u and ß to ss, so all spellings meet.

    >>> [t.text for t in (WordTokenizer() | UmlautFolding())("Bürgergeld Buergergeld Burgergeld")]
    ['burgergeld', 'burgergeld', 'burgergeld']
    """

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = fold_word(t.text)
            yield t


class SynonymFilter(Filter):
    """At query time, adds the content's word for an old or everyday word or phrase.

    "hartz 4" also gives "burgergeld", "amt" also "jobcenter". The typed words stay. At index
    time the filter does nothing: the content's own words are what they are.
    """

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        lex = _LEXICON.get()
        buffered = []
        for t in tokens:
            if t.mode != "query" or not lex.synonyms:
                yield t
                continue
            buffered.append(t.copy())
        if not buffered:
            return
        words = [t.text for t in buffered]
        expansions: dict[int, list[str]] = {}
        i = 0
        while i < len(words):
            for n in range(min(lex.max_phrase, len(words) - i), 0, -1):
                found = lex.expansion(tuple(words[i:i + n]))
                if found is not None:
                    origin, targets = found
                    expansions.setdefault(i + n - 1, []).extend((origin, t) for t in targets)
                    for k in range(i + 1, i + n):
                        buffered[k].group = buffered[i].group
                    i += n - 1
                    break
            i += 1
        for index, t in enumerate(buffered):
            word = t.text
            expansion = [_copy(t, text, origin, t.group)
                         for origin, text in expansions.get(index, []) if text != word]
            yield t
            yield from expansion


class TypoCorrector(Filter):
    """At query time, replaces a word the corpus does not know by its nearest lexicon word.

    Words the corpus knows, compounds of known words, numbers, short words and common German
    words ("morgen" is no typo of "sorgen") stay as typed.
    """

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        lex = _LEXICON.get()
        for t in tokens:
            if (t.mode != "query" or t.origin != "word" or not lex.words
                    or lex.known(t.text) or t.text in STOP_WORDS or lex.split(t.text)
                    or (t.text,) in lex.thesaurus or t.text in lex.german
                    or is_common_german(getattr(t, "typed", t.text))):
                yield t
                continue
            corrected = lex.correct(t.text)
            if corrected is None:
                yield t
                continue
            if lex.known(corrected):
                yield _copy(t, corrected, "typo", t.group)
                continue
            # A typo of a thesaurus word leads on to the content words it means.
            found = lex.expansion((corrected,))
            if found is None:
                yield t
                continue
            origin, targets = found
            yield from (_copy(t, target, origin, t.group) for target in targets)


class Decompounder(Filter):
    """Adds the parts of a compound made of corpus words, keeping the whole word.

    "weiterbewilligungsantrag" -> "weiterbewilligungsantrag", "weiterbewilligung", "antrag"

    At index time every compound is split; at query time only words the corpus does not know
    as a whole ("bürgergeldantrag"), never synonyms the SynonymFilter added.
    """

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        lex = _LEXICON.get()
        for t in tokens:
            # Read the word before yielding: later filters change the token in place.
            text, origin, mode = t.text, t.origin, t.mode
            yield t
            if len(text) < 2 * Lexicon.MIN_PART or not lex.words:
                continue
            if mode == "query" and (origin in EXPANSIONS or lex.known(text)):
                continue
            parts = lex.split(text)
            if parts:
                for part in parts:
                    yield _copy(t, part, "part", t.group)


# German stop words from Whoosh's list, folded, plus chat filler that carries no topic.
CHAT_FILLER = """
    hallo hi hey bitte danke dank gibt gibts gib geht gehts wer wann wieviel wieviele wievel
    welche welcher welches welchen ne nen mal eigentlich genau ok okay ja nein frage fragen
    moechte mochte mocht wuerde wurde wurd brauche kriege krieg kriegt bekomme bekommt
    kann konnen koennen darf durfen muss mussen man leute jemand etwas was wo wie warum weshalb
    konnte konnten durfte durften musste mussten sollte sollten wollte wollten
    hab habe hast hat haben bin bist ist sind war sein mein meine meiner meinem meinen dass
    gerade schon jetzt immer noch nur sehr viel viele mehr weniger gut
    trotzdem eigentlich halt echt wirklich gar nix nichts grad irgendwie uberhaupt eh
    weiss weis wissen sagen sagt gesagt stimmt normal oder bzw usw etc einfach richtig
    leider total ganz bisschen ziemlich hallo guten tag morgen abend hilfe helfen
""".split()
STOP_WORDS = frozenset(fold(w) for w in stopwords_for_language("de")) | frozenset(CHAT_FILLER)


class GermanStopFilter(Filter):
    """Drops German function words and chat filler ("wie", "ich", "bitte", ...)."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            if t.text not in STOP_WORDS and t.text:
                yield t


class GermanStemFilter(Filter):
    """Reduces a word to its Snowball stem: "kosten" -> "kost", "kindern" -> "kind"."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = german_stem(t.text)
            yield t


def german_stem(word: str) -> str:
    """Snowball's German stem of a folded word (numbers stay as they are). Words of ordinary
    length are remembered, since the same words come back in every passage: that saves a fifth
    of a large build."""
    return _remembered_stem(word) if len(word) <= REMEMBERED_LENGTH else _stem(word)


def _stem(word: str) -> str:
    return word if word.isdigit() else _snowball_de()(word)


# Bounded (also against questions made of many long made-up words): at most ~20 MB each.
REMEMBERED_WORDS = 65_536
REMEMBERED_LENGTH = 64
_remembered_stem = functools.lru_cache(maxsize=REMEMBERED_WORDS)(_stem)


@functools.lru_cache(maxsize=1)
def _snowball_de():
    return stemmer_for_language("de")


def GermanAnalyzer() -> Composable:
    """The whole pipeline, the same object for index and query time (filters check the mode)."""
    return (WordTokenizer() | LowercaseFilter() | UmlautFolding() | SynonymFilter()
            | TypoCorrector() | Decompounder() | GermanStopFilter() | GermanStemFilter())


def analyse(text: str, lexicon: Lexicon, mode: str = "query") -> list[Token]:
    """Run the pipeline over ``text`` with ``lexicon`` and return copies of its tokens."""
    with using_lexicon(lexicon):
        return [t.copy() for t in GermanAnalyzer()(text, mode=mode)]


def words_of(text: str) -> list[str]:
    """Folded surface words of ``text``, for building the lexicon."""
    return [m.group(0) for m in WordTokenizer.expression.finditer(fold(text))]
