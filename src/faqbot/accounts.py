"""Staff and editor accounts: strong password hashes, roles, throttled sign-in, and a
session version per account that ends its sessions.

Sign-in does the same work for every name: one password hash check, against a dummy hash when
the name is unknown, so the time taken tells nobody which names exist. Failures are counted
per typed name *and* client address (a keyed hash of both, never the name itself), so nobody
can lock an editor out from elsewhere; the count is reserved with one atomic UPDATE before the
password is checked, so parallel attempts check no more passwords than allowed. Attempts are
recorded and logged with the client address only, never with what was typed.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from .db import login_attempts, login_failures, users

ROLES = ("staff", "editor")
MIN_PASSWORD = 10
# At most this many failed sign-ins per typed name and client in the window; then wait.
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)

log = logging.getLogger("faqbot.accounts")


class AccountError(ValueError):
    """A German message for the person managing accounts."""


class Throttled(Exception):
    """Too many failed sign-ins for this name; try again later."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    session_version: int = 0

    @property
    def may_reindex(self) -> bool:
        return self.role == "editor"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Das Passwort muss mindestens {MIN_PASSWORD} Zeichen lang sein.")


def add_user(engine: sa.Engine, name: str, role: str, password: str) -> User:
    name = name.strip()
    if not name or len(name) > 80 or any(ch.isspace() for ch in name):
        raise AccountError("Der Name darf nicht leer sein, keine Leerzeichen enthalten und höchstens 80 Zeichen haben.")
    if role not in ROLES:
        raise AccountError(f"Unbekannte Rolle '{role}' (erlaubt: {', '.join(ROLES)}).")
    _check_password(password)
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
            raise AccountError(f"Es gibt schon ein Konto '{name}'.")
        result = conn.execute(users.insert().values(
            name=name, role=role, password_hash=generate_password_hash(password), created_at=_now()))
        return User(result.inserted_primary_key[0], name, role)


def list_users(engine: sa.Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*_USER_COLUMNS).order_by(users.c.name))
        return [User(*row) for row in rows]


def remove_user(engine: sa.Engine, name: str) -> None:
    with engine.begin() as conn:
        if conn.execute(users.delete().where(users.c.name == name)).rowcount == 0:
            raise AccountError(f"Kein Konto '{name}'.")


def set_password(engine: sa.Engine, name: str, password: str) -> None:
    _check_password(password)
    with engine.begin() as conn:
        # A new password ends every session of the account.
        done = conn.execute(users.update().where(users.c.name == name)
                            .values(password_hash=generate_password_hash(password),
                                    session_version=users.c.session_version + 1))
        if done.rowcount == 0:
            raise AccountError(f"Kein Konto '{name}'.")


def end_sessions(engine: sa.Engine, user_id: int) -> None:
    """End every session of the account (sign-out: a copy of the cookie is worthless too)."""
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(session_version=users.c.session_version + 1))


_USER_COLUMNS = (users.c.id, users.c.name, users.c.role, users.c.session_version)


def get_user(engine: sa.Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(*_USER_COLUMNS).where(users.c.id == user_id)).first()
    return User(*row) if row else None


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of a random password, made once, with the same method as real ones: checked
    when the name is unknown, so that sign-in takes as long for unknown names as for known."""
    return generate_password_hash(secrets.token_urlsafe(24))


def _failure_key(name: str, client: str, secret: bytes) -> str:
    return hmac.new(secret or b"faqbot", f"{name}\0{client}".encode("utf-8", "replace"),
                    hashlib.sha256).hexdigest()


def _insert_ignoring_duplicates(conn: sa.Connection, table: sa.Table, **values) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(table).values(**values).on_conflict_do_nothing())


def _reserve_attempt(engine: sa.Engine, key: str) -> bool:
    """Count one attempt for ``key`` if it is below the limit; False when it is not.

    The check and the count are one UPDATE (atomic in SQLite and PostgreSQL alike), so of any
    number of parallel attempts at most ``MAX_FAILURES`` get through.
    """
    now = _now()
    with engine.begin() as conn:
        # Windows that are over start again (and their rows go: the table stays small).
        conn.execute(login_failures.delete().where(login_failures.c.window_start < now - FAILURE_WINDOW))
        _insert_ignoring_duplicates(conn, login_failures, key=key, failures=0, window_start=now)
    with engine.begin() as conn:
        reserved = conn.execute(
            login_failures.update()
            .where(login_failures.c.key == key, login_failures.c.failures < MAX_FAILURES)
            .values(failures=login_failures.c.failures + 1)).rowcount
    return reserved == 1


def authenticate(engine: sa.Engine, name: str, password: str, client: str = "",
                 secret: bytes = b"") -> User | None:
    """The user for a correct name and password, else None; raises ``Throttled`` after too
    many recent failures for this name from this ``client`` (its address). ``secret`` keys the
    hash under which failures are counted. Attempts are recorded and failures logged with the
    client address, never with the name or password typed."""
    name = (name or "").strip()[:80]
    client = (client or "")[:64]
    key = _failure_key(name, client, secret)
    if not _reserve_attempt(engine, key):
        log.warning("sign-in throttled for a name from %s", client or "unknown client")
        raise Throttled()
    with engine.connect() as conn:
        row = conn.execute(sa.select(*_USER_COLUMNS, users.c.password_hash)
                           .where(users.c.name == name)).first()
    # Exactly one hash check whether or not the name exists.
    ok = check_password_hash(row.password_hash if row else _dummy_hash(), password or "") and row is not None
    with engine.begin() as conn:
        conn.execute(login_attempts.insert().values(at=_now(), ok=ok, client=client))
        if ok:
            conn.execute(login_failures.delete().where(login_failures.c.key == key))
    if not ok:
        log.warning("failed sign-in from %s", client or "unknown client")
        return None
    return User(row.id, row.name, row.role, row.session_version)
