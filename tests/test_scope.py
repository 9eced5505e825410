"""The scope signal: word stems' log-odds of a question being about the content."""
from __future__ import annotations

import datetime as dt

import pytest

from faqbot.ask import answer_question, query_terms
from faqbot.scope import MODEL_FILE, ScopeModel, fit_naive_bayes, load_scope, scope_stems
from faqbot.search import QueryTerm


def term(text: str, origin: str, group: int) -> QueryTerm:
    return QueryTerm(text=text, weight=1.0, group=group, origin=origin)


def test_a_word_stands_by_its_typed_stem_then_by_its_synonyms():
    terms = [term("minjob", "word", 0), term("minijob", "synonym", 0), term("erlaubt", "word", 1),
             term("mini", "part", 0), term("2026", "word", 2), term("gestattet", "thesaurus", 1)]
    assert scope_stems(terms) == (("minjob", "minijob"), ("erlaubt",))


def test_a_misspelled_word_counts_by_the_first_stem_the_model_knows():
    model = ScopeModel(weights={"minijob": 2.0, "erlaubt": -1.0}, provenance={})
    assert model.score((("minjob", "minijob"), ("erlaubt",))) == pytest.approx(0.5)
    assert model.score((("unbekannt",),)) == 0.0


def test_stems_seen_on_one_side_get_their_sign_and_rare_ones_count_less():
    inside = [(("antrag",), ("jobcenter",))] * 20 + [(("selten",),)]
    outside = [(("vermieter",), ("jobcenter",))] * 20 + [(("selten",),)]
    weights = fit_naive_bayes(inside + outside, [1] * 21 + [0] * 21)
    assert weights["antrag"] > 2.0 > -2.0 > weights["vermieter"]
    assert abs(weights["jobcenter"]) < 0.1
    assert abs(weights["selten"]) < 0.1
    unshrunk = fit_naive_bayes(inside + outside, [1] * 21 + [0] * 21, shrink=0.0)
    assert abs(unshrunk["antrag"]) > abs(weights["antrag"])


def test_the_shipped_model_says_how_it_was_fitted():
    model = load_scope(str(MODEL_FILE))
    assert len(model.weights) > 500
    assert model.provenance.get("script") == "bench/fit_decline.py"


def test_near_domain_business_of_others_scores_below_the_contents_own_questions(shipped_engine):
    snapshot = shipped_engine.snapshot()
    model = load_scope()

    def score(text: str) -> float:
        return model.score(scope_stems(query_terms(text, snapshot)))

    assert score("Wie beantrage ich Grundsicherungsgeld beim Jobcenter?") > 0
    assert score("Darf mein Vermieter die Kaltmiete um 20 Prozent erhöhen?") < score(
        "Zahlt das Jobcenter meine Miete?")


def test_the_decline_model_sees_the_scope_signal(shipped_engine):
    answer = answer_question(shipped_engine, "Wie viel darf ich zum Grundsicherungsgeld dazuverdienen?",
                             today=dt.date(2026, 12, 1))
    assert answer.answered
    assert answer.signals.scope > 0
