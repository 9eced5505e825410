"""Helpers for the browser tests: Chromium's location and flags, axe-core, a recording
browser context, and a second site on another loopback origin."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass
class Visit:
    """A browser context and page that record every request and console error."""

    context: object
    page: object
    allowed: tuple[str, ...] = ()          # origins besides the assistant's that may be asked
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign_requests(self, *origins: str) -> list[str]:
        origins = origins + self.allowed
        return [u for u in self.requests
                if not u.startswith(tuple(o + "/" for o in origins)) and not u.startswith(("data:", "about:"))]


def run_axe(page_or_frame) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page (the context must bypass CSP)."""
    page_or_frame.add_script_tag(path=str(AXE))
    result = page_or_frame.evaluate(
        """async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                    iframes: false, resultTypes: ['violations']})""",
        AXE_TAGS)
    return [{"id": v["id"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


class StaticSite:
    """A tiny site on another loopback port (another origin) serving one HTML page."""

    def __init__(self, html: str = "", csp: str | None = None):
        self.html = html
        self.csp = csp
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = site.html.encode()
                self.send_response(200 if self.path in ("/", "/index.html") else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if site.csp:
                    self.send_header("Content-Security-Policy", site.csp)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "StaticSite":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
