"""The wording model: which passage a question is about, from the letters of its words."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from faqbot.ask import (answer_question, personal_words, query_terms, rank, ranked_candidates, reading_of,
                        wording_scores)
from faqbot.ranking import RANKING_FEATURES
from faqbot.tuning import FOLLOW_UP_WEIGHT
from faqbot.wording import (MODEL_FILE, Reading, Vocabulary, WordingModel, features, load_model, pieces,
                            plain_words, read_model, save_model)


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


def _read(words, stems) -> Reading:
    return Reading(words=tuple(words), stems=tuple(stems))


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
    scores = _model().scores(_read(["mitee"], [("mitee",)]))
    assert scores.top(1)[0][0] == "faq/miete"
    assert scores.get("faq/miete", 0.0) > scores.get("faq/arbeit", 0.0)
    assert scores.get("faq/unbekannt", -9.0) == -9.0


def test_support_is_the_score_above_minus_one_and_none_for_an_unknown_passage():
    scores = _model().scores(_read(["miete"], [("miet",)]))
    assert scores.support("faq/miete") == pytest.approx(1.0 + scores.get("faq/miete", 0.0))
    assert scores.support("faq/arbeit") == pytest.approx(0.5)      # intercept -0.5, no weight
    assert scores.support("faq/unbekannt") is None
    far = WordingModel.of(["faq/miete", "faq/arbeit"], _model().vocabulary,
                          np.zeros((2, len(_model().vocabulary.idf))), np.array([-1.5, -0.5]))
    assert far.scores(_read(["miete"], [("miet",)])).support("faq/miete") == 0.0   # clipped at 0


def test_the_earlier_question_counts_at_its_weight():
    model = _model()
    assert not model.scores(_read(["und"], [("und",)]))
    own = model.scores(_read(["miete"], [("miet",)]))
    earlier = model.scores(_read(["arbeit"], [("arbeit",)]))
    after = model.scores(Reading(("miete",), (("miet",),), ("arbeit",), (("arbeit",),), earlier_weight=0.4))
    # Scores are linear: intercept + own features + 0.4 x the earlier question's.
    assert np.allclose(after.values, own.values + 0.4 * (earlier.values - model.intercept))


def test_a_saved_model_reads_back_with_the_same_scores(tmp_path):
    model = _model()
    save_model(model, tmp_path / "m.npz")
    again = read_model(tmp_path / "m.npz")
    for words in (["mitee"], ["arbeit", "miete"]):
        a, b = model.scores(_read(words, [])), again.scores(_read(words, []))
        assert np.allclose(a.values, b.values)
    assert again.passages == model.passages
    assert again.columns.dtype == np.int32 and again.weights.dtype == np.float32


def test_a_model_needs_a_row_of_weights_per_passage():
    vocabulary = _model().vocabulary
    with pytest.raises(ValueError):
        WordingModel.of(["a", "b"], vocabulary, np.zeros((1, len(vocabulary.idf))), np.zeros(1))


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
    scores = wording_scores(snapshot, reading_of(query_terms(text, snapshot), plain_words(text)))
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


def test_a_fitted_model_scores_the_passage_whose_questions_are_worded_alike(monkeypatch):
    # (scikit-learn is a dev dependency: ./run test installs it, so this never skips.)
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "bench"))
    from training import design_matrix, fit_wording

    asked = {"faq/miete": ["wer zahlt die miete", "miete zu hoch", "mietkosten übernahme"],
             "faq/urlaub": ["darf ich in urlaub fahren", "urlaub im ausland", "reise genehmigen"],
             "faq/minijob": ["minijob dazuverdienen", "wie viel darf ich im minijob", "nebenjob verdienst"]}

    def read(q):
        return Reading(words=tuple(q.split()), stems=tuple((w,) for w in q.split()))

    docs = [(read(q), (pid,)) for pid, qs in asked.items() for q in qs]
    # A follow-up learns from its own words and the earlier question's at its weight.
    follow_up = Reading(("und", "im", "ausland"), (("ausland",),), ("darf", "ich", "in", "urlaub"),
                        (("urlaub",),), earlier_weight=0.4)
    docs.append((follow_up, ("faq/urlaub",)))
    model = fit_wording(docs + docs, keep=1.0)
    # The fit reads the follow-up as an answer does: its own features and the earlier
    # question's at 0.4, in one row.
    x, labels, _ = design_matrix(docs, model.vocabulary)
    row = x[len(docs) - 1].toarray()[0]
    own_idx, own_values = model.vocabulary.vector(features(follow_up.words, follow_up.stems))
    earlier_idx, earlier_values = model.vocabulary.vector(features(follow_up.earlier_words, follow_up.earlier_stems))
    expected = np.zeros(len(model.vocabulary.idf))
    np.add.at(expected, own_idx, own_values)
    np.add.at(expected, earlier_idx, 0.4 * earlier_values)
    assert labels[len(docs) - 1] == "faq/urlaub" and len(earlier_idx)
    assert np.allclose(row, expected)
    # At answer time the same: the margins are the weights times that row.
    assert np.allclose(model.scores(follow_up).values,
                       model.margins(np.flatnonzero(row), row[np.flatnonzero(row)]))
    assert set(model.passages) == set(asked)
    for question, pid in (("mite zahlen", "faq/miete"), ("urlaup ausland", "faq/urlaub"),
                          ("minijobb verdienen", "faq/minijob")):
        assert model.scores(read(question)).top(1)[0][0] == pid


def test_which_name_or_number_a_question_carries_does_not_change_the_wording_scores(shipped_engine):
    snapshot = shipped_engine.snapshot()

    def scores(text):
        return wording_scores(snapshot, Reading(words=tuple(plain_words(text, personal_words(text, snapshot))))).values

    def supports(text, history=()):
        # Through the answering path: what each ranked candidate got as its wording feature.
        answer, ranked = ranked_candidates(shipped_engine, text, history, today=dt.date(2026, 12, 1))
        at = RANKING_FEATURES.index("wording")
        return answer.reading, {h.id: h.features[at] for h in ranked}

    plain = scores("Ich heiße Tanja Kowalski, wie hoch ist die Mietkaution?")
    assert np.allclose(plain, scores("Ich heiße Olga Nowak, wie hoch ist die Mietkaution?"))
    assert np.allclose(scores("Wie hoch ist die Mietkaution? Tel. 0171 2345678"),
                       scores("Wie hoch ist die Mietkaution? Tel. 0160 9876543"))
    for first, second, history in (
            ("Ich heiße Tanja Kowalski, wie hoch ist die Mietkaution?",
             "Ich heiße Olga Nowak, wie hoch ist die Mietkaution?", ()),
            ("und für meine Tochter Lena?", "und für meine Tochter Emily?",
             ("Ich bin Tanja Kowalski, Tel. 0171 2345678. Wie hoch ist der Regelbedarf?",))):
        reading, got = supports(first, history)
        again, other = supports(second, tuple(h.replace("Tanja Kowalski", "Olga Nowak")
                                                              .replace("0171 2345678", "0160 9876543")
                                                              for h in history))
        # (Which candidates the fuzzy title match adds may differ with the name; the wording
        # model's support of each may not.)
        both = got.keys() & other.keys()
        assert reading == again and len(both) > 10
        assert all(got[pid] == other[pid] for pid in both)
        read = set(reading.words) | set(reading.earlier_words)
        assert not read & {"tanja", "kowalski", "olga", "nowak", "lena", "emily", "0171", "2345678"}
    assert plain_words("Mietkaution 2026 für Tanja, Tel. 0171/234", {"tanja"}) == ["mietkaution", "fur", "tel"]


def test_a_passage_the_model_does_not_know_gets_the_median_candidates_support(engine):
    snapshot = engine.snapshot()
    shipped = load_model()
    known = ("faq/minijob", "faq/regelbedarf-kinder", "faq/antrag-stellen")
    rows = [shipped.index[pid] for pid in known]
    dense = np.zeros((len(shipped.passages), len(shipped.vocabulary.idf)))
    for at in range(len(shipped.indptr) - 1):
        span = slice(shipped.indptr[at], shipped.indptr[at + 1])
        dense[shipped.columns[span], at] = shipped.weights[span]
    partial = WordingModel.of(known, shipped.vocabulary, dense[rows], shipped.intercept[rows])
    at = RANKING_FEATURES.index("wording")
    try:
        snapshot.use_wording(partial)
        text = "Regelbedarf für Kinder, Miete und Minijob"
        terms = query_terms(text, snapshot)
        hits = rank(terms, text, snapshot, dt.date(2026, 12, 1), reading_of(terms, plain_words(text)))
    finally:
        snapshot.use_wording(shipped)
    supports = sorted(h.features[at] for h in hits if h.id in known)
    unknown = [h.features[at] for h in hits if h.id not in known]
    assert unknown and supports[len(supports) // 2] > 0
    assert all(v == pytest.approx(supports[len(supports) // 2]) for v in unknown)


def test_using_another_wording_model_forgets_the_answers_given(engine):
    first = answer_question(engine, "Wie hoch ist der Regelbedarf?", today=dt.date(2026, 12, 1))
    engine.snapshot().use_wording(None)
    again = answer_question(engine, "Wie hoch ist der Regelbedarf?", today=dt.date(2026, 12, 1))
    assert again is not first


def test_a_follow_up_is_read_with_its_earlier_question_at_the_follow_up_weight_without_names_or_numbers(shipped_engine):
    answer = answer_question(shipped_engine, "und für meine Tochter Lena, 7 Jahre?",
                             history=["Wie viel Regelbedarf bekommt Tanja Kowalski 2026?"],
                             today=dt.date(2026, 12, 1))
    reading = answer.reading
    assert answer.follow_up and reading.earlier_weight == FOLLOW_UP_WEIGHT
    assert "regelbedarf" in reading.earlier_words and "tochter" in reading.words
    read = set(reading.words) | set(reading.earlier_words)
    assert not read & {"lena", "tanja", "kowalski", "7", "2026"}
    alone = answer_question(shipped_engine, "Wie viel Regelbedarf bekommt ein Kind?", today=dt.date(2026, 12, 1))
    assert alone.reading.earlier_weight == 0 and not alone.reading.earlier_words


def test_the_fit_reads_each_training_question_as_its_answer_does(shipped_engine, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "bench"))
    from training import labelled_questions, wording_documents

    questions = labelled_questions(shipped_engine, dt.date(2026, 12, 1),
                                   [Path(__file__).resolve().parents[1] / "bench" / "holdout-2026-12k.yaml"])
    in_scope = [q for q in questions if q.labels]
    assert len(in_scope) < len(questions)
    docs = wording_documents(shipped_engine, questions)
    # The in-scope questions first (follow-ups too, out of scope never), then the content.
    assert docs[:len(in_scope)] == [(q.reading, q.labels) for q in in_scope]
    records = shipped_engine.snapshot().records.values()
    assert len(docs) == len(in_scope) + sum(1 + len(rec["questions"]) for rec in records)
    assert all(labels for _, labels in docs)
    assert all(not r.earlier_words for r, _ in docs[len(in_scope):])
    follow_ups = [q for q in in_scope if q.question.history]
    assert any(q.reading.earlier_weight and q.reading.earlier_words for q in follow_ups)
    for q in follow_ups + in_scope[:20]:
        answer = answer_question(shipped_engine, q.question.question, q.question.history,
                                 today=dt.date(2026, 12, 1))
        assert answer.reading == q.reading
