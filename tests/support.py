"""Test helpers shared by the test modules: the real app under waitress on a loopback port."""
from __future__ import annotations

import functools
import http.client
import socket
import threading
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app served by a real waitress server on a loopback port, in a thread."""

    def __init__(self, app, threads: int = 4):
        from faqbot.server import create_server, waitress_settings

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = waitress_settings(threads, int(app.config.get("TRUSTED_PROXIES") or 0))
        settings["ident"] = "faqbot-test"
        self.server = create_server(app, "127.0.0.1", self.port, **settings)
        self._stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # waitress's own run() loops forever; this loop stops between two polls, so closing
        # the sockets never races a select() in this thread.
        from waitress import wasyncore
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.05, map=self.server._map, count=1)

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
        self._stopping.set()
        self.thread.join(timeout=5)
        for channel in list(self.server._map.values()):
            if channel is not self.server:
                channel.close()
        self.server.close()


def wait_until(predicate, timeout: float = 30) -> bool:
    """Poll ``predicate`` until it is true (True) or ``timeout`` seconds pass (False)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def make_app(config: dict):
    """The app on ``config``, its database migrated first (as ``faqbot db upgrade`` does: the
    app itself only checks)."""
    from faqbot import create_app, db, settings

    db.upgrade(settings.resolve(config)["DATABASE_URL"])
    return create_app(config)


def opener_from(source: str, *handlers) -> urllib.request.OpenerDirector:
    """A urllib opener whose connections come from the loopback address ``source`` (all of
    127.0.0.0/8 is local on Linux), so a test server sees different clients without any
    proxy header."""
    class FromSource(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(functools.partial(http.client.HTTPConnection,
                                                  source_address=(source, 0)), req)

    return urllib.request.build_opener(FromSource, *handlers)
