"""`faqbot ask` and `faqbot eval` on the small test content."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from faqbot.cli import cli
from faqbot.index import current_build

from support import free_port, wait_until


def paths(content_dir: Path, index_dir: Path) -> list[str]:
    return ["--content", str(content_dir), "--index", str(index_dir)]


# --- faqbot ask ------------------------------------------------------------------------------

def test_ask_prints_a_readable_ranked_answer(runner, content_dir, index_dir):
    result = runner.invoke(cli, ["ask", "Wie hoch ist der Regelbedarf?", *paths(content_dir, index_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "1. Wie hoch ist der Regelbedarf?"
    assert lines[1] == "   Alleinstehende und Alleinerziehende erhalten einen Regelbedarf von 563 Euro im Monat. Das ist die Regelbedarfsstufe 1."
    assert ("   Stand: 2026-11-25 · Quelle: https://www.gesetze-im-internet.de/sgb_2/__20.html · "
            "/inhalt/faq/regelbedarf-hoehe · Wert ") in result.output
    # every line of the passage is indented under its number
    assert all(line.startswith("   ") or line == "" or line[0].isdigit() for line in lines)


def test_ask_declines_with_suggestions(runner, content_dir, index_dir):
    result = runner.invoke(cli, ["ask", "asdfgh", *paths(content_dir, index_dir)])
    assert result.exit_code == 0
    assert result.output.startswith("Dazu habe ich keine passende Antwort gefunden.\n")
    assert "Vielleicht meinen Sie:\n  - " in result.output
    assert "(/inhalt/faq/" in result.output
    assert result.output.rstrip().endswith("Persönliche Beratung erhalten Sie bei Ihrem Jobcenter.")


def test_ask_json_is_the_api_answer(runner, content_dir, index_dir):
    result = runner.invoke(cli, ["ask", "--json", "Darf ich einen Minijob haben?", *paths(content_dir, index_dir)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["question"] == "Darf ich einen Minijob haben?"
    assert data["answered"] is True
    assert data["answers"][0]["id"] == "faq/minijob"
    assert data["answers"][0]["url"] == "/inhalt/faq/minijob"
    assert "Bürgergeld" in result.output          # not \u00fc escapes


def test_ask_uses_history(runner, content_dir, index_dir):
    result = runner.invoke(cli, ["ask", "--json", "und im ersten Jahr?", "--history", "Zahlt das Amt meine Miete?",
                                 *paths(content_dir, index_dir)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["answers"][0]["id"] == "faq/kosten-unterkunft-heizung"


def test_ask_too_long_question_is_a_usage_error(runner, content_dir, index_dir):
    result = runner.invoke(cli, ["ask", "x" * 600, *paths(content_dir, index_dir)])
    assert result.exit_code == 2
    assert "Die Frage ist zu lang (höchstens 500 Zeichen)." in result.output


def test_ask_builds_the_index_when_there_is_none(runner, content_dir, tmp_path):
    index_dir = tmp_path / "neu"
    result = runner.invoke(cli, ["ask", "--json", "Wie hoch ist der Regelbedarf?", *paths(content_dir, index_dir)])
    assert result.exit_code == 0, result.output
    assert "Kein (aktueller) Index vorhanden, baue ihn aus den Inhalten ..." in result.stderr
    assert json.loads(result.stdout)["answers"][0]["id"] == "faq/regelbedarf-hoehe"
    assert current_build(index_dir) is not None


def test_an_index_of_an_older_format_is_rebuilt_not_read(runner, content_dir, index_dir):
    old = current_build(index_dir)
    meta = json.loads((old / "meta.json").read_text(encoding="utf-8"))
    del meta["format"]                 # as written before the score table existed
    (old / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    result = runner.invoke(cli, ["ask", "--json", "Wie hoch ist der Regelbedarf?", *paths(content_dir, index_dir)])
    assert result.exit_code == 0, result.output
    assert "Kein (aktueller) Index vorhanden" in result.stderr
    assert current_build(index_dir) != old
    assert json.loads(result.stdout)["answers"][0]["id"] == "faq/regelbedarf-hoehe"


def test_ask_reads_paths_from_the_environment(runner, content_dir, index_dir):
    result = runner.invoke(cli, ["ask", "--json", "Wie hoch ist der Regelbedarf?"],
                           env={"FAQBOT_CONTENT_DIR": str(content_dir), "FAQBOT_INDEX_DIR": str(index_dir)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["answers"][0]["id"] == "faq/regelbedarf-hoehe"


# --- faqbot eval -----------------------------------------------------------------------------

def test_eval_prints_the_metrics_and_passes_on_the_test_set(runner, content_dir, index_dir):
    result = runner.invoke(cli, ["eval", *paths(content_dir, index_dir)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.splitlines()[0].split() == ["Art", "Fragen", "Hit@1", "Hit@3", "MRR", "fälschlich", "abgelehnt"]
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:] if line[:1].isalpha()}
    assert rows["faq"][0] == "10" and rows["glossary"][0] == "2" and rows["interview"][0] == "1"
    assert rows["gesamt"][0] == "13"
    assert float(rows["gesamt"][1]) >= 0.8      # Hit@1, the set's own threshold
    assert "Außerhalb des Themas: 3 Fragen, korrekt abgelehnt" in out
    assert out.rstrip().endswith("Alle Schwellen erreicht.")


def test_eval_exits_1_when_a_threshold_is_not_reached(runner, content_dir, index_dir, tmp_path):
    qfile = tmp_path / "streng.yaml"
    qfile.write_text("thresholds:\n  hit_at_1: 1.01\nquestions:\n"
                     "  - q: wie hoch ist der regelsatz\n    expect: [faq/regelbedarf-hoehe]\n"
                     "  - q: darf ich einen minijob haben\n    expect: [faq/minijob]\n", encoding="utf-8")
    result = runner.invoke(cli, ["eval", "--questions", str(qfile), *paths(content_dir, index_dir)])
    assert result.exit_code == 1
    assert "UNTER DER SCHWELLE: Hit@1 mindestens 1.01, erreicht 1.000" in result.output


def test_eval_lists_failures_with_their_line(runner, content_dir, index_dir, tmp_path):
    qfile = tmp_path / "falsch.yaml"
    qfile.write_text("thresholds:\n  hit_at_1: 0.5\nquestions:\n"
                     "  - q: wie hoch ist der regelsatz\n    expect: [faq/regelbedarf-hoehe]\n"
                     "  - q: darf ich einen minijob haben\n    expect: [faq/vermoegen]\n", encoding="utf-8")
    result = runner.invoke(cli, ["eval", "--questions", str(qfile), *paths(content_dir, index_dir)])
    assert result.exit_code == 0, result.output
    assert "Fehlschläge (1):" in result.output
    assert "Zeile 6: 'darf ich einen minijob haben': zuerst faq/minijob statt faq/vermoegen" in result.output
    quiet = runner.invoke(cli, ["eval", "--no-failures", "--questions", str(qfile), *paths(content_dir, index_dir)])
    assert "Fehlschläge" not in quiet.output


def test_eval_counts_a_wrongly_answered_out_of_scope_question(runner, content_dir, index_dir, tmp_path):
    qfile = tmp_path / "ablehnen.yaml"
    qfile.write_text("thresholds:\n  out_of_scope_declined: 1.0\nquestions:\n"
                     "  - q: wie hoch ist der regelsatz\n    expect: []\n", encoding="utf-8")
    result = runner.invoke(cli, ["eval", "--json", "--questions", str(qfile), *paths(content_dir, index_dir)])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["out_of_scope"] == 1 and data["out_of_scope_declined"] == 0.0
    assert data["failures"][0]["got"][0] == "faq/regelbedarf-hoehe"


def test_eval_json_parses_and_carries_the_metrics(runner, content_dir, index_dir):
    result = runner.invoke(cli, ["eval", "--json", *paths(content_dir, index_dir)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["passed"] is True
    assert data["below"] == []
    assert data["total"]["questions"] == 13
    assert set(data["total"]) >= {"hit_at_1", "hit_at_3", "mrr", "wrongly_declined"}
    assert set(data["by_kind"]) == {"faq", "glossary", "interview"}
    assert data["out_of_scope"] == 3
    assert data["thresholds"] == {"hit_at_1": 0.8, "hit_at_3": 0.9, "out_of_scope_declined": 0.75,
                                  "in_scope_wrongly_declined": 0.2}
    assert 0.8 <= data["total"]["hit_at_1"] <= data["total"]["hit_at_3"] <= 1.0


@pytest.mark.parametrize("text, message", [
    ("thresholds:\n  hit_at_5: 0.5\nquestions:\n  - q: x\n    expect: []\n", "unbekannte Schwelle 'hit_at_5'"),
    ("questions:\n  - expect: [faq/minijob]\n", "jede Frage braucht 'q: <Frage>'"),
    ("questions: [\n", "kein gültiges YAML"),
])
def test_eval_rejects_a_broken_question_file(runner, content_dir, index_dir, tmp_path, text, message):
    qfile = tmp_path / "kaputt.yaml"
    qfile.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["eval", "--questions", str(qfile), *paths(content_dir, index_dir)])
    assert result.exit_code == 2
    assert message in result.output


def test_eval_without_question_file_is_a_usage_error(runner, content_dir, index_dir, tmp_path):
    result = runner.invoke(cli, ["eval", "--questions", str(tmp_path / "fehlt.yaml"), *paths(content_dir, index_dir)])
    assert result.exit_code == 2
    assert "Fragenkatalog nicht gefunden" in result.output


def test_serve_builds_a_missing_index_and_answers_on_loopback(content_dir, tmp_path):
    """The README's start command, as a process: refuses an unmigrated database, then (after
    `faqbot db upgrade`) builds the index and opens it before serving."""
    port = free_port()
    env = {**os.environ, "FAQBOT_INSTANCE_PATH": str(tmp_path / "instance"), "FAQBOT_RATE_LIMIT": "off"}
    command = [str(Path(sys.executable).with_name("faqbot")), "serve", "--host", "127.0.0.1",
               "--port", str(port), "--content", str(content_dir), "--index", str(tmp_path / "index")]
    refused = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "faqbot db upgrade" in refused.stderr
    upgraded = subprocess.run([command[0], "db", "upgrade"], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
    assert upgraded.returncode == 0 and "auf dem neuesten Stand" in upgraded.stdout, upgraded.stderr
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        output = []
        for line in proc.stdout:           # ends if the process dies
            output.append(line)
            if "faqbot läuft auf http://127.0.0.1:" in line:
                break
        assert output and "läuft" in output[-1], "".join(output)

        def health() -> dict | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
                    return json.load(response)
            except urllib.error.URLError:    # waitress binds right after the line
                return None
        assert wait_until(lambda: health() is not None, timeout=10)
        assert health()["status"] == "ok" and health()["index"]["passages"] > 10
        url = f"http://127.0.0.1:{port}/api/ask?q=" + urllib.parse.quote("Wie hoch ist der Regelbedarf?")
        with urllib.request.urlopen(url, timeout=10) as response:
            assert json.load(response)["answers"][0]["id"] == "faq/regelbedarf-hoehe"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
