"""The database: staff accounts, citizens' questions and feedback, eval and reindex history.

SQLite in the instance folder by default (nothing to set up); PostgreSQL when
``FAQBOT_DATABASE_URL`` names one, so several app servers share one. The schema is changed only
through Alembic migrations (``src/faqbot/migrations``), applied by ``upgrade()``.
"""
from __future__ import annotations

import datetime as dt
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
)

login_attempts = sa.Table(
    "login_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("ok", sa.Boolean, nullable=False),
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

# Tables holding text that people typed, with the time each row was written. ``prune`` deletes
# their rows after the retention: citizens' questions, the account names typed at sign-in
# (anyone can type anything there), quality reports (their questions may be copied from the
# log) and reindex runs (the reason an editor typed, failures that quote questions).
TYPED_TEXT = (
    (questions, questions.c.asked_at),
    (login_attempts, login_attempts.c.at),
    (eval_runs, eval_runs.c.run_at),
    (reindex_runs, reindex_runs.c.started_at),
)

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def prune(engine: Engine, retention_days: int) -> dict[str, int]:
    """Delete the rows of every table in ``TYPED_TEXT`` older than ``retention_days``;
    returns how many, by table name."""
    cutoff = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(days=retention_days)
    removed = {}
    with engine.begin() as conn:
        for table, written in TYPED_TEXT:
            removed[table.name] = conn.execute(table.delete().where(written < cutoff)).rowcount
    return removed


def default_url(instance_path: Path) -> str:
    return f"sqlite:///{Path(instance_path) / 'faqbot.sqlite3'}"


def get_engine(url: str) -> Engine:
    """One SQLAlchemy engine (with its connection pool) per database URL and process."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
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
