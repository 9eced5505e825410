"""Citizens' words from OpenThesaurus and a German word list, compiled into the lexicon; the
content YAML reader refuses repeated keys; typo correction with a large word list."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from faqbot.analysis import Lexicon, fold
from faqbot.ask import answer_question
from faqbot.cli import cli
from faqbot.content import ContentError, read_yaml
from faqbot.index import load_lexicon, current_build
from faqbot.synonyms import load_synonyms
from faqbot.vocabulary import read_thesaurus, thesaurus_path, thesaurus_synonyms, word_list_path

from conftest import SHIPPED_CONTENT


def require(path, package: str):
    if path is None:
        message = f"Debian's {package} is not installed (./run test installs it)"
        if os.environ.get("CI") or os.environ.get("FAQBOT_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


# --- repeated keys ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, text, line", [
    ("synonyms.yaml", "jobcenter:\n  - amt\nvermögen:\n  - erspartes\njobcenter:\n  - arge\n", 5),
    ("referrals.yaml", "- topic: a\n  where: b\n  where: c\n", 3),
    ("questions.yaml", "thresholds:\n  hit_at_1: 0.8\nquestions:\n  - q: a\n    expect: []\n    q: b\n", 6),
])
def test_a_repeated_key_is_an_error_with_file_and_line(tmp_path, name, text, line):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        read_yaml(path, f"content/{name}")
    problem = caught.value.problems[0]
    assert (problem.path, problem.line) == (f"content/{name}", line)
    assert "kommt doppelt vor" in problem.message


def test_check_fails_on_a_repeated_key_in_the_synonyms(content_dir, runner):
    path = content_dir / "synonyms.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\njobcenter:\n  - arge\n", encoding="utf-8")
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 1
    assert "content/synonyms.yaml:" in result.output and "'jobcenter' kommt doppelt vor" in result.output


def test_check_fails_on_a_repeated_key_in_front_matter(content_dir, runner):
    path = content_dir / "faq" / "minijob.md"
    path.write_text(path.read_text(encoding="utf-8").replace("stand: 2026-11-25\n",
                                                             "stand: 2026-11-25\nstand: 2026-11-26\n"),
                    encoding="utf-8")
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 1
    assert "content/faq/minijob.md:4: Vorspann ist kein gültiges YAML: der Schlüssel 'stand' kommt " \
           "doppelt vor (zuerst in Zeile 3)" in result.output


def test_the_shipped_synonyms_have_no_repeated_key_and_keep_every_mapping():
    synonyms = load_synonyms(SHIPPED_CONTENT)
    for variant in ("sanktion", "kredit", "asyl", "video"):
        assert (variant,) in synonyms, variant


# --- the thesaurus ---------------------------------------------------------------------------

def test_a_thesaurus_set_leads_to_the_content_word_it_holds(tmp_path):
    path = tmp_path / "thesaurus.txt"
    path.write_text("# comment\nPump (ugs.);Darlehen;Kredit\nFisch;Forelle\n", encoding="utf-8")
    sets = read_thesaurus(path)
    table = thesaurus_synonyms(sets, about={"darlehen"}, known={"darlehen"}, editors={})
    assert table == {("kredit",): ("darlehen",), ("pump",): ("darlehen",)}
    # the editors' own table wins
    assert ("kredit",) not in thesaurus_synonyms(sets, {"darlehen"}, {"darlehen"}, {("kredit",): ("darlehen",)})


def test_common_words_are_no_target_of_the_thesaurus(tmp_path):
    path = tmp_path / "thesaurus.txt"
    path.write_text("groß;riesig;gewaltig\n", encoding="utf-8")
    assert thesaurus_synonyms(read_thesaurus(path), about={"gross"}, known={"gross"}, editors={}) == {}


def test_the_index_compiles_the_thesaurus_and_a_thesaurus_word_finds_its_item(shipped_index, shipped_engine):
    require(thesaurus_path(), "openthesaurus-de-text")
    lexicon = load_lexicon(current_build(shipped_index))
    synonyms = load_synonyms(SHIPPED_CONTENT)
    word = ("pump",)                                                    # "auf Pump": on credit
    assert not any(word[0] in variant for variant in synonyms)        # in no synonym entry
    assert "pump" not in lexicon.words                                  # nor in the content
    assert lexicon.thesaurus[word] == ("darlehen",)
    answer = answer_question(shipped_engine, "gibt das jobcenter auch einen pump")
    assert answer.hits[0].item_id in {"faq/darlehen", "glossary/darlehen"}
    # Told as a whole sentence, the wording model (which does not read the thesaurus) puts the
    # question of who gets the benefit first; the loan is still shown (docs/quality.md).
    told = answer_question(shipped_engine, "kann ich vom amt einen pump kriegen")
    assert {"faq/darlehen", "glossary/darlehen"} & {h.item_id for h in told.hits}
    thesaurus = [t for t in answer.terms if t.origin == "thesaurus"]
    assert thesaurus and all(t.weight < 0.7 for t in thesaurus)     # below an editor's synonym


def test_a_correctly_spelled_german_word_is_no_typo_and_a_typo_is_corrected(shipped_index):
    require(word_list_path(), "wngerman")
    lexicon = load_lexicon(current_build(shipped_index))
    assert fold("Waschmaschine") in lexicon.german
    assert lexicon.correct("jobcenetr") == "jobcenter"
    assert lexicon.correct("kontaktpersn") == "kontaktperson"          # a thesaurus word


def test_typo_and_split_caches_are_bounded():
    class SmallLexicon(Lexicon):
        REMEMBERED = 10

    lexicon = SmallLexicon(words={"antrag", "burgergeld"})
    for n in range(50):
        lexicon.correct(f"wortxyz{n}")
        lexicon.split(f"wortxyzab{n}")
    assert lexicon._typo_cache.cache_info().currsize == 10
    assert lexicon._split_cache.cache_info().currsize == 10
