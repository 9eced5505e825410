"""Settings, declared once as data: defaults, help text and validation come from here.

Values come from the defaults below, then ``config.py`` in the instance folder, then
environment variables ``FAQBOT_<NAME>`` (see ``create_app``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS = (
    Setting("CONTENT_DIR", "content", "Folder with the editors' content (faq/, glossary/, interviews/)."),
    Setting("INSTANCE_PATH", "instance", "Instance folder (secret key, SQLite database); read from FAQBOT_INSTANCE_PATH."),
    Setting("INDEX_DIR", "index", "Folder of the Whoosh index; built from CONTENT_DIR when missing."),
    Setting("FRAME_ANCESTORS", "'self'",
            "Sites allowed to embed the widget (CSP frame-ancestors), e.g. \"'self' https://www.example.de\"."),
    Setting("PUBLIC_URL", "",
            "Address citizens reach the assistant at (e.g. https://fragen.example.de), for the embed "
            "snippet; never taken from a request's Host header."),
    Setting("LOG_QUESTIONS", True, "Log each question (redacted, without IP address)."),
    Setting("MAX_BODY_BYTES", 16 * 1024, "Largest request body accepted, in bytes."),
    Setting("DATABASE_URL", "", "SQLAlchemy URL of the database; empty: SQLite in the instance folder."),
    Setting("RETENTION_DAYS", 90, "Days citizens' questions are kept before `faqbot prune` deletes them."),
    Setting("TRUSTED_PROXIES", 0, "Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted."),
    Setting("RATE_LIMIT", "30/minute;300/hour",
            "Requests per client across the API, the chat, the widget and feedback, one allowance "
            "for all (flask-limiter syntax), or 'off'."),
    Setting("LOGIN_RATE_LIMIT", "10/minute;60/hour",
            "Sign-in attempts per client on the console (flask-limiter syntax), or 'off'."),
    Setting("RATE_LIMIT_STORAGE", "", "flask-limiter storage URI (memory:// when empty; redis://... for several servers)."),
    Setting("SECRET_KEY", None, "Signs staff sessions; generated into instance/secret_key on first run when unset."),
    Setting("TODAY", "", "Fixes the day answers are given as of (YYYY-MM-DD), for tests and demos; "
            "empty: the server's date, so a new version goes live on its first day without a reindex."),
)

DEFAULTS = {s.name: s.default for s in SETTINGS}


def resolve_path(value: object, base: Path) -> Path:
    path = Path(str(value))
    return path if path.is_absolute() else (base / path)


def today_of(config) -> "dt.date":
    """The day to answer as of: the ``TODAY`` setting, read on every call (so moving it moves
    a running server), or the machine's date."""
    fixed = str(config.get("TODAY") or "").strip()
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()
