"""Shared fixtures: real content on disk, a real Whoosh index, the real app under waitress."""
from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import waitress
from click.testing import CliRunner

from faqbot import create_app
from faqbot.index import build_index
from faqbot.search import SearchEngine

HERE = Path(__file__).parent
TEST_CONTENT = HERE / "data" / "content"
SHIPPED_CONTENT = HERE.parent / "content"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app served by a real waitress server on a loopback port, in a thread."""

    def __init__(self, app, threads: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = waitress.create_server(app, host="127.0.0.1", port=self.port,
                                             threads=threads, ident="faqbot-test")
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("waitress did not start")

    def __exit__(self, *exc) -> None:
        self.server.close()


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
    return create_app({"TESTING": True, "CONTENT_DIR": str(content_dir),
                       "INDEX_DIR": str(index_dir)})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


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
def shipped_app(shipped_index: Path):
    return create_app({"TESTING": True, "CONTENT_DIR": str(SHIPPED_CONTENT),
                       "INDEX_DIR": str(shipped_index)})


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
