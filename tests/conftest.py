"""Shared fixtures: real content on disk, a real Whoosh index, the real app under waitress."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from faqbot.index import build_index
from faqbot.search import SearchEngine

from support import LiveServer, make_app

HERE = Path(__file__).parent
TEST_CONTENT = HERE / "data" / "content"
SHIPPED_CONTENT = HERE.parent / "content"
# The shipped app answers as of this day: after the change of 1 July 2026, a month before the
# Minijob version of 1 January 2027 (so that it shows as coming).
SHIPPED_TODAY = "2026-12-01"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of the small test content set, safe to change in a test."""
    target = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, target)
    return target


@pytest.fixture
def index_dir(tmp_path: Path, content_dir: Path) -> Path:
    """A real index built from ``content_dir``."""
    target = tmp_path / "index"
    build_index(content_dir, target)
    return target


@pytest.fixture
def engine(index_dir: Path) -> SearchEngine:
    return SearchEngine(index_dir)


@pytest.fixture
def app(content_dir: Path, index_dir: Path, tmp_path: Path):
    return make_app({"TESTING": True, "CONTENT_DIR": str(content_dir),
                       "INDEX_DIR": str(index_dir), "INSTANCE_PATH": str(tmp_path / "instance"),
                       "RATE_LIMIT": "off"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def instance_dir(tmp_path: Path) -> Path:
    """An instance folder whose (SQLite) database is migrated."""
    from faqbot import db

    target = tmp_path / "instance"
    db.upgrade(db.default_url(target))
    return target


@pytest.fixture
def runner(instance_dir: Path) -> CliRunner:
    """Runs CLI commands with their own instance folder (settings, database)."""
    return CliRunner(env={"FAQBOT_INSTANCE_PATH": str(instance_dir)})


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory) -> Path:
    """A real index of the shipped content, built once per test session."""
    target = tmp_path_factory.mktemp("shipped") / "index"
    build_index(SHIPPED_CONTENT, target)
    return target


@pytest.fixture(scope="session")
def shipped_engine(shipped_index: Path) -> SearchEngine:
    return SearchEngine(shipped_index)


@pytest.fixture(scope="session")
def shipped_app(shipped_index: Path, tmp_path_factory):
    return make_app({"TESTING": True, "CONTENT_DIR": str(SHIPPED_CONTENT),
                       "INDEX_DIR": str(shipped_index),
                       "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
                       "RATE_LIMIT": "off", "TODAY": SHIPPED_TODAY})


@pytest.fixture(scope="session")
def live_server(shipped_app):
    """The app with the shipped content under a real waitress server on loopback."""
    with LiveServer(shipped_app) as server:
        yield server


@pytest.fixture
def small_live_server(app):
    """The app with the small test content (its index may be rebuilt by the test)."""
    with LiveServer(app) as server:
        yield server


# Databases ------------------------------------------------------------------------------------

import os  # noqa: E402

import sqlalchemy as sa  # noqa: E402


def _postgres_url() -> str | None:
    url = os.environ.get("FAQBOT_TEST_POSTGRES_URL")
    if not url and os.environ.get("FAQBOT_REQUIRE_POSTGRES") == "1":
        pytest.fail("FAQBOT_REQUIRE_POSTGRES=1 but FAQBOT_TEST_POSTGRES_URL is not set")
    return url


def _fresh_postgres(url: str) -> str:
    """Empty the test database so each test starts from the migrations."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    from faqbot import db
    with db._lock:
        stale = db._engines.pop(url, None)
    if stale is not None:
        stale.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    """A fresh, empty database: SQLite in tmp_path, and the PostgreSQL server of the test run."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    url = _postgres_url()
    if not url:
        pytest.skip("no PostgreSQL server (set FAQBOT_TEST_POSTGRES_URL)")
    return _fresh_postgres(url)


@pytest.fixture
def postgres_url() -> str:
    """A fresh, empty database on the PostgreSQL server of the test run (for what only
    PostgreSQL has)."""
    url = _postgres_url()
    if not url:
        pytest.skip("no PostgreSQL server (set FAQBOT_TEST_POSTGRES_URL)")
    return _fresh_postgres(url)


@pytest.fixture
def database(database_url: str):
    """A migrated database engine."""
    from faqbot import db
    db.upgrade(database_url)
    return db.get_engine(database_url)
