"""Reindex history across a server restart: runs left "running" by a killed server are
marked failed when the next one starts, runs under way are left alone."""
from __future__ import annotations

import sqlalchemy as sa

from faqbot import db, history
from faqbot.index import reindex_lock

from support import make_app


def _config(content_dir, index_dir, tmp_path, database_url) -> dict:
    return {"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
            "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": database_url, "RATE_LIMIT": "off"}


def _statuses(engine) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        return [(r.status, r.message) for r in conn.execute(sa.select(db.reindex_runs).order_by(db.reindex_runs.c.id))]


def test_reindex_left_running_by_a_killed_server_is_marked_failed_at_start(content_dir, index_dir, tmp_path,
                                                                             database):
    url = database.url.render_as_string(hide_password=False)
    history.start_reindex(database, "eva", trigger="konsole")           # the server died during this one
    done = history.start_reindex(database, "eva", trigger="konsole")
    history.finish_reindex(database, done, status="live", message="Index x ist live.")
    make_app(_config(content_dir, index_dir, tmp_path, url))
    (status, message), finished = _statuses(database)
    assert status == "failed" and "Server wurde beendet" in message
    assert finished == ("live", "Index x ist live.")


def test_reindex_under_way_elsewhere_is_left_running(content_dir, index_dir, tmp_path, database):
    url = database.url.render_as_string(hide_password=False)
    history.start_reindex(database, "eva", trigger="konsole")
    with reindex_lock(index_dir):                    # another process is reindexing
        make_app(_config(content_dir, index_dir, tmp_path, url))
    assert _statuses(database) == [("running", None)]
