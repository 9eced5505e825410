"""The passage classifier: which passage questions worded like this one were about."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from faqbot.ask import answer_question, query_terms, ranked_candidates
from faqbot.classifier import MODEL_FILE, PassageClassifier, counts_of, load_learned
from faqbot.scope import scope_stems
from faqbot.wording import read_model as read_wording


def test_a_text_counts_each_word_once_split_among_its_passages():
    counts = counts_of([((("miet",), ("miet",), ("zahl",)), ("faq/a", "faq/b")),
                        ((("miet",),), ("faq/a",))])
    assert counts == {"faq/a": {"miet": 1.5, "zahl": 0.5}, "faq/b": {"miet": 0.5, "zahl": 0.5}}


def test_posteriors_favour_the_passage_whose_questions_use_the_words():
    classifier = PassageClassifier.of({"faq/miete": {"miet": 3, "wohnung": 2}, "faq/job": {"arbeit": 3}}, {})
    p = classifier.posteriors((("miet",), ("wohnung",)))
    assert sum(p.as_dict().values()) == pytest.approx(1.0)
    assert p.get("faq/miete") > 0.9
    assert p.top(1) == [("faq/miete", p.get("faq/miete"))]
    unknown = classifier.posteriors((("unbekannt",),))
    assert not unknown and unknown.top(3) == [] and unknown.get("faq/miete") == 0.0


def test_a_misspelled_word_counts_by_the_first_stem_the_classifier_knows():
    classifier = PassageClassifier.of({"faq/miete": {"miet": 3}, "faq/job": {"arbeit": 3}}, {})
    assert classifier.posteriors((("mite", "miet"),)).get("faq/miete") > 0.9


def test_learned_counts_add_to_the_content_and_a_removed_passage_is_ignored():
    content = {"faq/miete": {"miet": 1}, "faq/job": {"arbeit": 1}}
    plain = PassageClassifier.of(content, {})
    learned = PassageClassifier.of(content, {"faq/miete": {"bude": 4}, "faq/weg": {"arbeit": 9}})
    assert "bude" not in plain.log_p
    assert learned.posteriors((("bude",),)).get("faq/miete") > 0.9
    assert "faq/weg" not in learned.passages
    where, _ = learned.log_p["arbeit"]
    assert [learned.passages[i] for i in where] == ["faq/job"]


def test_in_a_follow_up_the_new_words_outweigh_the_earlier_ones():
    classifier = PassageClassifier.of({"faq/hoehe": {"regelbedarf": 3, "hoch": 2},
                                       "faq/kinder": {"regelbedarf": 1, "kind": 3}}, {})
    words, earlier = (("kind",),), (("regelbedarf",), ("hoch",))
    assert classifier.posteriors(words + earlier).get("faq/hoehe") > 0.5
    assert classifier.posteriors(words, earlier, earlier_weight=0.4).get("faq/kinder") > 0.5


def test_every_passage_of_the_index_is_known_from_its_own_titles_and_questions(engine):
    snapshot = engine.snapshot()
    classifier = snapshot.classifier()
    assert set(classifier.passages) == {rec["id"] for rec in snapshot.records.values()}
    words = scope_stems(query_terms("Bürgergeld für Kinder", snapshot))
    assert classifier.posteriors(words).top(1)[0][0] == "faq/regelbedarf-kinder"


def test_a_wording_learned_from_questions_finds_a_passage_that_shares_no_word_with_it(engine):
    snapshot = engine.snapshot()
    question = "Gibt es Knete für Knirpse?"      # no passage has either word
    snapshot.use_classifier({})
    snapshot.use_wording(None)                   # (whose pieces of letters would find some)
    _, before = ranked_candidates(engine, question, today=dt.date(2026, 12, 1))
    assert before == []
    taught = scope_stems(query_terms("Wie viel Knete bekommen Knirpse vom Amt?", snapshot))
    snapshot.use_classifier(counts_of([(taught, ("faq/regelbedarf-kinder",))] * 3))
    _, after = ranked_candidates(engine, question, today=dt.date(2026, 12, 1))
    assert after[0].id == "faq/regelbedarf-kinder"


def test_using_another_classifier_forgets_the_answers_given(engine):
    first = answer_question(engine, "Wie hoch ist der Regelbedarf?", today=dt.date(2026, 12, 1))
    engine.snapshot().use_classifier({})
    again = answer_question(engine, "Wie hoch ist der Regelbedarf?", today=dt.date(2026, 12, 1))
    assert again is not first


def test_the_shipped_model_was_learned_from_training_sets_only():
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    training = data["provenance"]["training"]
    assert data["provenance"]["script"] == "bench/fit_ranking.py"
    assert "content/questions.yaml" in training
    assert len(load_learned()) > 100


REPORTING_HOLDOUTS = ("bench/holdout-2026-12w.yaml", "bench/holdout-2026-12x.yaml")


@pytest.mark.parametrize("model", ["classifier", "ranking", "decline", "scope", "wording"])
def test_no_shipped_model_learned_from_the_holdouts_that_report_quality(model):
    if model == "wording":
        training = read_wording(MODEL_FILE.parent / "wording_model.npz").provenance["training"]
    else:
        path = MODEL_FILE.parent / f"{model}_model.json"
        training = json.loads(path.read_text(encoding="utf-8"))["provenance"]["training"]
    assert "content/questions.yaml" in training
    assert not set(REPORTING_HOLDOUTS) & set(training)
    for name in REPORTING_HOLDOUTS:
        assert (Path(__file__).resolve().parents[1] / name).exists(), name
