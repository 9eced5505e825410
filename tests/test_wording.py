"""The wording model: which passage a question is about, from the letters of its words."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest

from faqbot.ask import answer_question, query_terms, question_words, ranked_candidates
from faqbot.ranking import RANKING_FEATURES
from faqbot.wording import (MODEL_FILE, Vocabulary, WordingModel, load_model, pieces, read_model,
                            save_model)


def test_pieces_are_three_to_five_letters_of_each_word_with_its_ends_marked():
    got = pieces(["Miete"])
    assert {"p: mi", "p:mie", "p:iet", "p:ete", "p:te ", "p: mie", "p:miet", "p:iete", "p:ete ",
            "p: miet", "p:miete", "p:iete "} == set(got)
    assert all(n == 1 for n in got.values())


def test_pieces_fold_umlauts_and_a_short_word_counts_once_whole():
    assert pieces(["Bürger"]) == pieces(["buerger"]) == pieces(["burger"])
    assert pieces(["zu"]) == Counter({"p: zu": 1, "p:zu ": 1, "p: zu ": 1})


def test_a_typo_keeps_most_of_a_words_pieces():
    right, typo, other = pieces(["wieviel"]), pieces(["wiviel"]), pieces(["miete"])
    assert len(set(right) & set(typo)) > len(set(right)) / 3
    assert not set(right) & set(other)


def _model() -> WordingModel:
    """Two passages: one about rent (stem "miet", the pieces of "miete"), one about work."""
    docs = [Counter({"s:miet": 1, **pieces(["miete"])}), Counter({"s:arbeit": 1, **pieces(["arbeit"])})]
    vocabulary = Vocabulary.of(docs + docs, min_documents=2)
    weights = np.zeros((2, len(vocabulary.idf)))
    for row, doc in enumerate(docs):
        idx, values = vocabulary.vector(doc)
        weights[row, idx] = values
    return WordingModel.of(["faq/miete", "faq/arbeit"], vocabulary, weights, np.array([-0.5, -0.5]))


def test_stems_and_pieces_are_each_scaled_to_length_one():
    vocabulary = _model().vocabulary
    idx, values = vocabulary.vector(Counter({"s:miet": 2, **pieces(["miete"]), "p:unbekannt": 1}))
    names = {i: f for f, i in vocabulary.index.items()}
    stem_part = [v for i, v in zip(idx, values) if names[i].startswith("s:")]
    piece_part = [v for i, v in zip(idx, values) if names[i].startswith("p:")]
    assert sum(v * v for v in stem_part) == pytest.approx(1.0)
    assert sum(v * v for v in piece_part) == pytest.approx(1.0)


def test_a_misspelled_word_scores_the_passage_of_the_word_it_resembles():
    scores = _model().scores(["mitee"], [("mitee",)])
    assert scores.top(1)[0][0] == "faq/miete"
    assert scores.get("faq/miete", 0.0) > scores.get("faq/arbeit", 0.0)
    assert scores.get("faq/unbekannt", -9.0) == -9.0


def test_support_is_the_score_above_minus_one_and_none_for_an_unknown_passage():
    scores = _model().scores(["miete"], [("miet",)])
    assert scores.support("faq/miete") == pytest.approx(1.0 + scores.get("faq/miete", 0.0))
    assert scores.support("faq/arbeit") == pytest.approx(0.5)      # intercept -0.5, no weight
    assert scores.support("faq/unbekannt") is None
    assert scores.mean_support() == pytest.approx((scores.support("faq/miete") + 0.5) / 2)


def test_the_earlier_question_counts_at_its_weight():
    model = _model()
    alone = model.scores(["und"], [("und",)])
    assert not alone
    after = model.scores(["und"], [("und",)], ["arbeit"], [("arbeit",)], earlier_weight=0.4)
    assert after.top(1)[0][0] == "faq/arbeit"
    full = model.scores(["arbeit"], [("arbeit",)])
    assert after.get("faq/arbeit", 0) - (-0.5) == pytest.approx(0.4 * (full.get("faq/arbeit", 0) - (-0.5)), rel=1e-3)


def test_a_saved_model_reads_back_with_the_same_scores(tmp_path):
    model = _model()
    save_model(model, tmp_path / "m.npz")
    again = read_model(tmp_path / "m.npz")
    for words in (["mitee"], ["arbeit", "miete"]):
        a, b = model.scores(words, []), again.scores(words, [])
        assert np.allclose(a.values, b.values)
    assert again.passages == model.passages


def test_keeping_a_share_of_the_weights_drops_the_smallest():
    vocabulary = _model().vocabulary
    weights = np.arange(2 * len(vocabulary.idf), dtype=float).reshape(2, -1) - 3
    kept = WordingModel.of(["a", "b"], vocabulary, weights, np.zeros(2), keep=0.25)
    assert len(kept.weights) == pytest.approx(0.25 * weights.size, abs=1)
    assert min(abs(kept.weights)) >= np.quantile(abs(weights), 0.75) - 1e-9


def test_the_shipped_model_knows_every_shipped_passage(shipped_engine):
    model = load_model()
    assert MODEL_FILE.exists() and model is not None
    records = shipped_engine.snapshot().records.values()
    assert {rec["id"] for rec in records} <= set(model.passages)
    assert model.provenance["script"] == "bench/fit_ranking.py"


def test_every_candidate_carries_its_wording_support_and_the_best_three_are_candidates(shipped_engine):
    at = RANKING_FEATURES.index("wording")
    snapshot = shipped_engine.snapshot()
    text = "zahlt das amt meine sicherheitsschuhe"
    typed, _ = question_words(query_terms(text, snapshot))
    scores = snapshot.wording().scores(text.split(), typed)
    _, ranked = ranked_candidates(shipped_engine, text, today=dt.date(2026, 12, 1))
    assert ranked
    for hit in ranked:
        assert hit.features[at] == pytest.approx(scores.support(hit.id))
    assert {pid for pid, _ in scores.top(3)} <= {h.id for h in ranked}
    assert max(ranked, key=lambda h: h.features[at]).id == scores.top(1)[0][0]


def test_without_a_wording_model_questions_are_still_answered(shipped_engine):
    snapshot = shipped_engine.snapshot()
    model = snapshot.wording()
    try:
        snapshot.use_wording(None)
        answer = answer_question(shipped_engine, "Wie viel Miete zahlt das Jobcenter?", today=dt.date(2026, 12, 1))
        assert answer.answered and answer.hits
    finally:
        snapshot.use_wording(model)


def test_a_fitted_model_scores_the_passage_whose_questions_are_worded_alike():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from training import fit_wording

    from faqbot.wording import features
    asked = {"faq/miete": ["wer zahlt die miete", "miete zu hoch", "mietkosten übernahme"],
             "faq/urlaub": ["darf ich in urlaub fahren", "urlaub im ausland", "reise genehmigen"],
             "faq/minijob": ["minijob dazuverdienen", "wie viel darf ich im minijob", "nebenjob verdienst"]}
    docs = [(features(q.split(), [(w,) for w in q.split()]), (pid,)) for pid, qs in asked.items() for q in qs]
    model = fit_wording(docs + docs, keep=1.0)
    assert set(model.passages) == set(asked)
    for question, pid in (("mite zahlen", "faq/miete"), ("urlaup ausland", "faq/urlaub"),
                          ("minijobb verdienen", "faq/minijob")):
        assert model.scores(question.split(), [(w,) for w in question.split()]).top(1)[0][0] == pid
