"""Building the index and switching it live: atomic, refused while another build runs,
robust against content errors and a build killed midway."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faqbot.ask import answer_question
from faqbot.cli import cli
from faqbot.content import ContentError
from faqbot.index import (
    KEEP_BUILDS,
    ReindexRunning,
    build_index,
    content_version,
    current_build,
    index_exists,
    load_lexicon,
    read_meta,
    reindex_lock,
)
from faqbot.search import IndexMissing, SearchEngine

from support import wait_until

KINDERZUSCHLAG = """---
title: Was ist der Kinderzuschlag?
stand: 2026-11-25
source: https://www.arbeitsagentur.de/familie-und-kinder/kinderzuschlag-verstehen
questions:
  - Wer bekommt Kinderzuschlag?
  - Kinderzuschlag statt Bürgergeld?
---
Der Kinderzuschlag ist eine Leistung der Familienkasse für Eltern mit kleinem Einkommen. Er
beträgt bis zu 297 Euro im Monat je Kind und kann Bürgergeld überflüssig machen.
"""


def snapshot_of(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"}


def first_id(engine: SearchEngine, question: str) -> str | None:
    answer = answer_question(engine, question)
    return answer.hits[0].id if answer.answered else None


def test_build_writes_a_generation_and_points_current_at_it(content_dir, tmp_path):
    index_dir = tmp_path / "idx"
    assert not index_exists(index_dir)
    result = build_index(content_dir, index_dir)
    link = index_dir / "current"
    assert link.is_symlink()
    assert os.readlink(link) == f"builds/{result.generation}"   # relative: the folder may move
    assert current_build(index_dir) == result.path == index_dir / "builds" / result.generation
    assert (result.items, result.passages) == (12, 13)
    meta = read_meta(result.path)
    assert meta["generation"] == result.generation
    assert (meta["items"], meta["passages"]) == (12, 13)
    assert meta["content_version"] == content_version(content_dir) == result.content_version
    lexicon = load_lexicon(result.path)
    assert {"weiterbewilligungsantrag", "jobcenter", "burgergeld"} <= lexicon.words
    assert lexicon.synonyms[("hartz", "4")] == ("burgergeld",)


def test_reindex_switches_current_to_a_new_generation(content_dir, index_dir):
    first = current_build(index_dir)
    second = build_index(content_dir, index_dir)
    assert second.path != first
    assert current_build(index_dir) == second.path
    assert first.is_dir()   # the previous generation stays for requests still using it


def test_reindex_keeps_only_the_newest_builds(content_dir, index_dir):
    for _ in range(KEEP_BUILDS + 1):
        last = build_index(content_dir, index_dir)
    builds = sorted(p.name for p in (index_dir / "builds").iterdir())
    assert len(builds) == KEEP_BUILDS
    assert builds[-1] == last.generation
    assert current_build(index_dir) == last.path


def test_cli_reindex_reports_the_live_generation(runner, content_dir, index_dir):
    before = current_build(index_dir)
    result = runner.invoke(cli, ["reindex", "--content", str(content_dir), "--index", str(index_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    now = current_build(index_dir)
    assert now != before
    assert f"Index {now.name} ist live: 12 Einträge, 13 Passagen" in result.output


def test_content_error_leaves_the_old_index_serving_and_untouched(runner, content_dir, index_dir, engine):
    before = current_build(index_dir)
    files_before = snapshot_of(index_dir)
    assert first_id(engine, "Wie hoch ist der Regelbedarf?") == "faq/regelbedarf-hoehe"

    path = content_dir / "faq" / "minijob.md"
    path.write_text(path.read_text(encoding="utf-8").replace("stand: 2026-11-25", "stand: bald"),
                    encoding="utf-8")
    result = runner.invoke(cli, ["reindex", "--content", str(content_dir), "--index", str(index_dir), "--quiet"])

    assert result.exit_code == 1
    assert "content/faq/minijob.md:3: 'stand' muss ein Datum" in result.output
    assert "Reindex abgebrochen: der bisherige Index bleibt in Betrieb." in result.output
    assert current_build(index_dir) == before
    assert snapshot_of(index_dir) == files_before
    assert engine.snapshot().meta["generation"] == before.name
    assert first_id(engine, "Wie hoch ist der Regelbedarf?") == "faq/regelbedarf-hoehe"
    with pytest.raises(ContentError):
        build_index(content_dir, index_dir)
    assert current_build(index_dir) == before


def test_second_concurrent_reindex_is_refused_with_a_clear_message(runner, content_dir, index_dir):
    before = current_build(index_dir)
    with reindex_lock(index_dir):
        result = runner.invoke(cli, ["reindex", "--content", str(content_dir), "--index", str(index_dir), "--quiet"])
        assert result.exit_code == 2
        assert "Ein anderer Reindex läuft gerade. Bitte warten, bis er fertig ist." in result.output
        with pytest.raises(ReindexRunning):
            build_index(content_dir, index_dir)
        assert current_build(index_dir) == before
        assert not list((index_dir / "builds").glob(".*.partial"))
    # once the first one is done, a reindex runs again
    result = runner.invoke(cli, ["reindex", "--content", str(content_dir), "--index", str(index_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    assert current_build(index_dir) != before


def write_many_faqs(content_dir: Path, count: int) -> None:
    topics = ["Regelbedarf", "Mehrbedarf", "Unterkunft", "Heizung", "Vermögen", "Einkommen",
              "Freibetrag", "Weiterbildung", "Kinderzuschlag", "Wohngeld"]
    for n in range(count):
        topic = topics[n % len(topics)]
        (content_dir / "faq" / f"erzeugt-{n:04d}.md").write_text(
            f"---\ntitle: Erzeugte Frage {n} zum Thema {topic}\nstand: 2026-11-25\n"
            f"source: https://www.example.org/{n}\nquestions:\n  - Was gilt beim {topic} Nummer {n}?\n"
            f"---\nDieser Eintrag {n} wurde für einen Test erzeugt. Er behandelt {topic} und die "
            f"Frage, wie das Jobcenter im Fall {n} entscheidet. Antragsteller{n} reichen "
            f"Unterlagen{n} ein.\n", encoding="utf-8")


def test_reindex_killed_midway_leaves_the_old_index_and_the_next_one_cleans_up(
        tmp_path, content_dir, index_dir, engine, instance_dir):
    before = current_build(index_dir)
    big = tmp_path / "big"
    shutil.copytree(content_dir, big)
    write_many_faqs(big, 3000)
    builds = index_dir / "builds"

    proc = subprocess.Popen(
        [sys.executable, "-m", "faqbot.cli", "reindex", "--content", str(big), "--index", str(index_dir),
         "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "FAQBOT_INSTANCE_PATH": str(instance_dir)})
    try:
        deadline = time.monotonic() + 60
        while not list(builds.glob(".*.partial")):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the reindex never started writing"
            time.sleep(0.02)
        time.sleep(0.5)
        assert proc.poll() is None, "the reindex finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()

    partials = list(builds.glob(".*.partial"))
    assert len(partials) == 1
    assert current_build(index_dir) == before
    # the running engine and a fresh one still answer from the old generation
    assert first_id(engine, "Wie hoch ist der Regelbedarf?") == "faq/regelbedarf-hoehe"
    assert first_id(SearchEngine(index_dir), "Darf ich einen Minijob haben?") == "faq/minijob"

    result = build_index(content_dir, index_dir)     # the lock died with the killed process
    assert current_build(index_dir) == result.path
    assert not partials[0].exists()
    assert not list(builds.glob(".*.partial"))
    assert first_id(engine, "Wie hoch ist der Regelbedarf?") == "faq/regelbedarf-hoehe"


def test_running_engine_picks_up_a_new_index_without_restart(content_dir, index_dir, engine):
    assert first_id(engine, "Was ist der Kinderzuschlag?") != "faq/kinderzuschlag"
    old = engine.snapshot()
    (content_dir / "faq" / "kinderzuschlag.md").write_text(KINDERZUSCHLAG, encoding="utf-8")
    result = build_index(content_dir, index_dir)

    answer = answer_question(engine, "Was ist der Kinderzuschlag?")
    assert answer.answered
    assert answer.hits[0].id == "faq/kinderzuschlag"
    assert engine.snapshot().build == result.path != old.build
    assert engine.snapshot().doc_count == 14
    # the old generation stays usable for a request that still holds it
    assert old.doc_count == 13 and "faq/kinderzuschlag" not in old.records


def test_server_engine_answers_from_the_old_index_while_the_new_one_opens(content_dir, index_dir):
    engine = SearchEngine(index_dir, switch_in_background=True)
    old = engine.snapshot()
    (content_dir / "faq" / "kinderzuschlag.md").write_text(KINDERZUSCHLAG, encoding="utf-8")
    result = build_index(content_dir, index_dir)

    assert engine.snapshot() is old          # no request waits while the new index opens
    assert wait_until(lambda: engine.snapshot().build == result.path)
    assert first_id(engine, "Was ist der Kinderzuschlag?") == "faq/kinderzuschlag"


def test_a_new_index_that_cannot_be_opened_leaves_the_old_one_serving(content_dir, index_dir):
    missing = []
    engine = SearchEngine(index_dir, on_missing=missing.append, switch_in_background=True)
    old = engine.snapshot()
    result = build_index(content_dir, index_dir)
    (result.path / "scores" / "values.npy").unlink()

    assert engine.snapshot() is old
    assert wait_until(lambda: missing)
    assert "nicht lesbar" in str(missing[0])
    assert engine.snapshot() is old and first_id(engine, "Wie hoch ist der Regelbedarf?")
    assert len(missing) == 1                 # not tried again on every request


def test_engine_refresh_opens_the_new_index_at_once(content_dir, index_dir):
    engine = SearchEngine(index_dir, switch_in_background=True)
    engine.snapshot()
    result = build_index(content_dir, index_dir)
    assert engine.refresh().build == result.path
    assert engine.snapshot().build == result.path


def test_engine_without_an_index_raises_index_missing(tmp_path):
    engine = SearchEngine(tmp_path / "nothing")
    with pytest.raises(IndexMissing, match="faqbot reindex"):
        engine.snapshot()


@pytest.mark.parametrize("name, change", [
    ("faq/minijob.md", "\nNoch ein Satz.\n"),
    ("synonyms.yaml", "\nmiete: [kaltmiete]\n"),
    ("referrals.yaml", "\n- topic: Kfz-Steuer\n  terms: [kfz steuer]\n  where: das Hauptzollamt\n"),
])
def test_content_version_covers_every_file_that_changes_answers(content_dir, name, change):
    before = content_version(content_dir)
    path = content_dir / name
    path.write_text((path.read_text(encoding="utf-8") if path.exists() else "") + change, encoding="utf-8")
    assert content_version(content_dir) != before


def test_content_version_ignores_the_question_set(content_dir):
    before = content_version(content_dir)
    with open(content_dir / "questions.yaml", "a", encoding="utf-8") as f:
        f.write("# a comment\n")
    assert content_version(content_dir) == before
def test_cleanup_never_deletes_the_previous_live_build(content_dir, index_dir, engine):
    previous = current_build(index_dir)
    assert first_id(engine, "Wie hoch ist der Regelbedarf?") == "faq/regelbedarf-hoehe"
    # Two reindexes killed during the quality gate: finished builds that never went live.
    never_live = [previous.with_name(f"{previous.name}-{n}") for n in (1, 2)]
    for build in never_live:
        shutil.copytree(previous, build)
    result = build_index(content_dir, index_dir)
    assert current_build(index_dir) == result.path
    assert previous.exists(), "the build live until just now must stay"
    assert not any(build.exists() for build in never_live)
    # A server still on the previous build answers from it until it switches.
    assert first_id(engine, "Darf ich einen Minijob haben?") == "faq/minijob"
    for _ in range(KEEP_BUILDS + 1):
        before = current_build(index_dir)
        build_index(content_dir, index_dir)
        assert before.exists()
    assert len(list((index_dir / "builds").iterdir())) == KEEP_BUILDS
