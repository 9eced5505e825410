"""From a question to ranked, verbatim answers, or a decline with suggestions."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from faqbot.ask import (
    CONTINUES_MISSING,
    MAX_ANSWERS,
    MAX_QUESTION_CHARS,
    QuestionError,
    answer_question,
    coverage_of,
    generality,
    in_context,
    normalise,
    ranked_candidates,
    term_in_clause,
    wording_scores,
)
from faqbot.analysis import fold, words_of
from faqbot.content import load_content
from faqbot.ranking import RANKING_FEATURES
from faqbot.redact import redact
from faqbot.tuning import CONTEXT_WEIGHT, FOLLOW_UP_WEIGHT, REFERRAL_WORDS, RELATIVE_CUTOFF
from faqbot.web.answers import answer_json

INTERVIEW_PASSAGE = "interviews/test-interview#wie-hat-sich-die-beratung-im-jobcenter-veraendert"


@pytest.fixture
def items(content_dir):
    return {item.id: item for item in load_content(content_dir)}


@pytest.fixture
def passages(items):
    return {p.id: p for item in items.values() for p in item.passages}


def ask(engine, question, history=()):
    return answer_question(engine, question, list(history))


# --- ranked answers --------------------------------------------------------------------------

@pytest.mark.parametrize("question, expected", [
    ("Wie hoch ist der Regelbedarf?", "faq/regelbedarf-hoehe"),
    ("Wie viel Geld bekomme ich als Single im Monat?", "faq/regelbedarf-hoehe"),
    ("Wie stelle ich den Weiterbewilligungsantrag?", "faq/weiterbewilligung"),
    ("Wer zahlt die Heizkostennachzahlung?", "faq/kosten-unterkunft-heizung"),
    ("Wie beantrage ich Bürgergeld?", "faq/antrag-stellen"),
    ("Wie viel Erspartes darf ich behalten?", "faq/vermoegen"),
    ("Darf ich einen Minijob haben?", "faq/minijob"),
    ("Was ist eine Bedarfsgemeinschaft?", "glossary/bedarfsgemeinschaft"),
    ("Wie hat sich die Beratung im Jobcenter verändert?", INTERVIEW_PASSAGE),
])
def test_clear_questions_get_the_right_first_answer(engine, question, expected):
    answer = ask(engine, question)
    assert answer.answered, answer.reason
    assert answer.hits[0].id == expected
    assert answer.confidence >= answer.threshold


@pytest.mark.parametrize("question, expected", [
    ("Buergergeld beantragen", "faq/antrag-stellen"),       # no umlauts
    ("bürgergeldantrag", "faq/antrag-stellen"),              # compound of known words
    ("was ist hartz 4", "glossary/hartz-iv"),                 # old word
    ("zahlt das amt die miete", "faq/kosten-unterkunft-heizung"),   # everyday words (synonyms)
    ("minjob erlaubt", "faq/minijob"),                        # typo
])
def test_citizens_ways_of_typing_find_the_item(engine, question, expected):
    answer = ask(engine, question)
    assert answer.answered, answer.reason
    assert answer.hits[0].id == expected


@pytest.mark.parametrize("question, term", [
    ("Kannst du mir einfach erklären, was ein Meldeversäumnis ist?", "meldeversaumnis"),
    ("Was versteht man unter einer Einstandsgemeinschaft, das Amt sagt das über mich?",
     "einstandsgemeinschaft"),
    ("Was bedeutet Karenzzeit, ich bin neu beim Jobcenter.", "karenzzeit"),
    ("Ich bin neu hier. Mitwirkungspflicht einfach erklärt?", "mitwirkungspflicht"),
    ("Ich habe Post bekommen, was heißt Leistungsminderung auf meinem Bescheid?", "leistungsminderung"),
])
def test_a_meaning_asked_in_one_clause_names_the_term(question, term):
    assert term_in_clause(question) == term


@pytest.mark.parametrize("question", [
    "Was meint das Jobcenter, wenn es von meinem Sohn spricht?",     # "meint" is no meaning asked
    "Ich habe ein Auto geerbt, was bedeutet das für mein Bürgergeld?",  # what follows, not a term
    "Ich habe einen Termin verpasst, was heißt das für meinen Regelbedarf?",
    "Ich weiß nicht, was mein Einkommen ist.",
    "Ich weiß nicht, was erlaubt ist.",
    "Kannst du mir sagen, was das auf Deutsch heißt?",
    "Was ist, wenn ich krank werde?",
    "Wie viel darf ich dazuverdienen?",
])
def test_a_question_asking_no_meaning_names_no_term(question):
    assert term_in_clause(question) == ""


def test_a_term_asked_in_a_clause_marks_its_glossary_entry_and_all_of_the_question_is_searched(shipped_engine):
    question = "Was versteht man unter einer Einstandsgemeinschaft, das Amt sagt das über mich und meinen Mitbewohner?"
    _, ranked = ranked_candidates(shipped_engine, question, (), dt.date(2026, 12, 1))
    at = RANKING_FEATURES.index("definition")
    marked = {h.id for h in ranked if h.features[at] == 1.0}
    assert marked == {"glossary/einstandsgemeinschaft"}
    answer = ask(shipped_engine, question)
    assert any(t.text.startswith("mitbewoh") for t in answer.terms)     # the situation is searched too


def test_answer_carries_id_kind_passage_source_and_stand(engine, items):
    answer = ask(engine, "Wie hoch ist der Regelbedarf?")
    hit = answer.hits[0]
    item = items["faq/regelbedarf-hoehe"]
    assert (hit.id, hit.item_id, hit.kind) == ("faq/regelbedarf-hoehe", "faq/regelbedarf-hoehe", "faq")
    assert hit.title == hit.item_title == "Wie hoch ist der Regelbedarf?"
    assert hit.source == item.source == "https://www.gesetze-im-internet.de/sgb_2/__20.html"
    assert hit.stand == "2026-11-25"
    assert dt.date.fromisoformat(hit.stand) == item.stand
    assert hit.anchor == ""
    assert 0 < hit.score <= 1.5


def test_further_passages_are_those_reaching_the_cut_off_share_of_the_first(engine):
    question = "Jobcenter Antrag Bürgergeld Miete Einkommen"
    answer, ranked = ranked_candidates(engine, question, (), dt.date(2026, 12, 1))
    assert answer.answered
    best = ranked[0].score
    reaching = [h.id for h in ranked if h.score >= RELATIVE_CUTOFF * best][:MAX_ANSWERS]
    assert [h.id for h in answer.hits] == reaching
    assert len(ranked) > len(reaching)      # some candidates fall below it


def test_answers_are_ranked_and_at_most_five(engine):
    answer = ask(engine, "Jobcenter Antrag Bürgergeld Miete Einkommen")
    assert answer.answered
    assert 1 <= len(answer.hits) <= MAX_ANSWERS
    scores = [h.score for h in answer.hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h.id for h in answer.hits}) == len(answer.hits)


def test_every_passage_is_verbatim_the_items_body(engine, passages, content_dir):
    seen = set()
    for question in ("Wie hoch ist der Regelbedarf?", "Was ist eine Bedarfsgemeinschaft?",
                     "Darf ich einen Minijob haben?", "Wie hat sich die Beratung im Jobcenter verändert?",
                     "Jobcenter Antrag Bürgergeld Miete Einkommen"):
        for hit in ask(engine, question).hits:
            assert hit.passage == passages[hit.id].text
            raw = (content_dir / f"{hit.item_id}.md").read_text(encoding="utf-8")
            assert hit.passage in raw
            seen.add(hit.kind)
    assert seen == {"faq", "glossary", "interview"}


def test_interview_answer_is_one_passage_with_its_anchor(engine, passages):
    hit = ask(engine, "Wie hat sich die Beratung im Jobcenter verändert?").hits[0]
    assert hit.kind == "interview"
    assert hit.item_id == "interviews/test-interview"
    assert hit.anchor == "wie-hat-sich-die-beratung-im-jobcenter-veraendert"
    assert hit.title == "Wie hat sich die Beratung im Jobcenter verändert?"
    assert hit.item_title == "„Beratung braucht Zeit\""
    assert hit.passage == passages[hit.id].text
    assert hit.passage.startswith("Die Beratung ist persönlicher geworden.")
    assert "Ich wünsche mir" not in hit.passage    # not the other answer
    assert answer_json(ask(engine, "Wie hat sich die Beratung im Jobcenter verändert?"))["answers"][0]["url"] == \
        "/inhalt/interviews/test-interview#wie-hat-sich-die-beratung-im-jobcenter-veraendert"


# --- follow-ups ------------------------------------------------------------------------------

def test_follow_up_searches_together_with_the_previous_question(engine):
    answer = ask(engine, "und für Kinder?", ["Wie hoch ist der Regelbedarf?"])
    assert answer.searched == "Wie hoch ist der Regelbedarf? und für Kinder?"
    history_terms = [t for t in answer.terms if t.group >= 1000]
    assert {t.text for t in history_terms} >= {"regelbedarf"}
    assert all(t.weight <= 0.6 for t in history_terms)
    assert answer.answered
    assert "faq/regelbedarf-kinder" in [h.id for h in answer.hits]


def test_follow_up_for_children_answers_the_children_item_first(engine):
    answer = ask(engine, "und für Kinder?", ["Wie hoch ist der Regelbedarf?"])
    assert answer.answered
    assert answer.hits[0].id == "faq/regelbedarf-kinder"


def test_the_same_follow_up_answers_the_topic_of_the_history(engine):
    alone = ask(engine, "und im ersten Jahr?")
    assert not alone.answered
    assert alone.reason == CONTINUES_MISSING
    assert alone.suggestions
    # The first year has a rule for the rent and one for savings: the history decides.
    rent = ask(engine, "und im ersten Jahr?", ["Zahlt das Amt meine Miete?"])
    assert rent.answered
    assert rent.hits[0].id == "faq/kosten-unterkunft-heizung"
    savings = ask(engine, "und im ersten Jahr?", ["Wie viel Vermögen darf ich haben?"])
    assert savings.answered
    assert savings.hits[0].id == "faq/vermoegen"


def test_a_whole_question_that_starts_with_und_is_answered_without_history(engine):
    answer = ask(engine, "Und wie hoch ist der Regelbedarf für Kinder im Jahr 2026?")
    assert answer.answered


@pytest.mark.parametrize("question", [
    "Und wie beantrage ich Bürgergeld?", "Aber wie beantrage ich Bürgergeld?",
    "Wenn ich einen Minijob habe, wird das dann angerechnet?", "Bekomme ich trotzdem Bürgergeld?",
    "Muss ich dann Bürgergeld zurückzahlen?", "Wer zahlt dort die Miete?"])
def test_a_question_with_a_topic_of_its_own_does_not_need_an_earlier_one(shipped_engine, question):
    answer = ask(shipped_engine, question)
    assert answer.reason != CONTINUES_MISSING
    assert answer.answered, answer.reason


def test_only_the_latest_history_entry_is_used(engine):
    answer = ask(engine, "und im ersten Jahr?", ["Darf ich einen Minijob haben?", "Zahlt das Amt meine Miete?"])
    assert answer.searched == "Zahlt das Amt meine Miete? und im ersten Jahr?"


def test_a_complete_new_question_is_not_merged_with_the_history(engine):
    answer = ask(engine, "Darf ich neben dem Bürgergeld einen Minijob haben?", ["Wie hoch ist der Regelbedarf?"])
    assert not answer.follow_up
    assert answer.searched == "Darf ich neben dem Bürgergeld einen Minijob haben?"
    assert answer.hits[0].id == "faq/minijob"


def test_a_complete_new_question_is_read_with_the_earlier_one_as_a_little_context(engine):
    answer = ask(engine, "Darf ich neben dem Bürgergeld einen Minijob haben?", ["Wie hoch ist der Regelbedarf?"])
    earlier = [t for t in answer.terms if t.group >= 1000]
    assert answer.context and earlier
    assert max(t.weight for t in earlier) <= CONTEXT_WEIGHT


@pytest.mark.parametrize("question, weight", [("und für Kinder?", FOLLOW_UP_WEIGHT),
                                              ("Darf ich neben dem Bürgergeld einen Minijob haben?", CONTEXT_WEIGHT)])
def test_the_earlier_question_counts_in_coverage_with_the_weight_it_was_added_with(engine, question, weight):
    answer = ask(engine, question, ["Wie hoch ist der Regelbedarf?"])
    best = answer.hits[0]
    with_weight = coverage_of(list(answer.terms), engine.snapshot(), earlier_weight=weight)
    without = coverage_of(list(answer.terms), engine.snapshot(), earlier_weight=0.0)
    assert best.coverage == round(with_weight(best.matched_fields), 4)
    assert best.coverage != round(without(best.matched_fields), 4)


@pytest.mark.parametrize("question, weight", [("und für Kinder?", FOLLOW_UP_WEIGHT),
                                              ("Darf ich neben dem Bürgergeld einen Minijob haben?", CONTEXT_WEIGHT)])
def test_the_ranking_reads_the_earlier_questions_coverage_times_its_weight(engine, question, weight):
    answer, candidates = ranked_candidates(engine, question, ("Wie hoch ist der Regelbedarf?",),
                                           dt.date(2026, 12, 1))
    earlier = [t for t in answer.terms if t.group >= 1000]
    covered = coverage_of(earlier, engine.snapshot())
    at = RANKING_FEATURES.index("earlier")
    assert any(h.features[at] > 0 for h in candidates)
    for hit in candidates:
        assert hit.features[at] == pytest.approx(weight * covered(hit.matched_fields))


def test_without_history_the_earlier_questions_coverage_is_zero(engine):
    answer = ask(engine, "Wie hoch ist der Regelbedarf?")
    at = RANKING_FEATURES.index("earlier")
    assert answer.hits and all(h.features[at] == 0.0 for h in answer.hits)


def test_a_question_without_history_has_no_context(engine):
    answer = ask(engine, "Darf ich neben dem Bürgergeld einen Minijob haben?")
    assert not answer.context and not answer.follow_up
    assert all(t.group < 1000 for t in answer.terms)


@pytest.mark.parametrize("question", ["Wann öffnet das Freibad?", "und wo ist der Zoo?"])
def test_a_short_question_about_a_topic_the_content_lacks_is_no_follow_up(shipped_engine, question):
    answer = ask(shipped_engine, question, ["Wie beantrage ich Bürgergeld?"])
    assert not answer.follow_up
    assert answer.searched == normalise(question)
    assert not answer.answered, answer.hits[0].id


def test_a_question_naming_a_word_the_content_lacks_is_still_read_in_the_earlier_ones_light(shipped_engine):
    answer = ask(shipped_engine, "und für unsere Drillinge?", ["Wie hoch ist der Regelsatz für Erwachsene?"])
    earlier = [t for t in answer.terms if t.group >= 1000]
    assert answer.context and not answer.follow_up
    assert earlier and max(t.weight for t in earlier) <= CONTEXT_WEIGHT


def test_a_question_in_a_chat_none_of_whose_words_the_content_knows_is_declined(shipped_engine):
    answer = ask(shipped_engine, "und wo ist der Zoo?", ["Wie beantrage ich Bürgergeld?"])
    assert answer.context and not answer.follow_up
    assert not answer.answered and not answer.hits
    assert answer.reason == "Kein Eintrag enthält einen der Suchbegriffe."


def test_an_earlier_question_without_search_words_leaves_the_decision_to_the_decline_model(shipped_engine):
    alone = ask(shipped_engine, "Sicherheitsschuhe?")
    after_greeting = ask(shipped_engine, "Sicherheitsschuhe?", ["Hallo"])
    assert after_greeting.signals is not None
    assert after_greeting.confidence == pytest.approx(alone.confidence, abs=0.01)


def test_a_short_question_for_another_authority_is_referred_in_a_chat_too(shipped_engine):
    answer = ask(shipped_engine, "Elterngeld?", ["Wie beantrage ich Bürgergeld?"])
    assert not answer.answered
    assert answer.referral is not None and answer.referral.topic == "Elterngeld"


def test_the_decline_model_reads_the_best_passages_support_from_the_questions_own_words(shipped_engine):
    snapshot = shipped_engine.snapshot()
    alone = ask(shipped_engine, "Welche Umzugsfirma ist am günstigsten?")
    assert alone.signals.own == alone.signals.wording
    in_chat = ask(shipped_engine, "Welche Umzugsfirma ist am günstigsten?",
                  ["Muss ich vor einem Umzug das Jobcenter fragen?"])
    best = in_chat.hits[0].id
    own = wording_scores(snapshot, replace(in_chat.reading, earlier_words=(), earlier_stems=(),
                                           earlier_weight=0.0)).support(best)
    assert in_chat.signals.own == pytest.approx(own)
    # Moving house was the earlier question: the removal firm itself fits the passage less.
    assert in_chat.signals.own < in_chat.signals.wording


def test_the_decline_model_judges_a_question_read_in_context_by_the_coverage_of_its_own_words(shipped_engine):
    answer = ask(shipped_engine, "Wo ist der nächste Zoo?", ["Wie beantrage ich Bürgergeld?"])
    assert answer.context and not answer.follow_up and answer.signals is not None
    own, earlier = in_context(list(answer.terms))
    best = answer.hits[0]
    assert earlier and best.coverage > 0
    assert answer.signals.coverage == pytest.approx(coverage_of(own, shipped_engine.snapshot())(best.matched_fields))
    assert answer.signals.coverage < best.coverage


def test_the_decline_model_judges_a_follow_up_by_the_coverage_of_the_merged_question(shipped_engine):
    answer = ask(shipped_engine, "und für Kinder?", ["Wie hoch ist der Regelbedarf?"])
    assert answer.follow_up
    assert answer.signals.coverage == answer.hits[0].coverage


def test_a_short_question_about_another_authoritys_business_is_referred(shipped_engine):
    answer = ask(shipped_engine, "Wo beantrage ich für meine Tochter Elterngeld?")
    assert len(words_of(fold(answer.question))) <= REFERRAL_WORDS
    assert not answer.answered and answer.referral is not None
    assert answer.referral.topic == "Elterngeld"
    assert answer.signals is None        # decided before the decline model


def test_a_situation_about_another_authoritys_business_is_declined_by_the_model_and_referred(shipped_engine):
    answer = ask(shipped_engine, "Ich habe gestern ein Baby bekommen und möchte jetzt wissen, wo ich "
                                 "das Elterngeld beantragen muss?")
    assert len(words_of(fold(answer.question))) > REFERRAL_WORDS
    assert answer.signals is not None and answer.confidence < answer.threshold
    assert not answer.answered
    assert answer.referral is not None and answer.referral.topic == "Elterngeld"


def test_a_situation_that_names_another_authoritys_business_in_passing_is_not_referred(shipped_engine):
    answer = ask(shipped_engine, "Ich bin aus Syrien und habe eine Aufenthaltserlaubnis. Ich arbeite jetzt "
                                 "zwanzig Stunden in einer Küche. Wie viel von meinem Lohn darf ich behalten?")
    assert len(words_of(fold(answer.question))) > REFERRAL_WORDS
    assert answer.answered and answer.referral is None
    assert answer.hits[0].item_id in {"faq/freibetrag-erwerbstaetigkeit", "faq/einkommen-anrechnung"}


def test_a_short_question_in_the_contents_words_still_follows_up(shipped_engine):
    answer = ask(shipped_engine, "und wann kommt das Geld?", ["Wie beantrage ich Bürgergeld?"])
    assert answer.follow_up


@pytest.mark.parametrize("typed, spelled", [("spaeter", "später"), ("muesste", "müsste"),
                                            ("groesse", "größe")])
def test_a_word_typed_without_umlauts_is_as_general_as_with_them(typed, spelled):
    assert generality(typed) == generality(spelled)


def test_blank_and_non_text_history_entries_are_ignored(engine):
    answer = ask(engine, "und für Kinder?", ["Wie hoch ist der Regelbedarf?", "   ", None])
    assert answer.searched == "Wie hoch ist der Regelbedarf? und für Kinder?"


# --- declining -------------------------------------------------------------------------------

@pytest.mark.parametrize("question", ["hallo", "Hallo, wie geht's?", "asdfgh", "qwertz uiop",
                                      "Wie wird das Wetter morgen?", "Wer wurde 2014 Fußball-Weltmeister?"])
def test_small_talk_nonsense_and_other_topics_are_declined(engine, question):
    answer = ask(engine, question)
    assert answer.answered is False
    assert answer.confidence < answer.threshold
    assert answer.reason
    assert answer_json(answer)["answers"] == []


def test_declined_nonsense_offers_faq_suggestions(engine, items):
    answer = ask(engine, "asdfgh")
    assert not answer.answered
    assert 1 <= len(answer.suggestions) <= 3
    for s in answer.suggestions:
        assert s.id.startswith("faq/")
        assert s.title == items[s.id].title
    data = answer_json(answer)
    assert data["suggestions"][0]["url"] == f"/inhalt/{answer.suggestions[0].id}"


def test_declined_question_close_to_a_topic_suggests_that_topic(engine):
    # The bank's business, asked with one word of the content: declined, and the topic the
    # word belongs to is offered among the best-ranked candidates. (Since the ninth round's
    # refit it is second, 0.0002 behind the rent: the letters of "Dispokredit" and "Zinsen"
    # read a little like the rent passage's questions.)
    answer = ask(engine, "regelbedarf bank dispokredit zinsen")
    assert not answer.answered
    assert "faq/regelbedarf-hoehe" in [s.id for s in answer.suggestions[:2]]
    assert [s.id for s in answer.suggestions[:2]] == [h.id for h in answer.hits[:2]]


def test_declined_greeting_still_offers_suggestions(engine, items):
    answer = ask(engine, "hallo")
    assert not answer.answered
    assert answer.suggestions
    assert all(s.id.startswith("faq/") and s.title == items[s.id].title for s in answer.suggestions)


# --- hostile and odd input -------------------------------------------------------------------

@pytest.mark.parametrize("question", ['AND ( "*', "title:foo OR", "<script>alert(1)</script>",
                                      "kind:faq", "*:*", "' OR 1=1 --",
                                      "{{7*7}}", "../../etc/passwd", "NOT NOT NOT"])
def test_query_syntax_and_hostile_text_is_just_text(engine, question):
    answer = ask(engine, question)
    assert answer.answered is False
    assert answer.question == question
    data = answer_json(answer)
    assert data["question"] == question
    assert data["answers"] == []


def test_query_syntax_does_not_change_what_is_searched(engine):
    plain = ask(engine, "Regelbedarf")
    fielded = ask(engine, "title:Regelbedarf")
    assert plain.hits[0].id == fielded.hits[0].id == "faq/regelbedarf-hoehe"
    quoted = ask(engine, 'Regelbedarf" OR "')
    assert quoted.hits[0].id == "faq/regelbedarf-hoehe"
    wildcard = ask(engine, "Regel*")      # no wildcard search: "regel" is just a word
    assert all(t.text != "regel*" for t in wildcard.terms)


def test_question_of_500_characters_is_accepted(engine):
    question = ("Wie hoch ist der Regelbedarf? " * 20)[:MAX_QUESTION_CHARS]
    assert len(question) == 500
    answer = ask(engine, question)
    assert answer.hits[0].id == "faq/regelbedarf-hoehe"


@pytest.mark.parametrize("length", [501, 10_000])
def test_too_long_question_raises_question_error(engine, length):
    with pytest.raises(QuestionError, match="zu lang \\(höchstens 500 Zeichen\\)"):
        ask(engine, "x" * length)


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\x00\x01", "\u200b\u200b"])
def test_empty_question_raises_question_error(engine, question):
    with pytest.raises(QuestionError, match="Bitte geben Sie eine Frage ein"):
        ask(engine, question)


def test_non_text_question_raises_question_error(engine):
    with pytest.raises(QuestionError, match="muss ein Text sein"):
        ask(engine, 42)


# --- normalisation ---------------------------------------------------------------------------

def test_normalise_replaces_control_characters_and_collapses_whitespace():
    assert normalise("Wie\x00 hoch\tist   der\n Regelbedarf?\r\n") == "Wie hoch ist der Regelbedarf?"
    assert normalise("  Miete\u200bund Heizung ") == "Miete und Heizung"


def test_normalise_unifies_unicode_forms():
    assert normalise("Bu\u0308rgergeld") == "Bürgergeld"             # combining umlaut
    assert normalise("Ｒｅｇｅｌｂｅｄａｒｆ") == "Regelbedarf"          # full-width letters


def test_normalised_question_is_answered_like_the_plain_one(engine):
    odd = ask(engine, "Wie\x00 hoch\tist   der\n Regelbedarf?")
    assert odd.question == "Wie hoch ist der Regelbedarf?"
    assert odd.hits[0].id == ask(engine, "Wie hoch ist der Regelbedarf?").hits[0].id == "faq/regelbedarf-hoehe"
    assert ask(engine, "Bu\u0308rgergeld beantragen").hits[0].id == "faq/antrag-stellen"


def test_length_limit_counts_after_normalisation(engine):
    padded = "Wie hoch ist der Regelbedarf?" + " " * 2000
    assert ask(engine, padded).hits[0].id == "faq/regelbedarf-hoehe"


# --- personal data ---------------------------------------------------------------------------

PERSONAL = ("Ich heiße Tanja Berger, meine Mail ist t.berger@example.org, Tel. 0171 2345678, "
            "IBAN DE89 3704 0044 0532 0130 00, BG-Nr. 12345BG0012345, ich wohne in der "
            "Lindenstraße 5, 12345 Musterstadt. Wie beantrage ich Bürgergeld?")


def test_personal_data_does_not_break_answering(engine):
    answer = ask(engine, "Ich heiße Tanja Berger, meine Mail ist t.berger@example.org. "
                         "Wie beantrage ich Bürgergeld?")
    assert answer.answered, answer.reason
    assert answer.hits[0].id == "faq/antrag-stellen"
    # What is stored or shown is the redacted text; the search saw the question as asked,
    # without the words redaction took for personal data that the content never uses.
    assert "Berger" not in answer.redacted and "example.org" not in answer.redacted
    assert not {"tanja", "berger"} & {t.typed for t in answer.terms}


def test_an_ordinary_word_redaction_might_take_for_a_name_is_still_searched(engine):
    answer = ask(engine, "Ich bin die Mutter, wie viel Geld gibt es für Kinder?")
    assert "mutter" in {t.typed for t in answer.terms}


def test_the_label_of_a_piece_of_personal_data_is_not_searched(engine):
    labelled = ask(engine, "Meine BG-Nr. ist 12345BG0012345, wie beantrage ich Bürgergeld?")
    assert "bg" not in {t.typed for t in labelled.terms}
    asked_about = ask(engine, "Wo finde ich meine BG-Nummer?")
    assert "bg" in {t.typed for t in asked_about.terms}


def test_numbers_and_dates_in_the_question_do_not_break_answering(shipped_engine):
    # The shipped content: the classifier's learned counts are those of its passages.
    answer = ask(shipped_engine, "Hallo, hier ist Tanja Berger (BG-Nr. 12345BG0012345, geb. 01.02.1980, "
                         "Tel. 0171 2345678). Wie beantrage ich Bürgergeld?")
    assert answer.answered, answer.reason
    assert answer.hits[0].id == "faq/antrag-stellen"


def test_a_message_full_of_personal_data_is_answered_like_the_bare_question(shipped_engine):
    # On the shipped content: the decline and classifier models were fitted for it (on the
    # small test content this message is answered at 0.64 against a threshold of 0.65).
    plain = ask(shipped_engine, "Wie beantrage ich Bürgergeld?")
    answer = ask(shipped_engine, PERSONAL)
    assert answer.answered, answer.reason
    assert answer.hits[0].id == "faq/antrag-stellen"
    assert answer.confidence >= 0.5 * plain.confidence


def test_personal_data_is_neither_searched_nor_kept_in_the_redacted_text(engine):
    answer = ask(engine, PERSONAL)
    for secret in ("Berger", "t.berger@example.org", "0171", "DE89", "12345BG0012345", "Lindenstraße", "Musterstadt"):
        assert secret not in answer.redacted
    terms = {t.text for t in answer.terms}
    assert not terms & {"tanja", "berg", "berger", "lindenstrass", "musterstadt", "de89"}
    assert answer.question == PERSONAL   # the citizen's own text is answered to, unchanged


def test_redact_replaces_each_kind_of_personal_data():
    text = redact(PERSONAL)
    assert "[Name]" in text and "[E-Mail]" in text and "[Telefon]" in text
    assert "[IBAN]" in text and "[Nummer]" in text and "[Adresse]" in text
    assert text.endswith("Wie beantrage ich Bürgergeld?")


@pytest.mark.parametrize("question", ["zahlen die dann trotzdem die miete",
                                      "bekomme ich dafür auch einen zuschuss"])
def test_a_short_question_pointing_back_is_a_follow_up(shipped_engine, question):
    # Shipped content: the small test content has no "Zuschuss", which makes it a new topic.
    answer = ask(shipped_engine, question, ["Darf ich einen Minijob haben?"])
    assert answer.follow_up
    assert answer.searched.startswith("Darf ich einen Minijob haben?")


def test_a_question_pointing_back_but_complete_in_itself_is_not_merged(engine):
    answer = ask(engine, "Wie viel Geld bekomme ich dann als Alleinerziehende mit zwei Kindern "
                 "vom Jobcenter für die Miete und den Regelbedarf?", ["Darf ich einen Minijob haben?"])
    assert not answer.follow_up
