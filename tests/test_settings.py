"""One settings path for the app and every CLI command: defaults < instance/config.py <
FAQBOT_* < explicit values; unknown FAQBOT_ variables reported."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from faqbot import accounts, create_app, db, settings
from faqbot.cli import cli

from support import make_app


def faqbot_command() -> str:
    return str(Path(sys.executable).with_name("faqbot"))


def write_config(instance: Path, **values) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text("".join(f"{k} = {v!r}\n" for k, v in values.items()),
                                        encoding="utf-8")


def test_each_layer_overrides_the_one_before(tmp_path):
    instance = tmp_path / "instance"
    write_config(instance, RETENTION_DAYS=30, RATE_LIMIT="5/minute", FRAME_ANCESTORS="'none'")
    environ = {"FAQBOT_INSTANCE_PATH": str(instance), "FAQBOT_RATE_LIMIT": "7/minute",
               "FAQBOT_FRAME_ANCESTORS": "https://www.example.de"}
    resolved = settings.resolve({"FRAME_ANCESTORS": "'self'"}, environ=environ, cwd=tmp_path)
    assert resolved["MAX_BODY_BYTES"] == 16 * 1024          # default
    assert resolved["RETENTION_DAYS"] == 30                 # config.py
    assert resolved["RATE_LIMIT"] == "7/minute"             # environment over config.py
    assert resolved["FRAME_ANCESTORS"] == "'self'"          # explicit over both
    assert resolved["INSTANCE_PATH"] == instance
    assert resolved["CONTENT_DIR"] == tmp_path / "content"
    assert resolved["DATABASE_URL"] == f"sqlite:///{instance / 'faqbot.sqlite3'}"


def test_environment_values_get_the_settings_types(tmp_path):
    environ = {"FAQBOT_LOG_QUESTIONS": "false", "FAQBOT_RETENTION_DAYS": "14",
               "FAQBOT_TRUSTED_PROXIES": "1"}
    resolved = settings.resolve(environ=environ, cwd=tmp_path)
    assert resolved["LOG_QUESTIONS"] is False
    assert resolved["RETENTION_DAYS"] == 14 and resolved["TRUSTED_PROXIES"] == 1
    with pytest.raises(settings.SettingError, match="FAQBOT_RETENTION_DAYS muss eine ganze Zahl sein"):
        settings.resolve(environ={"FAQBOT_RETENTION_DAYS": "drei"}, cwd=tmp_path)


def test_a_tests_config_wins_over_the_environment(monkeypatch, tmp_path, content_dir, index_dir):
    monkeypatch.setenv("FAQBOT_RETENTION_DAYS", "5")
    monkeypatch.setenv("FAQBOT_CONTENT_DIR", str(tmp_path / "woanders"))
    app = make_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                    "INSTANCE_PATH": str(tmp_path / "instance"), "RETENTION_DAYS": 30})
    assert app.config["RETENTION_DAYS"] == 30
    assert app.config["CONTENT_DIR"] == content_dir


def test_an_unknown_faqbot_variable_is_reported_by_the_app(monkeypatch, caplog, tmp_path, content_dir,
                                                           index_dir):
    monkeypatch.setenv("FAQBOT_RETENTON_DAYS", "30")           # a typo of RETENTION_DAYS
    with caplog.at_level(logging.WARNING, logger="faqbot.settings"):
        app = make_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                        "INSTANCE_PATH": str(tmp_path / "instance")})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("unknown setting FAQBOT_RETENTON_DAYS" in w for w in warnings), warnings
    assert app.config["RETENTION_DAYS"] == 90
    assert "RETENTON_DAYS" not in app.config


def test_an_unknown_faqbot_variable_is_reported_by_the_cli(content_dir, tmp_path):
    env = {**os.environ, "FAQBOT_CONTENT_DIRS": "x", "FAQBOT_INSTANCE_PATH": str(tmp_path / "instance")}
    result = subprocess.run([faqbot_command(), "check", "--content", str(content_dir)], env=env,
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "unknown setting FAQBOT_CONTENT_DIRS" in result.stderr
    env.pop("FAQBOT_CONTENT_DIRS")
    quiet = subprocess.run([faqbot_command(), "check", "--content", str(content_dir)], env=env,
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert "unknown setting" not in quiet.stderr


def test_the_cli_honours_instance_config(tmp_path, content_dir, index_dir):
    """`faqbot user add` writes into the database the server reads, and `faqbot ask` answers
    from the content and index config.py names, with nothing but the instance folder given."""
    instance = tmp_path / "instance"
    database = tmp_path / "elsewhere" / "accounts.sqlite3"
    write_config(instance, DATABASE_URL=f"sqlite:///{database}", CONTENT_DIR=str(content_dir),
                 INDEX_DIR=str(index_dir))
    runner = CliRunner(env={"FAQBOT_INSTANCE_PATH": str(instance)})

    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert database.exists()
    result = runner.invoke(cli, ["user", "add", "eva", "--role", "editor"],
                           input="ein-sicheres-passwort\nein-sicheres-passwort\n")
    assert result.exit_code == 0, result.output
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance)})
    assert app.config["DATABASE_URL"] == f"sqlite:///{database}"
    assert [u.name for u in accounts.list_users(app.extensions["faqbot"].db)] == ["eva"]
    assert not (instance / "faqbot.sqlite3").exists()

    result = runner.invoke(cli, ["ask", "--json", "Wie hoch ist der Regelbedarf?"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["answers"][0]["id"] == "faq/regelbedarf-hoehe"


def test_the_cli_reindexes_into_the_audit_trail_of_the_configured_database(tmp_path, content_dir, index_dir):
    instance = tmp_path / "instance"
    write_config(instance, CONTENT_DIR=str(content_dir), INDEX_DIR=str(index_dir))
    runner = CliRunner(env={"FAQBOT_INSTANCE_PATH": str(instance)})
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(cli, ["reindex", "--quiet", "--reason", "neue Regelsätze"])
    assert result.exit_code == 0, result.output
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance)})
    from faqbot import history
    (run,) = history.reindex_history(app.extensions["faqbot"].db)
    assert (run.trigger, run.reason, run.status) == ("cli", "neue Regelsätze", "live")
    assert run.user and run.items == 12 and run.passages == 13
    assert run.generation == app.extensions["faqbot"].engine.snapshot().meta["generation"]
    assert run.hit_at_1_after is not None and run.finished_at >= run.started_at


def test_a_cli_command_on_an_unmigrated_database_says_what_to_run(tmp_path):
    runner = CliRunner(env={"FAQBOT_INSTANCE_PATH": str(tmp_path / "instance")})
    result = runner.invoke(cli, ["user", "list"])
    assert result.exit_code == 2
    assert "faqbot db upgrade" in result.output


def test_the_app_checks_the_database_but_does_not_migrate_it(tmp_path, content_dir, index_dir):
    config = {"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
              "INSTANCE_PATH": str(tmp_path / "instance")}
    with pytest.raises(db.DatabaseNotCurrent, match="faqbot db upgrade"):
        create_app(config)
    engine = db.get_engine(settings.resolve(config)["DATABASE_URL"])
    assert db.current_revision(engine) is None
