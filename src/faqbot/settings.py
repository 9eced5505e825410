"""Settings, declared once as data: defaults, help text and validation come from here.

``resolve()`` is the one way settings are read, by the app (``create_app``) and by every CLI
command alike. Each layer overrides the one before:

1. the defaults below,
2. ``config.py`` in the instance folder,
3. environment variables ``FAQBOT_<NAME>``,
4. explicit values: a test's config, or a command line option such as ``--content``.

An environment variable ``FAQBOT_<NAME>`` that names no setting is reported (a logged warning),
since it is almost always a typo that would otherwise go unnoticed.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

log = logging.getLogger("faqbot.settings")

PREFIX = "FAQBOT_"
# Read by the test harness (tests/, .ci/run), not by faqbot itself.
HARNESS_PREFIXES = ("FAQBOT_TEST_", "FAQBOT_REQUIRE_", "FAQBOT_SCREENSHOTS")
CONFIG_FILE = "config.py"


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS = (
    Setting("CONTENT_DIR", "content", "Folder with the editors' content (faq/, glossary/, interviews/)."),
    Setting("INSTANCE_PATH", "instance",
            "Instance folder (config.py, secret key, SQLite database); from the environment or a "
            "test's config only, since config.py lives in it."),
    Setting("INDEX_DIR", "index", "Folder of the Whoosh index; built from CONTENT_DIR when missing."),
    Setting("FRAME_ANCESTORS", "'self'",
            "Sites allowed to embed the widget (CSP frame-ancestors), e.g. \"'self' https://www.example.de\"."),
    Setting("PUBLIC_URL", "",
            "Address citizens reach the assistant at (e.g. https://fragen.example.de), for the embed "
            "snippet; never taken from a request's Host header."),
    Setting("LOG_QUESTIONS", True, "Log each question (redacted, without IP address)."),
    Setting("MAX_BODY_BYTES", 16 * 1024, "Largest request body accepted, in bytes."),
    Setting("DATABASE_URL", "", "SQLAlchemy URL of the database; empty: SQLite in the instance folder."),
    Setting("RETENTION_DAYS", 90, "Days questions, sign-in attempts, quality and reindex runs are kept before `faqbot prune` deletes them."),
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
    Setting("SYNC_INTERVAL", 2,
            "Seconds between two looks of a server at the index generation published in the "
            "database (several servers, docs/deploy.md); 0: the server does not follow."),
    Setting("RECOVERY_PAUSE", 5,
            "Seconds before the server tries again after a failed automatic rebuild of a missing "
            "index; doubled after each further failure, up to 10 minutes."),
)

DEFAULTS = {s.name: s.default for s in SETTINGS}


class SettingError(ValueError):
    """A setting has a value faqbot cannot use; the message names it and says what is expected."""


def resolve(explicit: Mapping[str, object] | None = None, *,
            environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> dict:
    """All settings: defaults < instance ``config.py`` < ``FAQBOT_*`` environment < ``explicit``.

    ``explicit`` entries that are None count as not given (a CLI option left out). Keys that
    are no faqbot setting (``TESTING``, Flask's own settings) pass through unchanged. Folders
    come back as absolute paths (relative ones are taken from ``cwd``), and ``DATABASE_URL``
    is filled in with SQLite in the instance folder when empty.
    """
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else Path(cwd)
    explicit = {k: v for k, v in (explicit or {}).items() if v is not None}
    instance = Path(str(explicit.get("INSTANCE_PATH") or environ.get(PREFIX + "INSTANCE_PATH")
                        or DEFAULTS["INSTANCE_PATH"]))
    instance = (instance if instance.is_absolute() else cwd / instance).resolve()

    values = dict(DEFAULTS)
    values.update(_from_config_file(instance / CONFIG_FILE))
    values.update(_from_environment(environ))
    values.update(explicit)
    values["INSTANCE_PATH"] = instance
    values["CONTENT_DIR"] = resolve_path(values["CONTENT_DIR"], cwd)
    values["INDEX_DIR"] = resolve_path(values["INDEX_DIR"], cwd)
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{instance / 'faqbot.sqlite3'}"
    for setting in SETTINGS:
        values[setting.name] = _typed(setting, values[setting.name], setting.name)
    return values


def _from_config_file(path: Path) -> dict:
    """The upper-case names ``config.py`` sets (as Flask's ``Config.from_pyfile`` reads them)."""
    if not path.is_file():
        return {}
    namespace: dict = {"__file__": str(path)}
    exec(compile(path.read_bytes(), str(path), "exec"), namespace)  # noqa: S102 - the operator's own file
    return {key: value for key, value in namespace.items() if key.isupper()}


# Unknown variables already reported by this process (the CLI and the app both resolve).
_reported: set[str] = set()


def _from_environment(environ: Mapping[str, str]) -> dict:
    known = {s.name: s for s in SETTINGS}
    values = {}
    for key in sorted(environ):
        if not key.startswith(PREFIX) or key.startswith(HARNESS_PREFIXES):
            continue
        name = key[len(PREFIX):]
        if name not in known:
            if key not in _reported:
                _reported.add(key)
                log.warning("unknown setting %s in the environment is ignored (faqbot's settings: %s)",
                            key, ", ".join(PREFIX + s.name for s in SETTINGS))
            continue
        values[name] = _typed(known[name], environ[key], key)
    return values


TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def _typed(setting: Setting, value: object, shown: str) -> object:
    """``value`` as the type of the setting's default (text from the environment is parsed)."""
    kind = type(setting.default)
    if kind is bool:
        if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
            return value.strip().lower() in TRUE
        if isinstance(value, (bool, int)):
            return bool(value)
        raise SettingError(f"{shown} muss true oder false sein, nicht '{value}'.")
    if kind is int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SettingError(f"{shown} muss eine ganze Zahl sein, nicht '{value}'.") from None
    return value


def resolve_path(value: object, base: Path) -> Path:
    path = Path(str(value))
    return path if path.is_absolute() else (base / path)


def today_of(config) -> "dt.date":
    """The day to answer as of: the ``TODAY`` setting, read on every call (so moving it moves
    a running server), or the machine's date."""
    fixed = str(config.get("TODAY") or "").strip()
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()
