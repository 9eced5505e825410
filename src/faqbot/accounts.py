"""Staff and editor accounts: strong password hashes, roles, throttled sign-in."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from .db import login_attempts, users

ROLES = ("staff", "editor")
MIN_PASSWORD = 10
# At most this many failed sign-ins per account name in the window; then wait.
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
        rows = conn.execute(sa.select(users.c.id, users.c.name, users.c.role).order_by(users.c.name))
        return [User(*row) for row in rows]


def remove_user(engine: sa.Engine, name: str) -> None:
    with engine.begin() as conn:
        if conn.execute(users.delete().where(users.c.name == name)).rowcount == 0:
            raise AccountError(f"Kein Konto '{name}'.")


def set_password(engine: sa.Engine, name: str, password: str) -> None:
    _check_password(password)
    with engine.begin() as conn:
        done = conn.execute(users.update().where(users.c.name == name)
                            .values(password_hash=generate_password_hash(password)))
        if done.rowcount == 0:
            raise AccountError(f"Kein Konto '{name}'.")


def get_user(engine: sa.Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(users.c.id, users.c.name, users.c.role)
                           .where(users.c.id == user_id)).first()
    return User(*row) if row else None


def authenticate(engine: sa.Engine, name: str, password: str) -> User | None:
    """The user for a correct name and password, else None; raises ``Throttled`` after too
    many recent failures for ``name``. Every attempt is recorded and failures are logged."""
    name = (name or "").strip()[:80]
    since = _now() - FAILURE_WINDOW
    with engine.begin() as conn:
        failures = conn.execute(
            sa.select(sa.func.count()).select_from(login_attempts)
            .where(login_attempts.c.name == name, login_attempts.c.ok.is_(False),
                   login_attempts.c.at >= since)).scalar_one()
        if failures >= MAX_FAILURES:
            log.warning("sign-in throttled for account name %r", name)
            raise Throttled()
        row = conn.execute(sa.select(users.c.id, users.c.name, users.c.role, users.c.password_hash)
                           .where(users.c.name == name)).first()
        # Hash even for unknown names so timing does not tell which names exist.
        stored = row.password_hash if row else generate_password_hash("unknown-account")
        ok = check_password_hash(stored, password or "") and row is not None
        conn.execute(login_attempts.insert().values(name=name, at=_now(), ok=ok))
    if not ok:
        log.warning("failed sign-in for account name %r", name)
        return None
    return User(row.id, row.name, row.role)
