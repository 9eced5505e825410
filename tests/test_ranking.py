"""The ranking model: what it is given of each candidate, how it is fitted, and that the
shipped model orders the shipped content's candidates."""
from __future__ import annotations

import datetime as dt

import pytest

from faqbot.ask import ranked_candidates
from faqbot.ranking import (MODEL_FILE, RANKING_FEATURES, Ranker, asked_part, feature_vector,
                            fit_pairwise, length_factor, load_ranker, sentence_cover)

TODAY = dt.date(2026, 12, 1)


def test_the_asked_part_of_a_story_is_its_last_question():
    story = ("Ich wohne seit drei Jahren in Köln. Mein Vermieter hat die Miete erhöht. "
             "Zahlt das Jobcenter die neue Miete? Ich habe zwei Kinder.")
    assert asked_part(story) == "Zahlt das Jobcenter die neue Miete?"


def test_a_story_without_a_question_mark_is_asked_by_its_last_sentence():
    assert asked_part("Ich habe meinen Job verloren. Antrag stellen wie") == "Antrag stellen wie"


def test_a_one_sentence_question_is_asked_whole():
    assert asked_part("wie viel darf ich dazuverdienen") == "wie viel darf ich dazuverdienen"


def test_sentence_cover_is_the_best_idf_share_of_one_sentence():
    sentences = [{"umzug": 2.0, "kaution": 1.0}, {"miete": 1.0, "erhoh": 1.0, "vermiet": 2.0}]
    assert sentence_cover({"umzug"}, sentences) == pytest.approx(2 / 3)
    assert sentence_cover({"miete", "erhoh", "vermiet"}, sentences) == 1.0
    assert sentence_cover({"rente"}, sentences) == 0.0


def test_length_enters_only_through_products_with_it():
    one_word = feature_vector({"coverage": 1.0}, groups=1)
    ten_words = feature_vector({"coverage": 1.0}, groups=10)
    assert len(one_word) == len(RANKING_FEATURES)
    assert one_word[RANKING_FEATURES.index("coverage_long")] == 0.0
    assert ten_words[RANKING_FEATURES.index("coverage_long")] == 1.0
    assert length_factor(5) == pytest.approx(4 / 9)


def test_pairwise_fit_learns_which_feature_tells_right_from_wrong():
    # Right candidates have the first feature high; the second feature is noise.
    groups = [([(1.0, 0.2 * k % 1)], [(0.1, 0.5), (0.3, 0.9 - 0.1 * k)]) for k in range(10)]
    weights = fit_pairwise(groups, l2=0.1)
    assert weights[0] > 1.0
    assert abs(weights[1]) < weights[0] / 2


def test_the_shipped_model_names_only_known_features_and_says_how_it_was_fitted():
    ranker = load_ranker(str(MODEL_FILE))
    assert set(ranker.weights) <= set(RANKING_FEATURES)
    assert ranker.scale > 0
    assert ranker.provenance.get("script") == "bench/fit_ranking.py"
    assert ranker.provenance.get("training")


def test_a_ranker_scores_by_its_weights_over_its_scale():
    ranker = Ranker(weights={"coverage": 2.0, "bm25": 1.0}, scale=2.0, provenance={})
    vector = feature_vector({"coverage": 0.5, "bm25": 1.0}, groups=1)
    assert ranker.score(vector) == pytest.approx(1.0)


def test_every_candidate_carries_the_vector_it_was_scored_by(shipped_engine):
    answer, ranked = ranked_candidates(shipped_engine, "Zahlt das Jobcenter meinen Umzug?", today=TODAY)
    ranker = load_ranker()
    assert len(ranked) > len(answer.hits)
    assert [h.score for h in ranked] == sorted((h.score for h in ranked), reverse=True)
    for hit in ranked[:5]:
        assert len(hit.features) == len(RANKING_FEATURES)
        assert hit.score == pytest.approx(ranker.score(hit.features), abs=1e-4)
    assert ranked[0].item_id == "faq/umzug"


@pytest.mark.parametrize("question, expected", [
    ("ich habe vom amt einen brief bekommen dass ich geld zurückzahlen soll weil ich angeblich "
     "zu viel bekommen habe. muss ich das wirklich alles auf einmal zurückzahlen?",
     {"faq/rueckforderung", "glossary/rueckforderung"}),
    ("meine frau ist schwanger im vierten monat und wir bekommen grundsicherungsgeld. "
     "gibt es für schwangere mehr geld vom jobcenter?", {"faq/mehrbedarf-schwangerschaft"}),
])
def test_a_situation_told_at_length_finds_the_item_that_answers_it(shipped_engine, question, expected):
    answer, _ = ranked_candidates(shipped_engine, question, today=TODAY)
    assert answer.answered
    assert answer.hits[0].item_id in expected


def test_every_feature_has_a_description_for_staff():
    from faqbot.ranking import BASE_FEATURES, LABELS
    assert set(BASE_FEATURES) <= set(LABELS)
