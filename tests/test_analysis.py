"""The German analyzer: each filter alone, then the whole pipeline at index and query time."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from faqbot.analysis import (
    STOP_WORDS,
    Decompounder,
    GermanAnalyzer,
    GermanStemFilter,
    GermanStopFilter,
    Lexicon,
    LowercaseFilter,
    SynonymFilter,
    TypoCorrector,
    UmlautFolding,
    WordTokenizer,
    analyse,
    current_lexicon,
    fold,
    using_lexicon,
)
from faqbot.content import load_content
from faqbot.index import lexicon_for, schema
from faqbot.synonyms import load_synonyms

SHIPPED_CONTENT = Path(__file__).resolve().parents[1] / "content"


def run(chain, text: str, lexicon: Lexicon | None = None, mode: str = "query") -> list[str]:
    """Texts of the tokens ``chain`` makes of ``text`` with ``lexicon`` in force."""
    with using_lexicon(lexicon or Lexicon()):
        return [t.text for t in chain(text, mode=mode)]


def tokens(text: str, lexicon: Lexicon, mode: str = "query") -> list[tuple[str, str]]:
    return [(t.text, t.origin) for t in analyse(text, lexicon, mode=mode)]


FOLD = WordTokenizer() | LowercaseFilter() | UmlautFolding()


@pytest.fixture(scope="module")
def synonyms() -> dict:
    """The shipped synonym table, read by the real loader."""
    return load_synonyms(SHIPPED_CONTENT)


# --- WordTokenizer ---------------------------------------------------------------------------

def test_tokenizer_splits_words_and_hyphenated_compounds_and_drops_punctuation():
    tokens_ = list(WordTokenizer()("Job-Turbo, § 48a SGB II!"))
    assert [t.text for t in tokens_] == ["Job", "Turbo", "48a", "SGB", "II"]
    assert [t.group for t in tokens_] == [0, 1, 2, 3, 4]
    assert {t.origin for t in tokens_} == {"word"}


def test_tokenizer_records_character_offsets_when_asked():
    text = "Antrag stellen"
    tokens_ = list(WordTokenizer()(text, chars=True, positions=True))
    assert [(t.startchar, t.endchar) for t in tokens_] == [(0, 6), (7, 14)]
    assert [text[t.startchar:t.endchar] for t in tokens_] == ["Antrag", "stellen"]


# --- LowercaseFilter and UmlautFolding -------------------------------------------------------

def test_lowercase_filter_lowers_and_remembers_the_typed_word():
    tokens_ = list((WordTokenizer() | LowercaseFilter())("Bürgergeld JOBCENTER"))
    assert [t.text for t in tokens_] == ["bürgergeld", "jobcenter"]
    assert [t.typed for t in tokens_] == ["bürgergeld", "jobcenter"]


@pytest.mark.parametrize("spelling", ["Bürgergeld", "Buergergeld", "Burgergeld", "BÜRGERGELD"])
def test_all_spellings_of_buergergeld_fold_to_one_token(spelling):
    assert run(FOLD, spelling) == ["burgergeld"]


def test_fold_handles_sharp_s_and_other_accents():
    assert fold("Straße") == "strasse"
    assert fold("Größe") == "grosse"
    assert fold("Café") == "cafe"
    assert fold("Häuser") == fold("Haeuser") == "hauser"


def test_umlaut_folding_meets_in_the_whole_pipeline():
    lexicon = Lexicon({"burgergeld"})
    results = {tuple(t for t, _ in tokens(s, lexicon)) for s in ("Bürgergeld", "Buergergeld", "Burgergeld")}
    assert results == {("burgergeld",)}


# --- Decompounder ----------------------------------------------------------------------------

def test_lexicon_splits_compounds_into_known_parts():
    lexicon = Lexicon({"burgergeld", "antrag", "weiterbewilligung", "miete", "schulden"})
    assert lexicon.split("burgergeldantrag") == ["burgergeld", "antrag"]
    # the linking "s" of "Weiterbewilligungs-antrag" is dropped
    assert lexicon.split("weiterbewilligungsantrag") == ["weiterbewilligung", "antrag"]
    # "miet" is "miete" without its e
    assert lexicon.split("mietschulden") == ["miet", "schulden"]
    assert lexicon.split("jobcenter") is None
    assert lexicon.split("antrag") is None


def test_decompounder_adds_parts_and_keeps_the_whole_word():
    lexicon = Lexicon({"burgergeld", "antrag"})
    chain = FOLD | Decompounder()
    with using_lexicon(lexicon):
        out = list(chain("Bürgergeldantrag", mode="query"))
    assert [(t.text, t.origin, t.weight, t.group) for t in out] == [
        ("burgergeldantrag", "word", 1.0, 0),
        ("burgergeld", "part", 0.6, 0),
        ("antrag", "part", 0.6, 0),
    ]


def test_decompounder_splits_weiterbewilligungsantrag_at_index_time():
    lexicon = Lexicon({"weiterbewilligung", "antrag", "weiterbewilligungsantrag"})
    assert run(FOLD | Decompounder(), "Weiterbewilligungsantrag", lexicon, mode="index") == [
        "weiterbewilligungsantrag", "weiterbewilligung", "antrag"]


def test_decompounder_leaves_a_word_the_corpus_knows_whole_alone_at_query_time():
    lexicon = Lexicon({"weiterbewilligung", "antrag", "weiterbewilligungsantrag"})
    assert run(FOLD | Decompounder(), "Weiterbewilligungsantrag", lexicon, mode="query") == [
        "weiterbewilligungsantrag"]


def test_decompounder_leaves_non_compounds_alone():
    lexicon = Lexicon({"burgergeld", "antrag", "jobcenter"})
    assert run(FOLD | Decompounder(), "Jobcenter Regelbedarf", lexicon, mode="index") == [
        "jobcenter", "regelbedarf"]


def test_decompounder_does_nothing_without_a_lexicon():
    assert run(FOLD | Decompounder(), "Bürgergeldantrag", Lexicon(), mode="index") == [
        "burgergeldantrag"]


def test_pipeline_splits_buergergeldantrag_with_the_test_content_lexicon(content_dir):
    lexicon = lexicon_for(load_content(content_dir), load_synonyms(content_dir))
    assert "burgergeldantrag" not in lexicon.words
    assert tokens("bürgergeldantrag", lexicon) == [
        ("burgergeldantrag", "word"), ("burgergeld", "part"), ("antrag", "part")]


def test_pipeline_indexes_the_parts_of_a_compound_whose_stem_differs():
    lexicon = Lexicon({"heizkostennachzahlung", "heizkosten", "nachzahlung"})
    # The Decompounder alone gets it right ...
    assert run(FOLD | Decompounder(), "Heizkostennachzahlung", lexicon, mode="index") == [
        "heizkostennachzahlung", "heizkosten", "nachzahlung"]
    # ... so the pipeline must index the stems of these parts, or "Heizkosten" never finds it.
    assert tokens("Heizkostennachzahlung", lexicon, mode="index") == [
        ("heizkostennachzahl", "word"), ("heizkost", "part"), ("nachzahl", "part")]


def test_pipeline_does_not_split_a_known_whole_word_at_query_time():
    lexicon = Lexicon({"heizkostennachzahlung", "heizkosten", "nachzahlung", "nach", "zahlen"})
    assert tokens("Heizkostennachzahlung", lexicon) == [("heizkostennachzahl", "word")]


# --- SynonymFilter ---------------------------------------------------------------------------

def test_synonym_table_maps_old_words_to_the_content_word(synonyms):
    # Old names find both the Bürgergeld and the Grundsicherungsgeld (since 1 July 2026).
    assert synonyms[("hartz", "4")] == ("burgergeld", "grundsicherungsgeld")
    assert synonyms[("amt",)] == ("jobcenter",)
    assert "burgergeld" in synonyms[("stutze",)]


def test_synonym_filter_adds_the_content_word_for_a_phrase_at_query_time(synonyms):
    lexicon = Lexicon(synonyms=synonyms)
    with using_lexicon(lexicon):
        out = list((FOLD | SynonymFilter())("hartz 4 beantragen", mode="query"))
    texts = [t.text for t in out]
    assert texts[:2] == ["hartz", "4"]          # the typed words stay
    syn = [t for t in out if t.origin == "synonym"]
    assert {t.text for t in syn} >= {"burgergeld", "antrag"}
    burgergeld = next(t for t in syn if t.text == "burgergeld")
    assert burgergeld.weight == pytest.approx(0.7)
    # both words of the phrase count as one typed word
    assert out[0].group == out[1].group == burgergeld.group


def test_synonym_filter_maps_amt_to_jobcenter(synonyms):
    assert run(FOLD | SynonymFilter(), "Amt", Lexicon(synonyms=synonyms)) == ["amt", "jobcenter"]


def test_synonym_filter_adds_nothing_at_index_time(synonyms):
    lexicon = Lexicon(synonyms=synonyms)
    assert run(FOLD | SynonymFilter(), "hartz 4 vom Amt", lexicon, mode="index") == [
        "hartz", "4", "vom", "amt"]


def test_whole_pipeline_expands_synonyms_only_at_query_time(synonyms):
    lexicon = Lexicon({"burgergeld", "jobcenter"}, synonyms)
    assert tokens("hartz 4", lexicon) == [("hartz", "word"), ("4", "word"), ("burgergeld", "synonym"),
                                          ("grundsicherungsgeld", "synonym")]
    assert tokens("hartz 4", lexicon, mode="index") == [("hartz", "word"), ("4", "word")]
    assert ("jobcent", "synonym") in tokens("amt", lexicon)
    assert tokens("amt", lexicon, mode="index") == [("amt", "word")]


# --- TypoCorrector ---------------------------------------------------------------------------

TYPO_LEXICON = Lexicon({"jobcenter", "regelbedarf", "sorgen", "kosten", "antrag", "weiterbewilligungsantrag"})


def test_typo_corrector_replaces_an_unknown_word_by_the_nearest_lexicon_word():
    with using_lexicon(TYPO_LEXICON):
        out = list((FOLD | TypoCorrector())("jobcenetr", mode="query"))
    assert [(t.text, t.origin, t.weight) for t in out] == [("jobcenter", "typo", 0.9)]


def test_typo_corrector_allows_two_edits_in_long_words():
    assert run(FOLD | TypoCorrector(), "weiterbewiligungsantrg", TYPO_LEXICON) == [
        "weiterbewilligungsantrag"]
    assert run(FOLD | TypoCorrector(), "regelbedraf", TYPO_LEXICON) == ["regelbedarf"]


def test_typo_corrector_keeps_common_german_words():
    # "morgen" is one edit from "sorgen" and "kasten" one from "kosten", but both are ordinary
    # German words, not typos
    assert run(FOLD | TypoCorrector(), "morgen", TYPO_LEXICON) == ["morgen"]
    assert run(FOLD | TypoCorrector(), "Kasten", TYPO_LEXICON) == ["kasten"]


def test_typo_corrector_keeps_known_short_and_numeric_words():
    assert run(FOLD | TypoCorrector(), "antrag", TYPO_LEXICON) == ["antrag"]
    assert run(FOLD | TypoCorrector(), "amt", TYPO_LEXICON) == ["amt"]
    assert run(FOLD | TypoCorrector(), "2026", TYPO_LEXICON) == ["2026"]


def test_typo_corrector_keeps_words_too_far_from_any_lexicon_word():
    assert run(FOLD | TypoCorrector(), "asdfgh", TYPO_LEXICON) == ["asdfgh"]


def test_typo_corrector_does_nothing_at_index_time():
    assert run(FOLD | TypoCorrector(), "jobcenetr", TYPO_LEXICON, mode="index") == ["jobcenetr"]


def test_whole_pipeline_corrects_the_typo_and_stems_the_correction():
    assert tokens("jobcenetr", TYPO_LEXICON) == [("jobcent", "typo")]
    assert tokens("kasten", TYPO_LEXICON) == [("kast", "word")]
    assert ("sorg", "typo") not in tokens("morgen", TYPO_LEXICON)


# --- GermanStopFilter ------------------------------------------------------------------------

def test_stop_filter_drops_function_words_and_chat_filler():
    chain = FOLD | GermanStopFilter()
    assert run(chain, "Hallo, wie ist das mit dem Antrag bitte?") == ["antrag"]
    assert run(chain, "hallo danke okay") == []


def test_stop_words_are_folded():
    assert "fur" in STOP_WORDS and "für" not in STOP_WORDS
    assert run(FOLD | GermanStopFilter(), "für über Miete") == ["miete"]


# --- GermanStemFilter ------------------------------------------------------------------------

def test_stem_filter_reduces_words_to_their_snowball_stem():
    chain = FOLD | GermanStemFilter()
    assert run(chain, "Kosten Kindern Anträge") == ["kost", "kind", "antrag"]


def test_stem_filter_leaves_numbers_alone():
    assert run(FOLD | GermanStemFilter(), "563 2026") == ["563", "2026"]


def test_index_and_query_forms_of_a_word_meet():
    lexicon = Lexicon({"kosten", "kinder"})
    assert [t for t, _ in tokens("Kosten der Kinder", lexicon, mode="index")] == \
        [t for t, _ in tokens("kosten kindern", lexicon, mode="query")] == ["kost", "kind"]


# --- Lexicon out of the pickled analyzer -----------------------------------------------------

def test_analyzer_pickles_small_and_without_its_lexicon(content_dir):
    lexicon = lexicon_for(load_content(content_dir), load_synonyms(content_dir))
    analyzer = GermanAnalyzer()
    with using_lexicon(lexicon):
        list(analyzer("Weiterbewilligungsantrag jobcenetr hartz 4", mode="query"))  # warm caches
        data = pickle.dumps(analyzer)
    assert len(data) < 2000
    assert b"weiterbewilligung" not in data and b"burgergeld" not in data


def test_pickled_analyzer_round_trips_and_uses_the_lexicon_in_force(synonyms):
    clone = pickle.loads(pickle.dumps(GermanAnalyzer()))
    assert clone == GermanAnalyzer()
    lexicon = Lexicon({"burgergeld", "antrag", "jobcenter"}, synonyms)
    with using_lexicon(lexicon):
        got = [t.text for t in clone("Bürgergeldantrag vom Amt jobcenetr", mode="query")]
    assert got == [t for t, _ in tokens("Bürgergeldantrag vom Amt jobcenetr", lexicon)]
    assert got == ["burgergeldantrag", "burgergeld", "antrag", "amt", "jobcent", "jobcent"]


def test_index_schema_pickles_without_the_lexicon():
    data = pickle.dumps(schema())
    assert len(data) < 10_000
    assert b"Lexicon" not in data


def test_using_lexicon_is_scoped_to_the_with_block():
    before = current_lexicon()
    lexicon = Lexicon({"jobcenter"})
    with using_lexicon(lexicon):
        assert current_lexicon() is lexicon
    assert current_lexicon() is before


def test_a_typo_as_near_to_two_words_is_corrected_the_same_in_every_process():
    # Set order follows the hash seed, which differs per process: two servers (or two runs)
    # must still read "jobcentr" the same way.
    import os
    import subprocess
    import sys

    code = ("from faqbot.analysis import Lexicon; "
            "print(Lexicon({'jobcentre', 'jobcenter', 'miete'}).correct('jobcentr'))")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip()
            for seed in range(8)}
    assert seen == {"jobcenter"}
