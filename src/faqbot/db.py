"""The database: staff accounts, citizens' questions and feedback, eval history, the audit
trail of every reindex, and proposals for the staff question set.

SQLite in the instance folder by default (nothing to set up); PostgreSQL when
``FAQBOT_DATABASE_URL`` names one, so several app servers share one. The schema is changed only
through Alembic migrations (``src/faqbot/migrations``), applied by ``faqbot db upgrade``
(``upgrade()``; ``./run serve`` runs it before starting), never by starting the app: the app
only checks that the database is at the newest revision (``require_current()``).
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path
from typing import Callable

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

# The audit trail of every reindex, whoever started it: who, when, why, and the figures.
reindex_runs = sa.Table(
    "reindex_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("started_at", sa.DateTime, nullable=False, index=True),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("user", sa.String(80), nullable=False),
    sa.Column("trigger", sa.String(20), nullable=False, server_default="konsole"),  # konsole, cli, recovery
    sa.Column("reason", sa.Text, nullable=True),             # why it was started
    sa.Column("generation", sa.String(60), nullable=True),
    sa.Column("content_version", sa.String(40), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),      # running, live, refused, failed
    sa.Column("items", sa.Integer, nullable=True),
    sa.Column("passages", sa.Integer, nullable=True),
    sa.Column("seconds", sa.Float, nullable=True),
    sa.Column("hit_at_1_before", sa.Float, nullable=True),
    sa.Column("hit_at_1_after", sa.Float, nullable=True),
    sa.Column("forced_reason", sa.Text, nullable=True),
    sa.Column("message", sa.Text, nullable=True),
)

# Questions staff propose for the question set; ``faqbot questions merge`` writes them into
# content/questions.yaml.
question_proposals = sa.Table(
    "question_proposals", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("proposed_at", sa.DateTime, nullable=False, index=True),
    sa.Column("user", sa.String(80), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("expect", sa.Text, nullable=False),             # space-separated ids; empty: decline
    sa.Column("status", sa.String(20), nullable=False, index=True),   # open, merged, discarded
    sa.Column("decided_at", sa.DateTime, nullable=True),
    sa.Column("decided_by", sa.String(80), nullable=True),
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


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (it holds accounts and questions);
    SQLite gives its -wal and -shm files the same mode."""
    if path.exists() or str(path) in ("", ":memory:"):
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
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


# The PostgreSQL advisory lock several servers or commands migrating at once queue on.
MIGRATION_LOCK = 0x66716274   # "fqbt"


class DatabaseNotCurrent(Exception):
    """The database is not at the newest migration; the message says what to run."""


def _alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration's revision."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_current(engine: Engine) -> None:
    """Raise ``DatabaseNotCurrent`` unless the database is at the newest migration."""
    shown = engine.url.render_as_string(hide_password=True)
    try:
        current = current_revision(engine)
    except sa.exc.OperationalError as exc:
        raise DatabaseNotCurrent(f"Die Datenbank ({shown}) ist nicht erreichbar ({exc.orig}). "
                                 "Für eine neue Datenbank: 'faqbot db upgrade' ausführen.") from None
    head = head_revision()
    if current != head:
        raise DatabaseNotCurrent(
            f"Die Datenbank ({shown}) ist auf Stand "
            f"{current or 'leer'}, benötigt wird {head}: bitte 'faqbot db upgrade' ausführen.")


def upgrade(url: str, on_step: Callable[[str, str], None] | None = None) -> str:
    """Apply all Alembic migrations to the database at ``url``; returns the revision reached.
    ``on_step(revision, description)`` is told of each migration applied.

    On PostgreSQL the migrations run under an advisory lock, so that servers or commands
    started together migrate one after the other (the later ones find nothing to do).
    """
    from alembic import command

    if url.startswith("sqlite:///"):
        # The instance folder holds the database and the secret key: for its owner only.
        Path(url[len("sqlite:///"):]).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = get_engine(url)
    config = _alembic_config(url)
    with engine.connect() as conn:
        locked = conn.dialect.name == "postgresql"
        if locked:
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()
        try:
            config.attributes["connection"] = conn
            if on_step is not None:
                config.attributes["on_version_apply"] = lambda ctx, step, heads, run_args: on_step(
                    step.up_revision_id, (step.up_revision.doc or "").strip())
            command.upgrade(config, "head")
            conn.commit()
        finally:
            if locked:
                conn.rollback()
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                conn.commit()
    return current_revision(engine)
