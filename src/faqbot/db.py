"""The database: staff accounts, citizens' questions and feedback, eval and reindex history.

SQLite in the instance folder by default (nothing to set up); PostgreSQL when
``FAQBOT_DATABASE_URL`` names one, so several app servers share one. The schema is changed only
through Alembic migrations (``src/faqbot/migrations``), applied by ``upgrade()``.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

metadata = sa.MetaData()

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # Raised at sign-out and at a password change; a session signed with an older one ends.
    sa.Column("session_version", sa.Integer, nullable=False, server_default="0"),
)

login_attempts = sa.Table(
    "login_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("client", sa.String(64), nullable=False, server_default=""),  # never the typed name
)

# Failed sign-ins per typed name and client in the current window (see faqbot.accounts).
login_failures = sa.Table(
    "login_failures", metadata,
    sa.Column("key", sa.String(64), primary_key=True),       # keyed hash of name and client
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("window_start", sa.DateTime, nullable=False, index=True),
)

questions = sa.Table(
    "questions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("asked_at", sa.DateTime, nullable=False, index=True),
    sa.Column("question", sa.Text, nullable=False),          # redacted before it gets here
    sa.Column("answered", sa.Boolean, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("answer_ids", sa.Text, nullable=False),        # space-separated passage ids
    sa.Column("channel", sa.String(20), nullable=False),     # chat, widget, api
    sa.Column("helpful", sa.Boolean, nullable=True),         # the citizen's "War das hilfreich?"
    sa.Column("feedback_at", sa.DateTime, nullable=True),
)

eval_runs = sa.Table(
    "eval_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_at", sa.DateTime, nullable=False, index=True),
    sa.Column("trigger", sa.String(40), nullable=False),     # console, reindex-before, reindex-after
    sa.Column("user", sa.String(80), nullable=True),
    sa.Column("content_version", sa.String(40), nullable=False),
    sa.Column("generation", sa.String(60), nullable=False),
    sa.Column("hit_at_1", sa.Float, nullable=False),
    sa.Column("hit_at_3", sa.Float, nullable=False),
    sa.Column("mrr", sa.Float, nullable=False),
    sa.Column("out_of_scope_declined", sa.Float, nullable=False),
    sa.Column("wrongly_declined", sa.Float, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("report", sa.Text, nullable=False),            # the whole report as JSON
)

reindex_runs = sa.Table(
    "reindex_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("started_at", sa.DateTime, nullable=False, index=True),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("user", sa.String(80), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),      # running, live, refused, failed
    sa.Column("items", sa.Integer, nullable=True),
    sa.Column("passages", sa.Integer, nullable=True),
    sa.Column("seconds", sa.Float, nullable=True),
    sa.Column("hit_at_1_before", sa.Float, nullable=True),
    sa.Column("hit_at_1_after", sa.Float, nullable=True),
    sa.Column("forced_reason", sa.Text, nullable=True),
    sa.Column("message", sa.Text, nullable=True),
)

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def default_url(instance_path: Path) -> str:
    return f"sqlite:///{Path(instance_path) / 'faqbot.sqlite3'}"


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (it holds accounts and questions);
    SQLite gives its -wal and -shm files the same mode."""
    if path.exists() or str(path) in ("", ":memory:"):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def get_engine(url: str) -> Engine:
    """One SQLAlchemy engine (with its connection pool) per database URL and process."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite:///"):
                _create_private(Path(url[len("sqlite:///"):]))
            if url.startswith("sqlite"):
                engine = sa.create_engine(url, connect_args={"check_same_thread": False,
                                                             "timeout": 15})

                @sa.event.listens_for(engine, "connect")
                def _sqlite_pragmas(dbapi_connection, _record):
                    cursor = dbapi_connection.cursor()
                    cursor.execute("PRAGMA journal_mode=WAL")
                    # With WAL, NORMAL is safe against corruption and saves an fsync per write.
                    cursor.execute("PRAGMA synchronous=NORMAL")
                    cursor.execute("PRAGMA foreign_keys=ON")
                    cursor.close()
            else:
                engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
            _engines[url] = engine
        return engine


def upgrade(url: str) -> None:
    """Apply all Alembic migrations to the database at ``url``."""
    from alembic import command
    from alembic.config import Config

    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["engine"] = get_engine(url)
    command.upgrade(config, "head")
