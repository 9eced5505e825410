"""Work moved to index time: the precomputed BM25F table and the prepared fuzzy titles give
the same scores and order as Whoosh and rapidfuzz computing them per question."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from rapidfuzz import fuzz, process
from whoosh import query as wq

from faqbot import scores
from faqbot.ask import answer_question, query_terms
from faqbot.evaluation import load_question_set
from faqbot.fuzzy import QUESTION_WORDS, Titles, fuzzy_key
from faqbot.index import FIELD_BOOSTS, current_build, open_build
from faqbot.search import IndexMissing, SearchEngine

from conftest import SHIPPED_CONTENT

QUESTIONS = [q.question for q in load_question_set(SHIPPED_CONTENT / "questions.yaml").questions]


def test_every_precomputed_score_is_whooshs_bm25f_score(shipped_index):
    build = current_build(shipped_index)
    table = scores.load(build)
    ix = open_build(build)
    with ix.searcher(weighting=scores.weighting()) as searcher:
        rows = 0
        for fieldname in FIELD_BOOSTS:
            for raw in searcher.reader().lexicon(fieldname):
                term = raw.decode("utf-8")
                docs, values = table.postings(fieldname, term)
                m = wq.Term(fieldname, term).matcher(searcher)
                whoosh = []
                while m.is_active():
                    whoosh.append((m.id(), m.score()))
                    m.next()
                assert list(zip(docs.tolist(), values.tolist())) == whoosh, (fieldname, term)
                rows += 1
    ix.close()
    assert rows == len(table.rows) > 1000


def test_search_ranks_like_whooshs_or_query_over_the_boosted_fields(shipped_engine):
    snapshot = shipped_engine.snapshot()
    ix = open_build(snapshot.build)
    with ix.searcher(weighting=scores.weighting()) as searcher:
        for question in QUESTIONS[:60]:
            terms = query_terms(question, snapshot)
            if not terms:
                continue
            weights: dict[str, float] = {}
            for t in terms:
                weights[t.text] = max(weights.get(t.text, 0.0), t.weight)
            query = wq.Or([wq.Term(f, text, boost=w * boost) for text, w in weights.items()
                           for f, boost in FIELD_BOOSTS.items()])
            expected = {snapshot.docnums[hit.docnum]: hit.score
                        for hit in searcher.search(query, limit=None)}
            found = snapshot.search(terms, limit=len(expected) or 1)
            assert {c.id for c in found} == set(expected), question
            for c in found:
                assert math.isclose(c.bm25, expected[c.id], rel_tol=1e-9), (question, c.id)
    ix.close()


def test_field_scores_add_up_to_the_bm25f_score_and_name_the_matching_fields(shipped_engine):
    answer = answer_question(shipped_engine, "Wie hoch ist der Regelsatz für Kinder?")
    for hit in answer.hits:
        if hit.bm25:
            assert math.isclose(sum(hit.field_scores.values()), hit.bm25, abs_tol=1e-3)  # rounded
            assert set(hit.field_scores) == set().union(*hit.matched_fields.values())
    assert "title" in answer.hits[0].field_scores


def test_document_frequency_counts_passages_with_the_term_in_any_field(shipped_engine):
    snapshot = shipped_engine.snapshot()
    ix = open_build(snapshot.build)
    reader = ix.reader()
    stems = {t.text for t in query_terms("Bürgergeld Miete Jobcenter Kinderzuschlag", snapshot)}
    assert len(stems) >= 4
    for term in stems:
        docs = set()
        for fieldname in FIELD_BOOSTS:
            if (fieldname, term) in reader:
                docs |= set(reader.postings(fieldname, term).all_ids())
        assert snapshot.doc_frequency(term) == len(docs) > 0, term
    assert snapshot.doc_frequency("gibtesnicht") == 0
    reader.close()
    ix.close()


@pytest.mark.parametrize("damage", ["missing", "truncated", "mismatched"])
def test_a_damaged_score_table_makes_the_index_unusable_not_wrong(index_dir, damage):
    folder = current_build(index_dir) / scores.SCORES_DIR
    if damage == "missing":
        (folder / "values.npy").unlink()
    elif damage == "truncated":
        (folder / "docs.npy").write_bytes((folder / "docs.npy").read_bytes()[:90])
    else:
        meta = json.loads((folder / scores.TERMS_FILE).read_text(encoding="utf-8"))
        meta["rows"] = meta["rows"][:-1]
        (folder / scores.TERMS_FILE).write_text(json.dumps(meta), encoding="utf-8")
    missing = []
    engine = SearchEngine(index_dir, on_missing=missing.append)
    with pytest.raises(IndexMissing, match="nicht lesbar"):
        engine.snapshot()
    assert missing


def test_sort_ratio_equals_rapidfuzz_token_sort_ratio_over_all_titles(shipped_engine):
    titles = shipped_engine.snapshot().titles
    for question in QUESTIONS:
        key = fuzzy_key(question)
        expected = [(i, s) for _, s, i in process.extract(
            key, titles.keys, scorer=fuzz.token_sort_ratio, limit=30, score_cutoff=50)] if key else []
        assert titles.sort_ratio(key, limit=30, cutoff=50) == expected, question


def test_set_ratio_equals_rapidfuzz_token_set_ratio_over_all_titles(shipped_engine):
    titles = shipped_engine.snapshot().faq_titles
    rounded = lambda pairs: [(i, round(s, 6)) for i, s in pairs]  # noqa: E731
    compared = 0
    for question in QUESTIONS:
        key = " ".join(w for w in fuzzy_key(question).split() if w not in QUESTION_WORDS)
        expected = [(i, s) for _, s, i in process.extract(
            key, titles.keys, scorer=fuzz.token_set_ratio, limit=20, score_cutoff=55)] if key else []
        assert rounded(titles.set_ratio(key, limit=20, cutoff=55)) == rounded(expected), question
        compared += bool(expected)
    assert compared > 100


def test_set_ratio_counts_a_title_contained_in_the_question_fully():
    titles = Titles.of([("a", "Bürgergeld beantragen"), ("b", "Miete zahlen"), ("c", "Umzug melden")])
    assert titles.set_ratio("burgergeld beantragen wo genau", limit=3, cutoff=55)[0] == (0, 100.0)
    assert titles.set_ratio("", limit=3, cutoff=55) == []
    only = titles.only(lambda pid: pid != "a")
    assert only.ids == ["b", "c"] and only.set_ratio("miete zahlen", limit=3, cutoff=55)[0] == (0, 100.0)


def test_bm25_formula_matches_whoosh():
    from whoosh.scoring import bm25 as whoosh_bm25
    tf = np.array([1.0, 2.0, 5.0])
    fl = np.array([3.0, 10.0, 40.0])
    ours = scores.bm25(1.7, tf, fl, 12.5)
    assert ours.tolist() == [whoosh_bm25(1.7, t, f, 12.5, scores.B, scores.K1) for t, f in zip(tf, fl)]
