"""Running the app under waitress with measured settings."""
from __future__ import annotations

import html
import json
import logging

from .services import services

# Chosen by measurement (docs/benchmarks.md): answering is CPU-bound under the GIL, so more
# threads than this only add queueing; the connection limit and small body limit keep slow or
# hostile clients from tying the server up.
THREADS = 6
CONNECTION_LIMIT = 200
CHANNEL_TIMEOUT = 30
# waitress's own limits sit well above the app's (MAX_BODY_BYTES, MAX_URL_CHARS), so that the
# app refuses what is too big, with a JSON answer under /api and a page elsewhere. Past these,
# waitress refuses by itself, through ``FaqbotErrorTask`` (JSON or HTML as well).
MAX_REQUEST_BODY = 1024 * 1024
MAX_REQUEST_HEADER = 256 * 1024
# On SIGTERM (systemd's stop), the requests in flight get this long to finish.
DRAIN_SECONDS = 5.0


def waitress_settings(threads: int | None = None, trusted_proxies: int = 0) -> dict:
    """waitress's settings. With trusted proxies, waitress passes their X-Forwarded-* headers
    on and the app's ProxyFix reads exactly that many hops; otherwise waitress drops them."""
    return {
        "clear_untrusted_proxy_headers": not trusted_proxies,
        "threads": threads or THREADS,
        "connection_limit": CONNECTION_LIMIT,
        "max_request_body_size": MAX_REQUEST_BODY,
        "max_request_header_size": MAX_REQUEST_HEADER,
        "channel_timeout": CHANNEL_TIMEOUT,
        "cleanup_interval": 10,
        "ident": "faqbot",
    }


def _error_task_class():
    from waitress.task import ErrorTask

    class FaqbotErrorTask(ErrorTask):
        """waitress's own refusals (a body or headers past its limits, a malformed request)
        in the app's manner: JSON under /api, a short German page elsewhere, never text/plain."""

        def execute(self):
            error = self.request.error
            path = _requested_path(self.request)
            if path.startswith("/api/"):
                body = json.dumps({"error": WAITRESS_MESSAGES.get(error.code, error.reason)},
                                  ensure_ascii=False).encode("utf-8")
                content_type = "application/json"
            else:
                message = html.escape(WAITRESS_MESSAGES.get(error.code, error.reason))
                body = (f'<!doctype html><html lang="de"><meta charset="utf-8"><title>Fehler {error.code}'
                        f'</title><h1>{message}</h1><p><a href="/">Zurück zum Chat</a></p></html>').encode("utf-8")
                content_type = "text/html; charset=utf-8"
            self.status = f"{error.code} {error.reason}"
            self.response_headers.append(("Content-Type", content_type))
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    return FaqbotErrorTask


WAITRESS_MESSAGES = {
    400: "Die Anfrage ist ungültig.",
    413: "Die Anfrage ist zu groß.",
    431: "Die Kopfzeilen der Anfrage sind zu groß.",
    500: "Ein interner Fehler ist aufgetreten.",
    501: "Diese Übertragungsart wird nicht unterstützt.",
}


def _requested_path(request) -> str:
    """The path of a request waitress refused: parsed when the headers were read, else the
    request line at the start of what arrived."""
    if getattr(request, "path", "") and request.path != "/":
        return request.path
    first_line = bytes(getattr(request, "header_plus", b"") or b"").split(b"\r\n", 1)[0]
    parts = first_line.split(b" ")
    return parts[1].decode("latin-1") if len(parts) >= 2 else ""


def create_server(app, host: str, port: int, **settings):
    """A waitress server for ``app`` whose own error answers are JSON under /api."""
    import waitress
    from waitress.channel import HTTPChannel

    class Channel(HTTPChannel):
        error_task_class = _error_task_class()

    server = waitress.create_server(app, host=host, port=port, **settings)
    # One listening socket, or several (a host name with IPv4 and IPv6 addresses).
    listeners = [server] if hasattr(server, "channel_class") else [
        each for each in server.map.values() if hasattr(each, "channel_class")]
    for listener in listeners:
        listener.channel_class = Channel
    return server


def run(host: str, port: int, threads: int | None, explicit: dict | None = None) -> None:
    """Build the index if it is missing, then serve the app until stopped (Ctrl-C or SIGTERM).

    On the way out the requests in flight are finished and the question log writes what it
    still holds.
    """
    import time

    from . import create_app, questionlog
    from .index import ReindexRunning, index_exists
    from .search import IndexMissing

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app(explicit)
    content_dir, index_dir = app.config["CONTENT_DIR"], app.config["INDEX_DIR"]
    follower = services(app).follower
    if not index_exists(index_dir):
        logging.getLogger("faqbot").info("no usable index in %s, building it from %s", index_dir, content_dir)
        try:
            follower.rebuild()   # the published generation, when this server has its content
        except ReindexRunning:
            # Another process of this machine (same index folder) is building it.
            deadline = time.monotonic() + 600
            while not index_exists(index_dir) and time.monotonic() < deadline:
                time.sleep(0.2)
    try:
        # Open the index now: the first citizen should not wait for it (seconds on big corpora).
        services(app).engine.snapshot()
    except IndexMissing as exc:
        logging.getLogger("faqbot").error("index not usable at start (%s); rebuilding", exc)
    start_daily_prune(app)
    follower.start()
    server = create_server(app, host, port,
                           **waitress_settings(threads, int(app.config.get("TRUSTED_PROXIES") or 0)))
    print(f"faqbot läuft auf http://{host}:{port}/", flush=True)
    try:
        serve_until_stopped(server)
    finally:
        questionlog.drain_all()
        print("faqbot beendet.", flush=True)


def serve_until_stopped(server, drain_seconds: float = DRAIN_SECONDS) -> None:
    """Run a waitress server until SIGTERM or SIGINT; then stop accepting connections and let
    the requests in flight finish (at most ``drain_seconds``) before closing. Behind nginx, a
    server stopped for an update or a restart loses no request: new ones go to the others."""
    import signal
    import threading
    import time

    from waitress import wasyncore
    from waitress.channel import HTTPChannel

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    server.print_listen("Serving on http://{}:{}")
    while not stopping.is_set():
        wasyncore.loop(timeout=0.5, map=server._map, count=1)
    logging.getLogger("faqbot").info("stopping: no new connections, finishing the requests in flight")
    server.del_channel()          # the listening socket only: the trigger stays, for the loop
    server.socket.close()
    deadline = time.monotonic() + drain_seconds
    while time.monotonic() < deadline:
        busy = [ch for ch in list(server._map.values())
                if isinstance(ch, HTTPChannel) and (ch.requests or ch.total_outbufs_len)]
        if not busy:
            break
        wasyncore.loop(timeout=0.05, map=server._map, count=1)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
    wasyncore.close_all(server._map)


def start_daily_prune(app) -> None:
    """Delete typed text older than the retention (questions, sign-in attempts, quality and
    reindex runs) now and then once a day."""
    import threading
    import time

    from .db import prune

    def loop() -> None:
        while True:
            try:
                removed = prune(services(app).db, int(app.config["RETENTION_DAYS"]))
                logging.getLogger("faqbot").info("pruned rows older than the retention: %s", removed)
            except Exception:  # noqa: BLE001 - try again tomorrow
                logging.getLogger("faqbot").exception("pruning stored questions failed")
            time.sleep(24 * 3600)

    threading.Thread(target=loop, name="faqbot-prune", daemon=True).start()
