"""From a citizen's question to an answer, top to bottom:

    normalise -> (follow-up?) -> analyse -> search -> blend -> decide

``answer_question(engine, question, history)`` returns an ``Answer``: up to five ranked
passages, verbatim, with a confidence, or ``answered=False`` with suggestions.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from wordfreq import zipf_frequency

from .analysis import WEIGHTS, analyse, fold, words_of
from .fuzzy import QUESTION_WORDS, fuzzy_key
from .redact import redact, strip_placeholders
from .referrals import Referral, find_referral
from .search import ABOUT_FIELDS, Candidate, QueryTerm, SearchEngine, Snapshot

MAX_QUESTION_CHARS = 500
MAX_ANSWERS = 5
MAX_SUGGESTIONS = 3
# A FAQ title must be this similar (rapidfuzz token_set_ratio) to be suggested.
SUGGESTION_CUTOFF = 55
# Offered when a declined question gives nothing to go by.
POPULAR = ("faq/regelbedarf-hoehe", "faq/antrag-stellen", "faq/freibetrag-erwerbstaetigkeit")

# How the final score is blended (see docs/quality.md for how these were measured).
W_COVERAGE = 0.5   # share of the typed words (idf-weighted) the passage matches
W_BM25 = 0.3       # BM25F score relative to the best candidate's
W_FUZZY = 0.2      # rapidfuzz similarity of the question to the item's title/questions

# How much a question outside the domain's vocabulary lowers the confidence (0: fully).
DOMAIN_FLOOR = 0.2
# Below this confidence the assistant declines.
THRESHOLD = 0.2
# Further answers must reach this share of the best answer's score to be shown.
RELATIVE_CUTOFF = 0.6

# Questions to the assistant itself ("bist du ein Mensch?") get the friendly decline.
SMALL_TALK = re.compile(
    r"^\W*(?:(?:hallo|hi|hey|moin|servus)\W+)?(?:wer|was|wie)?\s*(?:bist|heißt|heisst|kannst|machst|"
    r"hast|magst|geht(?:'?s| es)?)\s+(?:du|dir)\b", re.IGNORECASE)

# Weight of the previous question's words in a follow-up: the new words decide.
FOLLOW_UP_WEIGHT = 0.4
# Group numbers of the earlier question's words start here.
EARLIER_GROUPS = 1000

# A follow-up like "und für Kinder?" starts with one of these, or is very short.
FOLLOW_UP_START = re.compile(
    r"^(und|aber|auch|oder|was ist mit|wie ist es mit|gilt das|und wenn|wenn|wie lange|"
    r"wie oft|wann|wo|wieviel|wie viel|ab wann|bis wann|für|fuer|bei)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    """One ranked passage of an answer."""

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
    threshold: float = THRESHOLD
    referral: Referral | None = None       # who answers a question outside the content


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
                group_offset: int = 0) -> list[QueryTerm]:
    """Analyse ``text`` into weighted query terms (folding, synonyms, typos, compounds, stems)."""
    tokens = analyse(strip_placeholders(text), snapshot.lexicon, mode="query")
    return [QueryTerm(text=t.text, weight=round(t.weight * weight, 3),
                      group=t.group + group_offset, origin=t.origin,
                      typed=getattr(t, "typed", t.text)) for t in tokens]


def _history_entry(text: object) -> str:
    """An earlier question of the chat, normalised; "" for anything unusable."""
    try:
        return normalise(text) if isinstance(text, str) else ""
    except QuestionError:
        return ""


def is_follow_up(question: str, terms: list[QueryTerm]) -> bool:
    groups = {t.group for t in terms}
    return bool(FOLLOW_UP_START.match(question)) and len(groups) <= 3 or len(groups) <= 1


# Credit for a concept matched through a synonym, relative to the typed word itself.
SYNONYM_CREDIT = 0.9
# A match in the body alone counts less than one in the title, questions or tags.
BODY_CREDIT = 0.5


def generality(word: str) -> float:
    """How much a typed word can tell about the topic: rare words in German at large tell more.

    "morgen" or "moment" (very common) count about half as much as "bürgergeld" or "elterngeld".
    """
    if word.isdigit():
        return 0.3
    zipf = zipf_frequency(word, "de") if word else 0.0
    return min(1.2, max(0.3, (7.0 - zipf) / 3.5))


def coverage_of(terms: list[QueryTerm], snapshot: Snapshot) -> Callable[[dict[str, set[str]]], float]:
    """How much of the question a passage covers: a function of the passage's matched terms
    (term -> fields), prepared once per question for all its candidates.

    Coverage is the importance-weighted share of the typed words (groups) a passage matches.
    A typed word counts fully when it matches itself in the passage's title, questions or tags,
    less in the body only, less when only a synonym or typo correction matches, and by the
    matched share of its parts when it is a compound. A word's importance is its rarity in
    the corpus (idf) times its rarity in German at large.
    """
    earlier = [t for t in terms if t.group >= EARLIER_GROUPS]
    if earlier and len(earlier) < len(terms):
        # A follow-up: the new words decide, the earlier question gives the context.
        now_part = coverage_of([t for t in terms if t.group < EARLIER_GROUPS], snapshot)
        earlier_part = coverage_of(earlier, snapshot)
        return lambda matched: ((1 - FOLLOW_UP_WEIGHT) * now_part(matched)
                                + FOLLOW_UP_WEIGHT * earlier_part(matched))
    groups: dict[int, list[QueryTerm]] = {}
    for t in terms:
        groups.setdefault(t.group, []).append(t)
    prepared = []
    total = 0.0
    for members in groups.values():
        typed = [m for m in members if m.origin == "word"] or members
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
            best = max((_credit(m, matched) for m in whole), default=0.0)
            if parts:
                share = sum(weights[p.text] * _credit(p, matched) / p.weight for p in parts) / weight_sum
                best = max(best, share * 0.9 * scale)
            got += importance * min(best / scale, 1.0)
        return got / total
    return of


def _credit(term: QueryTerm, matched: dict[str, set[str]]) -> float:
    """What matching ``term`` is worth (before the word's importance)."""
    fields = matched.get(term.text)
    if not fields:
        return 0.0
    # A synonym names the same concept: nearly full credit (the search ranks it lower).
    weight = term.weight / WEIGHTS["synonym"] * SYNONYM_CREDIT if term.origin == "synonym" else term.weight
    return weight * (1.0 if fields & ABOUT_FIELDS else BODY_CREDIT)


def is_established(word: str) -> bool:
    """A word German text uses on its own (wordfreq Zipf >= 2.5), not an ad-hoc compound."""
    return zipf_frequency(word, "de") >= 2.5


def domain_share(terms: list[QueryTerm], snapshot: Snapshot) -> float:
    """Share of the typed words (weighted by how telling they are) that belong to the domain's
    vocabulary: the stems of all titles, alternate questions and tags, or their synonyms."""
    groups: dict[int, list[QueryTerm]] = {}
    for t in terms:
        groups.setdefault(t.group, []).append(t)
    total = inside = 0.0
    for members in groups.values():
        typed = [m for m in members if m.origin == "word"] or members
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


def fuzzy_scores(text: str, snapshot: Snapshot) -> dict[str, float]:
    """Best rapidfuzz similarity (0..1) of the question to each item's title or questions."""
    titles = snapshot.titles
    scores: dict[str, float] = {}
    for index, score in titles.sort_ratio(fuzzy_key(text), limit=30, cutoff=50):
        pid = titles.ids[index]
        scores[pid] = max(scores.get(pid, 0.0), score / 100)
    return scores


def suggestions_for(text: str, snapshot: Snapshot, exclude: set[str] = frozenset()) -> tuple[Suggestion, ...]:
    """The FAQ titles closest to ``text``, for a declined question."""
    key = " ".join(w for w in fuzzy_key(text).split() if w not in QUESTION_WORDS)
    faq = snapshot.faq_titles
    found: list[Suggestion] = []
    for index, _ in faq.set_ratio(key, limit=20, cutoff=SUGGESTION_CUTOFF):
        pid = faq.ids[index]
        if pid not in exclude and all(s.id != pid for s in found):
            found.append(Suggestion(pid, snapshot.records[pid]["title"]))
        if len(found) == MAX_SUGGESTIONS:
            break
    if not found:
        # Nothing close: the most asked-for topics.
        found = [Suggestion(pid, snapshot.records[pid]["title"]) for pid in POPULAR
                 if pid in snapshot.records and pid not in exclude][:MAX_SUGGESTIONS]
    return tuple(found)


def rank(terms: list[QueryTerm], text: str, snapshot: Snapshot) -> list[Hit]:
    candidates: dict[str, Candidate] = {c.id: c for c in snapshot.search(terms, limit=30)}
    fuzzy = fuzzy_scores(text, snapshot)
    for pid in fuzzy:
        if pid not in candidates:
            candidates[pid] = Candidate(id=pid, record=snapshot.records[pid], bm25=0.0)
    if not candidates:
        return []
    top_bm25 = max(c.bm25 for c in candidates.values()) or 1.0
    coverage = coverage_of(terms, snapshot)
    hits = []
    for c in candidates.values():
        cov = coverage(c.matched)
        fz = fuzzy.get(c.id, 0.0)
        score = W_COVERAGE * cov + W_BM25 * (c.bm25 / top_bm25) + W_FUZZY * fz
        r = c.record
        hits.append(Hit(id=c.id, item_id=r["item_id"], kind=r["kind"], title=r["title"],
                        item_title=r["item_title"], passage=r["text"], anchor=r["anchor"],
                        source=r["source"], stand=r["stand"], score=round(score, 4),
                        coverage=round(cov, 4), bm25=round(c.bm25, 4), fuzzy=round(fz, 4),
                        matched=tuple(sorted(c.matched)), field_scores=c.field_scores,
                        matched_fields=c.matched))
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits


def confidence_of(best: Hit, terms: list[QueryTerm], snapshot: Snapshot) -> float:
    """How sure the assistant is that ``best`` answers the question (0..1).

    Absolute evidence only: how much of the question the passage covers and how close the
    question is to its title or alternate questions, lowered when the question's telling words
    lie outside the content's vocabulary. (The BM25F score only ranks: it has no scale.)
    """
    evidence = (W_COVERAGE * best.coverage + W_FUZZY * best.fuzzy) / (W_COVERAGE + W_FUZZY)
    domain = domain_share(terms, snapshot)
    return evidence * (DOMAIN_FLOOR + (1 - DOMAIN_FLOOR) * domain)


def outside_topic(text: str, best: Hit, snapshot: Snapshot) -> Referral | None:
    """The referral for a question about a topic the content does not cover, or None.

    A referral term in the question counts unless the best passage is about it: all the term's
    words matched in its title, alternate questions or tags ("Kindergeld" in "Wie werden
    Kindergeld und Unterhalt angerechnet?" is covered; "Kindergeld beantragen" is not).
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


def answer_question(engine: SearchEngine, question: str,
                    history: list[str] | tuple[str, ...] = ()) -> Answer:
    """Answer ``question``; ``history`` holds the chat's earlier questions, latest last.

    Answers are cached per index generation (a reindex starts a new cache)."""
    text = normalise(question)
    snapshot = engine.snapshot()
    previous = tuple(h for h in (_history_entry(h) for h in history) if h)[-1:]
    key = (text, previous)
    cached = snapshot.answers.get(key)
    if cached is not None:
        return cached
    answer = _answer(engine, snapshot, text, previous)
    snapshot.answers.put(key, answer)
    return answer


def _answer(engine: SearchEngine, snapshot: Snapshot, text: str, previous: tuple[str, ...]) -> Answer:
    typed = redact(text)
    searched = typed
    terms = query_terms(searched, snapshot)
    if SMALL_TALK.search(text) and domain_share(terms, snapshot) < 0.5:
        return Answer(question=text, answered=False, confidence=0.0, hits=(),
                      suggestions=suggestions_for("", snapshot), searched=text, terms=tuple(terms),
                      reason="Die Frage richtet sich an den Assistenten selbst (Smalltalk).")

    if previous and is_follow_up(text, terms):
        before = redact(previous[0])
        terms = terms + query_terms(before, snapshot, weight=FOLLOW_UP_WEIGHT,
                                    group_offset=EARLIER_GROUPS)
        searched = f"{before} {searched}"

    if not terms:
        return Answer(question=text, answered=False, confidence=0.0, hits=(),
                      suggestions=suggestions_for(searched, snapshot), searched=searched,
                      reason="Die Frage enthält keine Suchbegriffe.")
    # The fuzzy title match looks at the question as typed: in a follow-up, the earlier
    # question's title would otherwise win again.
    try:
        hits = rank(terms, typed, snapshot)
    except Exception as exc:
        # Missing or unreadable files of the live generation: 503 and a rebuild. Anything
        # else is a fault in the code: it propagates (a logged 500), the index is fine.
        if not snapshot.damaged():
            raise
        raise engine.broken(snapshot, exc) from exc
    if not hits:
        return Answer(question=text, answered=False, confidence=0.0, hits=(),
                      suggestions=suggestions_for(searched, snapshot), searched=searched,
                      terms=tuple(terms), reason="Kein Eintrag enthält einen der Suchbegriffe.")
    best = hits[0]
    referral = outside_topic(text, best, snapshot)
    if referral is not None:
        return Answer(question=text, answered=False, confidence=0.0, hits=tuple(hits[:MAX_ANSWERS]),
                      suggestions=(), searched=searched, terms=tuple(terms), referral=referral,
                      reason=f"Die Frage betrifft '{referral.topic}': dafür ist {referral.where} zuständig.")
    confidence = confidence_of(best, terms, snapshot)
    if confidence < THRESHOLD:
        return Answer(question=text, answered=False, confidence=confidence, hits=tuple(hits[:MAX_ANSWERS]),
                      suggestions=suggestions_for(searched, snapshot), searched=searched,
                      terms=tuple(terms),
                      reason=f"Die Sicherheit {confidence:.2f} liegt unter der Schwelle {THRESHOLD:.2f}.")
    shown = [h for h in hits if h.score >= RELATIVE_CUTOFF * best.score][:MAX_ANSWERS]
    return Answer(question=text, answered=True, confidence=confidence, hits=tuple(shown),
                  searched=searched, terms=tuple(terms))


def item_url(item_id: str, anchor: str = "") -> str:
    """The assistant's own page for an item (and passage)."""
    return f"/inhalt/{item_id}" + (f"#{anchor}" if anchor else "")


def answer_json(answer: Answer) -> dict:
    """The API's JSON for an answer (see ``/api/openapi.json``)."""
    hits = answer.hits if answer.answered else ()
    return {
        "question": answer.question,
        "answered": answer.answered,
        "confidence": round(answer.confidence, 3),
        "answers": [
            {"id": h.id, "kind": h.kind, "title": h.title, "passage": h.passage,
             "url": item_url(h.item_id, h.anchor), "source": h.source, "stand": h.stand,
             "score": round(h.score, 3)}
            for h in hits
        ],
        "suggestions": [{"id": s.id, "title": s.title, "url": item_url(s.id)}
                        for s in answer.suggestions],
        "referral": answer.referral.as_json() if answer.referral else None,
    }
