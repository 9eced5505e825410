"""From a citizen's question to an answer, top to bottom:

    normalise -> (follow-up?) -> analyse -> search -> rank -> decide

``answer_question(engine, question, history)`` returns an ``Answer``: up to five ranked
passages, verbatim, with a confidence, or ``answered=False`` with suggestions.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Callable

from rapidfuzz import fuzz
from .analysis import STOP_WORDS, WEIGHTS, analyse, fold, german_zipf, words_of
from .decline import Signals, load_model
from .fuzzy import QUESTION_WORDS, fuzzy_key
from .periods import TimeReference, time_reference
from .ranking import RANKING_FEATURES, asked_part, feature_vector, load_ranker, sentence_cover
from .tuning import (BODY_CREDIT, CONTEXT_WEIGHT, DEFINITION_MATCH, EXPANSION_CREDIT, FOLLOW_UP_WEIGHT,
                     LEARNED_CANDIDATES, LEARNED_MINIMUM, MAX_ANSWERS, MAX_SUGGESTIONS,
                     REFERRAL_WORDS, RELATIVE_CUTOFF, SUGGESTION_CUTOFF, TELLING_WORD, UPCOMING_DAYS,
                     WORDING_CANDIDATES)
from .redact import introducing_words, redact, strip_placeholders
from .referrals import Referral, find_referral
from .scope import load_scope, scope_stems
from .search import ABOUT_FIELDS, Candidate, QueryTerm, SearchEngine, Snapshot
from .wording import Reading, Scores, plain_words

MAX_QUESTION_CHARS = 500
# Candidates the search hands to the ranking model (best BM25F first), besides fuzzy matches.
CANDIDATES = 40

# "X Definition", "was bedeutet X", "X einfach erklärt", "was heißt X auf meinem Bescheid",
# "was versteht man unter X", "was ist ein X": asking what a term means. The glossary term X
# is then marked for the ranking model ("definition"), which puts it first.
DEFINITION = re.compile(
    r"^(?:was\s+(?:bedeutet|bedeuten|heißt|heisst|hei[sß]t|meint|ist\s+(?:ein|eine|einen)|sind|"
    r"versteht\s+man\s+unter|genau\s+ist)\s+(?:eigentlich\s+|genau\s+)?(?:(?:der|die|das|ein|eine|den|dem)\s+)?"
    r"(?P<a>.+?)(?:\s+(?:auf|im|in)\s+(?:meinem|dem|einem)\s+\w+)?"
    r"|(?P<b>.+?)\s+(?:definition|bedeutung|erklärung|erklaerung|einfach\s+erklärt|"
    r"einfach\s+erklaert|erklärt|erklaert|begriff|definiert|was\s+(?:ist|heißt|heisst|bedeutet)\s+das))\W*$", re.IGNORECASE)

# A meaning asked in one clause of a longer question: "was bedeutet Schonvermögen", "was
# versteht man unter einer Einstandsgemeinschaft", "(erklär mir,) was ein Mehrbedarf ist",
# "was heißt Leistungsminderung auf meinem Bescheid", "Meldeversäumnis einfach erklärt". A
# dependent clause needs its article ("was ein Mehrbedarf ist", not "was erlaubt ist").
MEANING_CLAUSE = re.compile(
    r"^(?:was (?:bedeutet|bedeuten|heißt|heisst|ist (?:ein|eine|einen)|versteht man unter) "
    r"(?:eigentlich |genau )?(?:(?:der|die|das|ein|eine|einen|einer|den|dem) )?(?P<a>\S.*?)"
    r"|was (?:ein|eine|einen|der|die|das|den|dem) (?P<c>\S.*?) (?:ist|sind|bedeutet|heißt|heisst)"
    r"|(?P<b>\S.*?) (?:definition|bedeutung|einfach erklärt|einfach erklaert))"
    r"(?: (?:auf|im|in) (?:meinem|dem|einem) \w+)?\W*$", re.IGNORECASE)
# Where a question's clauses part: "Was ist ein Bescheid rechtlich gesehen, und wie lange ...".
CLAUSE_BREAK = re.compile(r"[,;:.!?]+\s*|\s+-\s+")

# Questions to the assistant itself ("bist du ein Mensch?") get the friendly decline.
SMALL_TALK = re.compile(
    r"^\W*(?:(?:hallo|hi|hey|moin|servus)\W+)?(?:wer|was|wie)?\s*(?:bist|heißt|heisst|kannst|machst|"
    r"hast|magst|geht(?:'?s| es)?)\s+(?:du|dir)\b", re.IGNORECASE)

# Group numbers of the earlier question's words start here.
EARLIER_GROUPS = 1000

# A follow-up like "und für Kinder?" starts with one of these, or is very short.
FOLLOW_UP_START = re.compile(
    r"^(und|aber|auch|oder|was ist mit|wie ist es mit|gilt das|und wenn|wenn|wie lange|"
    r"wie oft|wann|wo|wieviel|wie viel|ab wann|bis wann|für|fuer|bei)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Version:
    """Another version of a hit's passage, shown after it: the one coming into force soon,
    or today's when the question asked about the past."""

    key: str
    title: str
    passage: str
    stand: str
    source: str
    valid_from: str | None
    valid_until: str | None
    easy: str = ""


@dataclass(frozen=True)
class Hit:
    """One ranked passage of an answer (the version that applies on the answer's day)."""

    id: str
    item_id: str
    kind: str
    title: str
    item_title: str
    passage: str
    anchor: str
    source: str
    stand: str
    score: float
    coverage: float
    bm25: float
    fuzzy: float
    matched: tuple[str, ...] = ()
    field_scores: dict = field(default_factory=dict, compare=False)
    matched_fields: dict = field(default_factory=dict, compare=False)   # term -> fields
    key: str = ""                       # the version's own key ("faq/vermoegen@2026-07-01")
    valid_from: str | None = None       # ISO dates; None: open-ended
    valid_until: str | None = None
    easy: str = ""                      # the item's text in easy language, if it has one
    other: Version | None = None        # upcoming version, or today's for a question on the past
    features: tuple = field(default=(), compare=False)   # the ranking model's input (faqbot.ranking)


@dataclass(frozen=True)
class Suggestion:
    id: str
    title: str


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    confidence: float
    hits: tuple[Hit, ...]
    suggestions: tuple[Suggestion, ...] = ()
    searched: str = ""                     # the text actually searched (after follow-up merge)
    terms: tuple[QueryTerm, ...] = ()      # the analysed query, for staff
    reason: str = ""                       # why it was declined, for staff
    threshold: float = 0.5                 # the decline model's threshold (faqbot.decline)
    referral: Referral | None = None       # who answers a question outside the content
    signals: Signals | None = None         # what the decline model saw, for staff
    redacted: str = ""                     # the question without personal data: store and show this
    follow_up: bool = False                # merged with the previous question of the chat
    context: bool = False                  # read with the previous question as context (follow-ups too)
    today: dt.date | None = None           # the day the question was asked
    as_of: dt.date | None = None           # the day whose rules answer it (earlier if it asks so)
    time: TimeReference = TimeReference()  # the time the question named, for staff
    reading: Reading | None = None         # what the wording model reads of it (faqbot.wording), for staff and its fit; None for small talk


class QuestionError(ValueError):
    """The question cannot be asked (empty or too long); the message says why, in German."""


def normalise(question: str) -> str:
    """Unicode NFC, no control characters, single spaces. Raises ``QuestionError``."""
    if not isinstance(question, str):
        raise QuestionError("Die Frage muss ein Text sein.")
    text = unicodedata.normalize("NFKC", question)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("Bitte geben Sie eine Frage ein.")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"Die Frage ist zu lang (höchstens {MAX_QUESTION_CHARS} Zeichen).")
    return text


def query_terms(text: str, snapshot: Snapshot, weight: float = 1.0,
                group_offset: int = 0, personal: set[str] | None = None) -> list[QueryTerm]:
    """Analyse ``text`` into weighted query terms (folding, synonyms, typos, compounds, stems).

    The question is searched as asked. Only words that redaction takes for personal data and
    that the content never uses are left out ("Tanja" goes, "Mutter" stays)."""
    if personal is None:
        personal = personal_words(text, snapshot)
    tokens = analyse(strip_placeholders(text), snapshot.lexicon, mode="query")
    return [QueryTerm(text=t.text, weight=round(t.weight * weight, 3),
                      group=t.group + group_offset, origin=t.origin,
                      typed=getattr(t, "typed", t.text)) for t in tokens
            if fold(getattr(t, "typed", t.text)) not in personal]


def personal_words(text: str, snapshot: Snapshot, redacted: str | None = None) -> set[str]:
    """Folded words of ``text`` that redaction removes (``redacted``: its redaction, when
    already made) and the content does not know, and the words that only label a piece of
    personal data ("BG-Nr. 12345BG0012345": "bg" names a topic elsewhere, not here)."""
    redacted = redact(text) if redacted is None else redacted
    removed = set(words_of(text)) - set(words_of(redacted))
    return {w for w in removed if not snapshot.lexicon.known(w)} | introducing_words(redacted)


def _history_entry(text: object) -> str:
    """An earlier question of the chat, normalised; "" for anything unusable."""
    try:
        return normalise(text) if isinstance(text, str) else ""
    except QuestionError:
        return ""


# Words pointing back to what was said before ("zahlen die dann trotzdem meine Miete?").
POINTING_BACK = re.compile(r"\b(dann|dafür|dafuer|davon|dabei|dadurch|trotzdem|dort|darauf)\b",
                           re.IGNORECASE)


# A question that goes on from an earlier one ("und im ersten Jahr?", "aber danach?") starts
# with a conjunction.
CONTINUING = re.compile(r"^\W*(und|aber|oder|auch)\b", re.IGNORECASE)
CONTINUES_MISSING = "Die Frage knüpft an eine frühere Frage an, die fehlt."
NOTHING_FOUND = "Kein Eintrag enthält einen der Suchbegriffe."


def continues_missing_question(question: str, terms: list[QueryTerm]) -> bool:
    """A short question that only goes on from an earlier one, asked without any: it starts
    with a conjunction and names no topic of its own, none of its words being telling ("und
    im ersten Jahr?" as the first question of a chat; not "Und wie beantrage ich
    Bürgergeld?")."""
    groups = {t.group for t in terms}
    typed = [t for t in terms if t.origin == "word"]
    return (bool(CONTINUING.match(question)) and len(groups) <= 3
            and all(generality(t.typed) < TELLING_WORD for t in typed))


def question_words(terms: list[QueryTerm]) -> tuple[tuple, tuple]:
    """The stems of the typed words (``faqbot.scope.scope_stems``), and of the earlier
    question's in a follow-up: what the scope model and the passage classifier read."""
    return (scope_stems(t for t in terms if t.group < EARLIER_GROUPS),
            scope_stems(t for t in terms if t.group >= EARLIER_GROUPS))


def is_follow_up(question: str, terms: list[QueryTerm]) -> bool:
    """A short question that starts like a follow-up, points back to what was said before, or
    has only one telling word."""
    groups = {t.group for t in terms}
    return ((bool(FOLLOW_UP_START.match(question)) or bool(POINTING_BACK.search(question)))
            and len(groups) <= 3 or len(groups) <= 1)


def word_groups(terms: list[QueryTerm]) -> dict[int, list[QueryTerm]]:
    """The terms per typed word (its ``group``): the word as analysed and its expansions."""
    groups: dict[int, list[QueryTerm]] = {}
    for t in terms:
        groups.setdefault(t.group, []).append(t)
    return groups


def as_typed(members: list[QueryTerm]) -> list[QueryTerm]:
    """The terms of one group that are the word as typed (all of them if it only has
    expansions)."""
    return [m for m in members if m.origin == "word"] or members


def new_topic(terms: list[QueryTerm], snapshot: Snapshot) -> bool:
    """Whether a question names a topic the content knows nothing of: one of its words is
    telling (``TELLING_WORD``) and no passage contains it or any of its expansions. Such a
    question is not merged with the earlier one as a follow-up, however short ("Wann öffnet
    das Freibad?" after a question about the application); it is still read in its light."""
    groups = word_groups(terms)
    for members in groups.values():
        typed = as_typed(members)
        if (generality(typed[0].typed) >= TELLING_WORD
                and not any(snapshot.doc_frequency(m.text) for m in members)):
            return True
    return False


def own_words_unknown(terms: list[QueryTerm], snapshot: Snapshot) -> bool:
    """Whether a question read in an earlier one's light has words of its own and no passage
    contains any of them: then only the earlier question's words could carry an answer, and
    the question is declined as it would be alone ("und wo ist der Zoo?" after a question on
    the application). False outside a chat or when the earlier question gave no terms."""
    own, earlier = in_context(terms)
    return bool(earlier) and not any(snapshot.doc_frequency(t.text) for t in own)


def generality(word: str) -> float:
    """How much a typed word can tell about the topic: rare words in German at large tell more.

    "morgen" or "moment" (very common) count about half as much as "bürgergeld" or "elterngeld".
    """
    if word.isdigit():
        return 0.3
    zipf = german_zipf(word)
    return min(1.2, max(0.3, (7.0 - zipf) / 3.5))


def in_context(terms: list[QueryTerm]) -> tuple[list[QueryTerm], list[QueryTerm]]:
    """The question's own terms and the chat's earlier question's (``EARLIER_GROUPS`` on); a
    question with no words of its own is the earlier one asked again: all its terms, none
    earlier."""
    earlier = [t for t in terms if t.group >= EARLIER_GROUPS]
    if not earlier or len(earlier) == len(terms):
        return terms, []
    return [t for t in terms if t.group < EARLIER_GROUPS], earlier


def coverage_of(terms: list[QueryTerm], snapshot: Snapshot, body_credit: float = BODY_CREDIT,
                earlier_weight: float = 0.0) -> Callable[[dict[str, set[str]]], float]:
    """How much of the question a passage covers: a function of the passage's matched terms
    (term -> fields), prepared once per question for all its candidates.

    Coverage is the importance-weighted share of the typed words (groups) a passage matches.
    A typed word counts fully when it matches itself in the passage's title, questions or tags,
    less in the body only, less when only a synonym or typo correction matches, and by the
    matched share of its parts when it is a compound. A word's importance is its rarity in
    the corpus (idf) times its rarity in German at large. With the chat's earlier question
    (its terms from ``EARLIER_GROUPS`` on), its coverage counts ``earlier_weight`` (the weight
    its terms were added with: a caller that forgets it gets no context at all).
    """
    now, earlier = in_context(terms)
    if earlier:
        # A follow-up: the new words decide, the earlier question gives the context.
        now_part = coverage_of(now, snapshot, body_credit)
        earlier_part = coverage_of(earlier, snapshot, body_credit)
        return lambda matched: ((1 - earlier_weight) * now_part(matched)
                                + earlier_weight * earlier_part(matched))
    groups = word_groups(terms)
    prepared = []
    total = 0.0
    for members in groups.values():
        typed = as_typed(members)
        scale = max(m.weight for m in typed)
        importance = max(snapshot.idf(m.text) for m in typed) * scale * generality(typed[0].typed)
        total += importance
        parts = [m for m in members if m.origin == "part"]
        weights = {p.text: snapshot.idf(p.text) for p in parts}
        prepared.append((importance, scale, [m for m in members if m.origin != "part"], parts,
                         weights, sum(weights.values())))

    def of(matched: dict[str, set[str]]) -> float:
        if not total:
            return 0.0
        got = 0.0
        for importance, scale, whole, parts, weights, weight_sum in prepared:
            best = max((_credit(m, matched, body_credit) for m in whole), default=0.0)
            if parts:
                share = sum(weights[p.text] * _credit(p, matched, body_credit) / p.weight
                            for p in parts) / weight_sum
                best = max(best, share * 0.9 * scale)
            got += importance * min(best / scale, 1.0)
        return got / total
    return of


def _credit(term: QueryTerm, matched: dict[str, set[str]], body_credit: float = BODY_CREDIT) -> float:
    """What matching ``term`` is worth (before the word's importance)."""
    fields = matched.get(term.text)
    if not fields:
        return 0.0
    # A synonym names the same concept: nearly full credit (the search ranks it lower).
    weight = (term.weight / WEIGHTS[term.origin] * EXPANSION_CREDIT[term.origin]
              if term.origin in EXPANSION_CREDIT else term.weight)
    return weight * (1.0 if fields & ABOUT_FIELDS else body_credit)


def is_established(word: str) -> bool:
    """A word German text uses on its own (wordfreq Zipf >= 2.5), not an ad-hoc compound."""
    return german_zipf(word) >= 2.5


def domain_share(terms: list[QueryTerm], snapshot: Snapshot) -> float:
    """Share of the typed words (weighted by how telling they are) that belong to the domain's
    vocabulary: the stems of all titles, alternate questions and tags, or their synonyms."""
    groups = word_groups(terms)
    total = inside = 0.0
    for members in groups.values():
        typed = as_typed(members)
        weight = generality(typed[0].typed) * max(m.weight for m in typed)
        total += weight
        if any(m.text in snapshot.about_terms for m in members if m.origin != "part"):
            inside += weight
        elif not is_established(typed[0].typed):
            # An ad-hoc compound ("bürgergeldantrag") is about what its parts are about; an
            # established word the content never uses ("elterngeld") is a topic of its own.
            parts = [m for m in members if m.origin == "part"]
            if parts and all(p.text in snapshot.about_terms for p in parts):
                inside += weight * 0.9
    return inside / total if total else 0.0


def fuzzy_scores(text: str, snapshot: Snapshot, day: dt.date) -> dict[str, float]:
    """Best rapidfuzz similarity (0..1) of the question to each item's title or questions
    (of the versions that apply on ``day``)."""
    titles = snapshot.titles
    scores: dict[str, float] = {}
    for index, score in titles.sort_ratio(fuzzy_key(text), limit=30, cutoff=50):
        key = titles.ids[index]
        if snapshot.applies(key, day):
            scores[key] = max(scores.get(key, 0.0), score / 100)
    return scores


def suggestions_for(text: str, snapshot: Snapshot, day: dt.date,
                    ranked: list[Hit] | tuple[Hit, ...] = (),
                    exclude: set[str] = frozenset()) -> tuple[Suggestion, ...]:
    """What to offer for a declined question: the FAQ items the search ranked best, then
    the FAQ titles closest to ``text``, else the most asked-for topics."""
    found: list[Suggestion] = []

    def offer(pid: str) -> None:
        rec = snapshot.record_at(pid, day)
        if (rec is not None and rec["kind"] == "faq" and pid not in exclude
                and all(s.id != pid for s in found) and len(found) < MAX_SUGGESTIONS):
            found.append(Suggestion(pid, rec["title"]))

    for hit in ranked[:MAX_SUGGESTIONS]:
        offer(hit.item_id)
    key = " ".join(w for w in fuzzy_key(text).split() if w not in QUESTION_WORDS)
    faq = snapshot.faq_titles
    if len(found) < MAX_SUGGESTIONS and key:
        for index, _ in faq.set_ratio(key, limit=20, cutoff=SUGGESTION_CUTOFF):
            offer(snapshot.records[faq.ids[index]]["id"])
    if not found:
        # Nothing close: the most asked-for topics (content/featured.yaml).
        for pid in snapshot.featured.popular:
            offer(pid)
    return tuple(found)


def rank(terms: list[QueryTerm], text: str, snapshot: Snapshot, day: dt.date, reading: Reading,
         term: str = "") -> list[Hit]:
    """Candidates of the versions that apply on ``day``, best first, ordered by the ranking
    model (``faqbot.ranking``); with ``term`` (the question asks what it means), the glossary
    entry for it is marked as the definition asked for. The wording model and the classifier
    read ``reading`` (``reading_of``: without personal data and numbers, in a chat with the
    earlier question); the chat's earlier question, when ``terms`` has it, counts the reading's
    ``earlier_weight``."""
    earlier_weight = reading.earlier_weight
    candidates: dict[str, Candidate] = {c.id: c for c in snapshot.search(terms, limit=CANDIDATES, day=day)}
    fuzzy = fuzzy_scores(text, snapshot, day)
    for key in fuzzy:
        if key not in candidates:
            candidates[key] = Candidate(id=key, record=snapshot.records[key], bm25=0.0)
    # What questions worded like this one were about (faqbot.classifier): its likeliest
    # passages are candidates too, even when they share no word with it.
    # (The classifier reads the stems the wording model does: ``reading_of``.)
    learned = snapshot.classifier().posteriors(reading.stems, reading.earlier_stems, earlier_weight=earlier_weight)
    for pid, probability in learned.top(LEARNED_CANDIDATES):
        key = snapshot.version_at(pid, day)
        if key is not None and key not in candidates and probability >= LEARNED_MINIMUM:
            candidates[key] = Candidate(id=key, record=snapshot.records[key], bm25=0.0)
    # The same from the letters of the words (faqbot.wording): "wiviel", "Sicherheitsschuhe".
    wording = wording_scores(snapshot, reading)
    for pid, _ in wording.top(WORDING_CANDIDATES):
        key = snapshot.version_at(pid, day)
        if key is not None and key not in candidates:
            candidates[key] = Candidate(id=key, record=snapshot.records[key], bm25=0.0)
    if not candidates:
        return []
    top_bm25 = max(c.bm25 for c in candidates.values()) or 1.0
    first = max(candidates.values(), key=lambda c: c.bm25).id
    coverage = coverage_of(terms, snapshot, earlier_weight=earlier_weight)
    about_coverage = coverage_of(terms, snapshot, body_credit=0.0, earlier_weight=earlier_weight)
    _, earlier_terms = in_context(terms)
    earlier_coverage = coverage_of(earlier_terms, snapshot) if earlier_terms and earlier_weight else None
    asked = asked_part(text)
    # (Names in it match no passage: no need to find them again.)
    asked_coverage = (coverage if asked == text else
                      coverage_of(query_terms(asked, snapshot, personal=set()), snapshot))
    query = {t.text for t in terms}
    key = " ".join(w for w in fuzzy_key(text).split() if w not in QUESTION_WORDS)
    # A passage added after the wording model was fitted has no support of its own: it gets
    # the median candidate's, neither pushed down nor up until the next fit.
    known = sorted(s for s in (wording.support(c.record["id"]) for c in candidates.values()) if s is not None)
    unknown_wording = known[len(known) // 2] if known else 0.0
    groups = len({t.group for t in terms if t.group < EARLIER_GROUPS})
    ranker = load_ranker()
    hits = []
    for c in candidates.values():
        r = c.record
        cov = coverage(c.matched)
        fz = fuzzy.get(c.id, 0.0)
        values = {"coverage": cov, "about": about_coverage(c.matched), "asked": asked_coverage(c.matched), "bm25": c.bm25 / top_bm25,
                  "fuzzy": fz,
                  "sentence": sentence_cover(query, snapshot.sentences(c.id)),
                  "set_ratio": max((fuzz.token_set_ratio(key, s) for s in snapshot.sentence_keys(c.id)),
                                   default=0.0) / 100 if key else 0.0,
                  "glossary": float(r["kind"] == "glossary"),
                  "interview": float(r["kind"] == "interview"),
                  "definition": float(bool(term) and r["kind"] == "glossary" and
                                      fuzz.token_set_ratio(fold(r["title"]), term) >= DEFINITION_MATCH),
                  "first": float(c.id == first),
                  "learned": learned.get(r["id"], 0.0),
                  "wording": _or(wording.support(r["id"]), unknown_wording),
                  "earlier": earlier_weight * earlier_coverage(c.matched) if earlier_coverage else 0.0}
        for name, value in c.field_scores.items():
            values[name] = value / top_bm25
        vector = feature_vector(values, groups)
        score = ranker.score(vector)
        hits.append(Hit(id=r["id"], item_id=r["item_id"], kind=r["kind"], title=r["title"],
                        item_title=r["item_title"], passage=r["text"], anchor=r["anchor"],
                        source=r["source"], stand=r["stand"], score=round(score, 4),
                        coverage=round(cov, 4), bm25=round(c.bm25, 4), fuzzy=round(fz, 4),
                        matched=tuple(sorted(c.matched)), field_scores=c.field_scores,
                        matched_fields=c.matched, key=c.id, valid_from=r["valid_from"],
                        valid_until=r["valid_until"], easy=r.get("easy", ""), features=vector))
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def reading_of(terms: list[QueryTerm], words: list[str], earlier_words: list[str] = (),
               earlier_weight: float = 0.0) -> Reading:
    """What the wording model reads of a question: its plain words (``faqbot.wording
    .plain_words``) and the stems of its terms, and the earlier question's at
    ``earlier_weight`` when ``terms`` has it."""
    typed, earlier = question_words(terms)
    return Reading(words=tuple(words), stems=typed, earlier_words=tuple(earlier_words) if earlier_weight else (),
                   earlier_stems=earlier if earlier_weight else (), earlier_weight=earlier_weight)


def wording_scores(snapshot: Snapshot, reading: Reading) -> Scores:
    """The wording model's score of every passage it knows for a question; empty without a
    model."""
    model = snapshot.wording()
    if model is None:
        return Scores((), {}, None)
    return model.scores(reading)


def defined_term(text: str) -> str:
    """The term a question asks the meaning of ("Bürgergeld Definition" -> "burgergeld"), or ""."""
    match = DEFINITION.match(text.strip())
    return _term_of(match["a"] or match["b"] or "") if match else ""


def term_in_clause(text: str) -> str:
    """The term one clause of a longer question asks the meaning of, or "": "Was versteht man
    unter einer Einstandsgemeinschaft, das Amt sagt das über mich und meinen Mitbewohner?"
    asks for the term as much as "Einstandsgemeinschaft Definition" does, but the rest of the
    question still says what the asker needs, so all of it is searched."""
    for clause in CLAUSE_BREAK.split(text):
        match = MEANING_CLAUSE.match(" ".join(clause.split()))     # single spaces: no backtracking
        term = _term_of(next((g for g in match.groups() if g), "")) if match else ""
        # A term cannot start with a stop word: "was bedeutet das für mein Bürgergeld", "was
        # das auf Deutsch heißt" name no term but the rest of a sentence.
        if term and term.split()[0] not in STOP_WORDS:
            return term
    return ""


def _term_of(found: str) -> str:
    term = fold(found).strip()
    words = term.split()
    return term if 0 < len(words) <= 4 and any(w not in STOP_WORDS for w in words) else ""


def version_of(snapshot: Snapshot, key: str) -> Version:
    r = snapshot.records[key]
    return Version(key=key, title=r["title"], passage=r["text"], stand=r["stand"],
                   source=r["source"], valid_from=r["valid_from"], valid_until=r["valid_until"],
                   easy=r.get("easy", ""))


def with_other_version(hit: Hit, snapshot: Snapshot, today: dt.date, as_of: dt.date,
                       time: TimeReference) -> Hit:
    """The hit with the version to show after it, if any: for a question about the past,
    the version in force today; otherwise one that starts within ``UPCOMING_DAYS`` or by
    the future day the question names."""
    if as_of < today:
        key = snapshot.version_at(hit.id, today)
        return replace(hit, other=version_of(snapshot, key)) if key and key != hit.key else hit
    key = snapshot.next_version(hit.key)
    if key is None:
        return hit
    start = dt.date.fromisoformat(snapshot.records[key]["valid_from"])
    if (start - today).days < UPCOMING_DAYS or (time.future is not None and time.future >= start):
        return replace(hit, other=version_of(snapshot, key))
    return hit


LEARNED_AT = RANKING_FEATURES.index("learned")
WORDING_AT = RANKING_FEATURES.index("wording")


def signals_of(hits: list[Hit], terms: list[QueryTerm], snapshot: Snapshot, reading: Reading,
               follow_up: bool = False) -> Signals:
    """The decline model's view of the best candidate (see ``faqbot.decline``)."""
    best = hits[0]
    wording = best.features[WORDING_AT] if best.features else 0.0
    second = max((h.bm25 for h in hits[1:]), default=0.0)
    margin = (best.bm25 - second) / best.bm25 if best.bm25 > 0 else 0.0
    groups = {g: members for g, members in word_groups(terms).items() if g < EARLIER_GROUPS}
    total = unknown = strength = specific = 0.0
    top_weight, top_matched = -1.0, 0.0
    for members in groups.values():
        typed = as_typed(members)
        weight = generality(typed[0].typed)
        total += weight
        strength = max(strength, weight)
        if not any(snapshot.doc_frequency(m.text) for m in members):
            unknown += weight
        specific += weight * specificity(typed[0].typed, members, snapshot)
        telling = weight * max(snapshot.idf(m.text) for m in typed)
        if telling > top_weight:
            top_weight = telling
            top_matched = float(any(m.text in best.matched_fields for m in members))
    matched = {term: snapshot.idf(term) for term in best.matched_fields}
    typed, _ = question_words(terms)
    about = (sum(v for term, v in matched.items() if best.matched_fields[term] & ABOUT_FIELDS)
             / sum(matched.values())) if matched and sum(matched.values()) else 0.0
    # A question read in the light of an earlier one (not merged with it) is judged by what it
    # asks: how much of its own words the passage covers.
    coverage = best.coverage
    if reading.earlier_weight and not follow_up:
        coverage = coverage_of(in_context(terms)[0], snapshot)(best.matched_fields)
    return Signals(coverage=coverage, fuzzy=best.fuzzy, domain=domain_share(terms, snapshot),
                   margin=max(0.0, min(1.0, margin)), words=math.log1p(len(groups)),
                   unknown=unknown / total if total else 0.0, about=about, score=best.score,
                   top=top_matched, strength=strength, follow_up=float(follow_up),
                   scope=load_scope().score(typed),
                   known=snapshot.classifier().known_share(typed),
                   specific=specific / total if total else 0.0,
                   learned=best.features[LEARNED_AT] if best.features else 0.0,
                   wording=wording, own=own_support(best, snapshot, reading, wording),
                   lead=best.score - (hits[1].score if len(hits) > 1 else 0.0))


def own_support(best: Hit, snapshot: Snapshot, reading: Reading, wording: float) -> float:
    """The wording model's support for the best passage from the question's own words: in a
    chat, whether what was just asked is about the passage, or only the earlier question
    ("und welche Umzugsfirma ist günstig?" after one on moving house); outside a chat, the
    ranking's ``wording`` feature. In a chat this is a second pass of the wording model
    (a sparse product, well under a millisecond)."""
    if not reading.earlier_weight:
        return wording
    alone = replace(reading, earlier_words=(), earlier_stems=(), earlier_weight=0.0)
    support = wording_scores(snapshot, alone).support(best.id)
    return wording if support is None else support


def specificity(word: str, members: list[QueryTerm], snapshot: Snapshot) -> float:
    """How much more often a typed word (with its expansions) occurs in the content's
    passages than in German at large, in powers of ten: "Bürgergeld" about 7, "spät" about 3.
    A word the content does not use at all counts as if half a passage had it."""
    passages = max(snapshot.doc_frequency(m.text) for m in members)
    in_content = math.log10((passages + 0.5) / max(1, snapshot.doc_count))
    in_german = german_zipf(word) - 9.0       # Zipf is log10 of occurrences per 10^9 words
    return in_content - in_german


def outside_topic(text: str, best: Hit, snapshot: Snapshot) -> Referral | None:
    """The referral for a question about a topic the content does not cover, or None.

    A referral term in the question counts unless the best passage is about it: all the term's
    words matched in its title, alternate questions or tags ("Kindergeld" in "Wie werden
    Kindergeld und Unterhalt angerechnet?" is covered; "Kindergeld beantragen" is not).

    The referral decides alone in a question of at most ``REFERRAL_WORDS`` words. A longer
    question tells a situation and may name the topic in passing ("Ich habe eine
    Aufenthaltserlaubnis und ..."): the decline model judges it like any other, and only a
    question it declines is pointed to the other authority.
    """
    found = find_referral(words_of(fold(text)), snapshot.referrals)
    if found is None:
        return None
    referral, term = found
    stems = {t.text for word in term for t in analyse(word, snapshot.lexicon, mode="index")
             if t.origin == "word"}
    about = {term for term, fields in best.matched_fields.items() if fields & ABOUT_FIELDS}
    if stems and stems <= about:
        return None
    return referral


def referred(referral: Referral, hits: list[Hit], confidence: float, searched: str,
             terms: list[QueryTerm], common: dict) -> Answer:
    """A declined answer that names who is responsible (``outside_topic``)."""
    return Answer(answered=False, confidence=confidence, hits=tuple(hits[:MAX_ANSWERS]),
                  suggestions=(), searched=searched, terms=tuple(terms), referral=referral,
                  **common,
                  reason=f"Die Frage betrifft '{referral.topic}': dafür ist {referral.where} zuständig.")


def nothing_found(snapshot: Snapshot, searched: str, terms: list[QueryTerm], as_of: dt.date,
                  common: dict) -> Answer:
    """A declined answer for a question no passage has a word of, with the closest titles
    as suggestions."""
    return Answer(answered=False, confidence=0.0, hits=(),
                  suggestions=suggestions_for(searched, snapshot, as_of), searched=searched,
                  terms=tuple(terms), **common, reason=NOTHING_FOUND)


def answer_question(engine: SearchEngine, question: str,
                    history: list[str] | tuple[str, ...] = (), today: dt.date | None = None) -> Answer:
    """Answer ``question`` as of ``today`` (default: the machine's date); ``history`` holds
    the chat's earlier questions, latest last.

    Answers are cached per index generation (a reindex starts a new cache) and day."""
    text = normalise(question)
    today = today or dt.date.today()
    snapshot = engine.snapshot()
    previous = tuple(h for h in (_history_entry(h) for h in history) if h)[-1:]
    key = (text, previous, today)
    cached = snapshot.answers.get(key)
    if cached is not None:
        return cached
    answer = _answer(engine, snapshot, text, previous, today)
    snapshot.answers.put(key, answer)
    return answer


def answer_day(text: str, snapshot: Snapshot, today: dt.date) -> tuple[dt.date, TimeReference]:
    """The day whose rules answer ``text``: today, or the earlier day the question asks about
    ("vor Juli 2026", "mein alter Bescheid": the day before the latest change)."""
    time = time_reference(text, today)
    if time.past is not None:
        return time.past, time
    if time.earlier:
        changed = [day for day in snapshot.changes if day <= today]
        if changed:
            return max(changed) - dt.timedelta(days=1), time
    return today, time


def _without(text: str, part: str) -> str:
    """``text`` without the first occurrence of ``part`` (any case)."""
    at = text.lower().find(part.lower()) if part else -1
    return " ".join((text[:at] + " " + text[at + len(part):]).split()) if at >= 0 else text


def ranked_candidates(engine: SearchEngine, question: str, history: tuple[str, ...] = (),
                      today: dt.date | None = None) -> tuple[Answer, list[Hit]]:
    """The answer (uncached) and every candidate ranked for it, not only those shown: for
    fitting and explaining the ranking model (bench/fit_ranking.py)."""
    ranked: list[Hit] = []
    previous = tuple(h for h in (_history_entry(h) for h in history) if h)[-1:]
    answer = _answer(engine, engine.snapshot(), normalise(question), previous,
                     today or dt.date.today(), ranked)
    return answer, ranked


def _answer(engine: SearchEngine, snapshot: Snapshot, text: str, previous: tuple[str, ...],
            today: dt.date, ranked: list[Hit] | None = None) -> Answer:
    redacted = redact(text)
    as_of, time = answer_day(text, snapshot, today)
    # A named date says when, not what: its words are not searched ("im Mai 2026").
    typed = _without(text, time.text) if (time.past or time.future) else text
    # "was bedeutet X", "X Definition": what is searched is X.
    term = defined_term(typed)
    typed = term or typed
    # ... or asked in one clause of a longer question: marked, but all of it is searched.
    term = term or term_in_clause(typed)
    searched = typed
    # The question is redacted once: for what is stored and for what is left out of the search.
    personal = personal_words(text, snapshot, redacted)
    terms = query_terms(searched, snapshot, personal=personal)
    common = dict(question=text, redacted=redacted, today=today, as_of=as_of, time=time)
    if SMALL_TALK.search(text) and domain_share(terms, snapshot) < 0.5:
        return Answer(answered=False, confidence=0.0, hits=(),
                      suggestions=suggestions_for("", snapshot, as_of), searched=text,
                      terms=tuple(terms), **common,
                      reason="Die Frage richtet sich an den Assistenten selbst (Smalltalk).")

    # In a chat, the previous question is the context of this one. A follow-up ("und für
    # Kinder?") is merged with it, unless it names a topic the content does not know; any
    # other question is read in its light: its words count a little (CONTEXT_WEIGHT), enough
    # to decide between passages the question alone cannot tell apart ("Welche Unterlagen
    # muss ich am Ende abgeben?" after a question on self-employment, "und für unsere
    # Zwillinge?" after one on the standard rates).
    context = bool(previous)
    follow_up = context and is_follow_up(text, terms) and not new_topic(terms, snapshot)
    earlier_weight = FOLLOW_UP_WEIGHT if follow_up else CONTEXT_WEIGHT if context else 0.0
    earlier_words: list[str] = []
    if context:
        # The earlier question's personal data, found once: for its terms and for the
        # wording model (names and numbers are no input of either).
        earlier_personal = personal_words(previous[0], snapshot)
        terms = terms + query_terms(previous[0], snapshot, weight=earlier_weight,
                                    group_offset=EARLIER_GROUPS, personal=earlier_personal)
        earlier_words = plain_words(previous[0], earlier_personal)
    if follow_up:
        searched = f"{previous[0]} {searched}"
    reading = reading_of(terms, plain_words(typed, personal), earlier_words, earlier_weight)
    common.update(follow_up=follow_up, context=context, reading=reading)

    if not terms:
        return Answer(answered=False, confidence=0.0, hits=(),
                      suggestions=suggestions_for(searched, snapshot, as_of), searched=searched,
                      **common, reason="Die Frage enthält keine Suchbegriffe.")
    # The fuzzy title match looks at the question as typed: in a follow-up, the earlier
    # question's title would otherwise win again.
    try:
        hits = rank(terms, typed, snapshot, as_of, reading, term)
    except Exception as exc:
        # Missing or unreadable files of the live generation: 503 and a rebuild. Anything
        # else is a fault in the code: it propagates (a logged 500), the index is fine.
        if not snapshot.damaged():
            raise
        raise engine.broken(snapshot, exc) from exc
    if ranked is not None:
        ranked.extend(hits)
    if not hits:
        return nothing_found(snapshot, searched, terms, as_of, common)
    if not previous and continues_missing_question(text, terms):
        return Answer(answered=False, confidence=0.0, hits=tuple(hits[:MAX_ANSWERS]),
                      suggestions=suggestions_for(searched, snapshot, as_of, hits),
                      searched=searched, terms=tuple(terms), **common,
                      reason=CONTINUES_MISSING)
    best = hits[0]
    referral = outside_topic(text, best, snapshot)
    if referral is not None and len(words_of(fold(text))) <= REFERRAL_WORDS:
        return referred(referral, hits, 0.0, searched, terms, common)
    if not follow_up and own_words_unknown(terms, snapshot):
        return nothing_found(snapshot, searched, terms, as_of, common)
    signals = signals_of(hits, terms, snapshot, reading, follow_up)
    model = load_model()
    confidence = model.probability(signals)
    common.update(signals=signals, threshold=model.threshold)
    if confidence < model.threshold and referral is not None:
        return referred(referral, hits, confidence, searched, terms, common)
    if confidence < model.threshold:
        return Answer(answered=False, confidence=confidence, hits=tuple(hits[:MAX_ANSWERS]),
                      suggestions=suggestions_for(searched, snapshot, as_of, hits),
                      searched=searched, terms=tuple(terms), **common,
                      reason=f"Die Sicherheit {confidence:.2f} liegt unter der Schwelle {model.threshold:.2f}.")
    shown = [with_other_version(h, snapshot, today, as_of, time)
             for h in hits if h is best or h.score >= RELATIVE_CUTOFF * best.score][:MAX_ANSWERS]
    return Answer(answered=True, confidence=confidence, hits=tuple(shown),
                  searched=searched, terms=tuple(terms), **common)
