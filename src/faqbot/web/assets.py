"""The chat's CSS and JavaScript, htmx (copied into the package from its pinned npm package)
and ``/widget.js``: cacheable files, in a blueprint of their own so that the rate limit on the
chat's pages and forms does not count them."""
from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, request, send_file, send_from_directory, url_for
from werkzeug.exceptions import NotFound

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
# Served by the app itself: no CDN, the version pinned in package-lock.json (copied into the
# package by ./run setup, shipped in the wheel).
VENDOR_FILES = {"vendor/htmx.min.js": STATIC_DIR / "vendor" / "htmx.min.js"}
ONE_YEAR = 365 * 24 * 3600

log = logging.getLogger("faqbot")
bp = Blueprint("assets", __name__)


def init_app(app) -> None:
    """``asset_url`` for the templates; a warning when htmx is missing."""
    app.jinja_env.globals["asset_url"] = asset_url
    missing = [str(p) for p in VENDOR_FILES.values() if not p.exists()]
    if missing:
        log.warning("htmx is not installed (%s); the chat works, but without JavaScript. "
                    "Run ./run setup.", ", ".join(missing))


@bp.get("/widget.js")
def widget_js():
    # Short cache: sites embed this URL unversioned, and updates should reach them.
    return send_from_directory(STATIC_DIR / "js", "widget.js", max_age=3600)


@bp.get("/static/<path:filename>")
def static(filename: str):
    """The chat's CSS and JavaScript, and htmx; cached for a year when
    the URL carries the file's fingerprint (see ``asset_url``)."""
    versioned = bool(request.args.get("v"))
    max_age = ONE_YEAR if versioned else 300
    if filename in VENDOR_FILES:
        if not VENDOR_FILES[filename].exists():
            raise NotFound()
        response = send_file(VENDOR_FILES[filename], max_age=max_age)
    else:
        response = send_from_directory(STATIC_DIR, filename, max_age=max_age)
    if versioned:
        response.cache_control.immutable = True
    return response


@lru_cache(maxsize=64)
def _fingerprint(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """``/static/<filename>?v=<fingerprint>``, so the file can be cached for a year."""
    path = VENDOR_FILES.get(filename, STATIC_DIR / filename)
    version = _fingerprint(str(path), path.stat().st_mtime) if path.exists() else None
    return url_for("assets.static", filename=filename, v=version)
