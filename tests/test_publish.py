"""One live generation for several servers (faqbot.publish), in process: two apps with their
own content and index folders on one database, on SQLite and on PostgreSQL. The same through
nginx, Redis and server processes is in test_fleet.py."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from faqbot import db, progress, publish
from faqbot.ask import answer_question
from faqbot.cli import cli
from faqbot.index import build_index, current_build, read_meta
from faqbot.reindex import Audit, reindex

from support import make_app

NEW_ITEM = ("---\ntitle: Gibt es eine Sprechstunde am Samstag?\nstand: 2026-11-25\n"
            "source: https://www.sgb2.info/\nquestions: [\"Hat das Jobcenter samstags offen?\"]\n---\n"
            "Eine Samstagssprechstunde bieten nur wenige Jobcenter an.\n")


def make_server(tmp_path: Path, name: str, content: Path, database_url: str):
    """A server's own content checkout and index folder, on the shared database."""
    own = tmp_path / name
    shutil.copytree(content, own / "content")
    build_index(own / "content", own / "index")
    return make_app({"TESTING": True, "CONTENT_DIR": str(own / "content"),
                     "INDEX_DIR": str(own / "index"), "INSTANCE_PATH": str(own / "instance"),
                     "DATABASE_URL": database_url, "RATE_LIMIT": "off"})


@pytest.fixture
def servers(tmp_path, content_dir, database_url):
    return (make_server(tmp_path, "a", content_dir, database_url),
            make_server(tmp_path, "b", content_dir, database_url))


def follower(app) -> publish.Follower:
    return app.extensions["faqbot"].follower


def served(app) -> dict:
    return app.extensions["faqbot"].engine.snapshot().meta


def roll_out(app, text: str = NEW_ITEM) -> None:
    (Path(app.config["CONTENT_DIR"]) / "faq" / "samstag.md").write_text(text, encoding="utf-8")


def test_first_server_up_publishes_what_it_serves_and_the_next_builds_it_under_that_name(servers):
    a, b = servers
    assert follower(a).check() == "in_step"
    published = publish.latest(a.extensions["faqbot"].db)
    assert published.source == "start" and published.generation == served(a)["generation"]
    assert served(b)["generation"] != published.generation      # built on its own
    assert follower(b).check() == "in_step"
    assert served(b)["generation"] == published.generation
    assert served(b)["content_version"] == published.content_version


def test_a_reindex_on_one_server_is_followed_by_the_other(servers):
    a, b = servers
    follower(a).check()
    follower(b).check()
    roll_out(a)
    roll_out(b)
    outcome = reindex(a.config["CONTENT_DIR"], a.config["INDEX_DIR"],
                      Audit(a.extensions["faqbot"].db, "eva", "konsole"))
    assert not outcome.publish_error
    published = publish.latest(b.extensions["faqbot"].db)
    assert (published.generation, published.user, published.source) == (outcome.result.generation, "eva", "konsole")
    assert published.hit_at_1 == outcome.after.total.hit_at_1
    with b.test_client() as client:
        assert client.get("/healthz").json["status"] == "behind"
    assert follower(b).check() == "in_step"
    assert served(b)["generation"] == outcome.result.generation
    answer = answer_question(b.extensions["faqbot"].engine, "Hat das Jobcenter samstags offen?")
    assert answer.answered and answer.hits[0].item_id == "faq/samstag"
    with b.test_client() as client:
        health = client.get("/healthz").json
    assert health["status"] == "ok" and health["in_step"]
    assert health["index"]["generation"] == health["published"]["generation"] == outcome.result.generation


def test_a_server_without_the_published_content_keeps_serving_and_says_so(servers):
    a, b = servers
    follower(a).check()
    follower(b).check()
    old = served(b)["generation"]
    roll_out(a)                                  # the content reached server A only
    outcome = reindex(a.config["CONTENT_DIR"], a.config["INDEX_DIR"],
                      Audit(a.extensions["faqbot"].db, "eva", "cli"))
    assert follower(b).check() == "behind"
    assert served(b)["generation"] == old
    with b.test_client() as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    health = response.json
    assert health["status"] == "behind" and not health["in_step"]
    assert health["sync"]["state"] == "behind" and "error" not in health["sync"]   # public: no texts
    assert "nicht die veröffentlichten" in follower(b).report()["sync"]["error"]        # staff see why
    assert health["published"]["generation"] == outcome.result.generation
    assert health["index"]["generation"] == old
    roll_out(b)                                  # ... and now to B
    assert follower(b).check() == "in_step"
    assert served(b)["generation"] == outcome.result.generation


def test_a_lost_index_comes_back_as_the_published_generation(servers):
    a, b = servers
    follower(a).check()
    follower(b).check()
    published = publish.latest(b.extensions["faqbot"].db)
    shutil.rmtree(Path(b.config["INDEX_DIR"]))
    recovery = b.extensions["faqbot"].recovery
    assert recovery.start("test")
    recovery.wait(60)
    assert read_meta(current_build(Path(b.config["INDEX_DIR"])))["generation"] == published.generation
    # Through the gated reindex and recorded there, but nothing new published.
    assert publish.latest(b.extensions["faqbot"].db) == published


def test_a_repair_with_other_content_does_not_change_what_the_others_serve(servers):
    a, b = servers
    follower(a).check()
    follower(b).check()
    published = publish.latest(b.extensions["faqbot"].db)
    roll_out(b)                                  # content nobody has reindexed yet
    shutil.rmtree(Path(b.config["INDEX_DIR"]))
    recovery = b.extensions["faqbot"].recovery
    assert recovery.start("test")
    recovery.wait(60)
    assert served(b)["generation"] != published.generation     # it answers again ...
    assert publish.latest(b.extensions["faqbot"].db) == published   # ... on its own
    assert follower(a).check() == "in_step"
    assert follower(b).check() == "behind"


def test_cli_reindex_publishes_in_the_configured_database(runner, servers):
    a, _ = servers
    result = runner.invoke(cli, ["reindex", "--content", str(a.config["CONTENT_DIR"]),
                                 "--index", str(a.config["INDEX_DIR"]), "--quiet"],
                           env={"FAQBOT_DATABASE_URL": a.config["DATABASE_URL"]})
    assert result.exit_code == 0, result.output
    published = publish.latest(a.extensions["faqbot"].db)
    assert published.source == "cli"
    assert published.generation == read_meta(current_build(Path(a.config["INDEX_DIR"])))["generation"]


def test_reindex_progress_is_in_the_database(database):
    from faqbot import history
    run_id = history.start_reindex(database, "eva", trigger="konsole")
    progress.save(database, run_id, phase="Inhalte prüfen")
    reporter = progress.Reporter(database, run_id)
    reporter(1, 10)
    assert progress.load(database, run_id) == {"phase": "Passagen indexieren", "done": 1, "total": 10}
    reporter(10, 10)                             # a new phase is written at once
    assert progress.load(database, run_id)["phase"] == "Fragenkatalog prüfen"
    progress.clear(database, run_id)
    assert progress.load(database, run_id) == {}


def test_db_upgrade_says_which_migrations_it_applied(runner, tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    first = runner.invoke(cli, ["db", "upgrade"], env={"FAQBOT_DATABASE_URL": url})
    assert first.exit_code == 0, first.output
    assert "Migration 0001 angewendet" in first.output and "Migration 0004 angewendet" in first.output
    second = runner.invoke(cli, ["db", "upgrade"], env={"FAQBOT_DATABASE_URL": url})
    assert second.exit_code == 0 and "angewendet" not in second.output, second.output
    names = set(sa.inspect(db.get_engine(url)).get_table_names())
    assert {"index_publications", "reindex_progress"} <= names
