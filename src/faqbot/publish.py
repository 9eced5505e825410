"""One live index generation for all servers.

Every server has its own index folder, built from its own copy of ``content/`` (each deploy
ships the same git commit to every server). A reindex that goes live (from the console, the
CLI, or the first server to start) *publishes* its generation and content version in the
database. Every server's ``Follower`` looks at the published row every few seconds; when its
own live generation is another one, it builds the published generation from its own content
under the same name and switches to it (the normal build and atomic switch of
``faqbot.index``). A server whose content is not the published content cannot get there: it
keeps serving its last good generation and says so on ``/healthz``, and follows as soon as the
content arrives.

The rows are kept: they are the audit trail of what went live, when, by whom and from where.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa

from .db import metadata
from .index import (BUILDS, INDEX_FORMAT, BuildResult, ReindexRunning, build_index,
                    content_version, read_meta, reindex_lock, switch_to)
from .search import IndexMissing, SearchEngine

log = logging.getLogger("faqbot.publish")

publications = sa.Table(
    "index_publications", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("published_at", sa.DateTime, nullable=False),
    sa.Column("generation", sa.String(60), nullable=False),
    sa.Column("content_version", sa.String(40), nullable=False),
    sa.Column("items", sa.Integer, nullable=True),
    sa.Column("passages", sa.Integer, nullable=True),
    sa.Column("user", sa.String(80), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),      # konsole, cli, recovery, start
    sa.Column("server", sa.String(120), nullable=False),     # host and process that published
    sa.Column("hit_at_1", sa.Float, nullable=True),
    sa.Column("forced_reason", sa.Text, nullable=True),
)

# Generation names become folder names on every server: only what index.py makes.
_GENERATION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,59}$")
# After a failed attempt to build a published generation, wait this long before the next.
RETRY_AFTER = 30.0


@dataclass(frozen=True)
class Publication:
    id: int
    published_at: dt.datetime
    generation: str
    content_version: str
    items: int | None
    passages: int | None
    user: str
    source: str
    server: str
    hit_at_1: float | None
    forced_reason: str | None

    def as_json(self) -> dict:
        data = asdict(self)
        data["published_at"] = self.published_at.isoformat(timespec="seconds")
        return data


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def server_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def publish(engine: sa.Engine, result: BuildResult, *, user: str, source: str,
            hit_at_1: float | None = None, forced_reason: str | None = None) -> Publication:
    """Make ``result`` the generation every server serves."""
    values = dict(published_at=_now(), generation=result.generation,
                  content_version=result.content_version, items=result.items,
                  passages=result.passages, user=user[:80], source=source[:20],
                  server=server_name(), hit_at_1=hit_at_1, forced_reason=forced_reason or None)
    with engine.begin() as conn:
        new_id = conn.execute(publications.insert().values(**values)).inserted_primary_key[0]
    log.info("published generation %s (content %s) from %s", result.generation,
             result.content_version, source)
    return Publication(id=new_id, **values)


def latest(engine: sa.Engine) -> Publication | None:
    """The published generation: the newest row."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(publications).order_by(publications.c.id.desc()).limit(1)).first()
    return Publication(**row._mapping) if row else None


def history(engine: sa.Engine, limit: int = 10) -> list[Publication]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(publications).order_by(publications.c.id.desc()).limit(limit))
        return [Publication(**row._mapping) for row in rows]


class ContentNotPublished(Exception):
    """This server's content is not the content of the published generation."""


class Follower:
    """Keeps this server's live index on the published generation (a build of the published
    generation on another server passed the quality gate there; its copy here, built from the
    same content, is not gated or recorded as a reindex again).

    ``check()`` does one round; ``start()`` runs it every ``interval`` seconds in a thread
    (the web server; the CLI and the tests call ``check()`` themselves).
    """

    def __init__(self, db: sa.Engine, engine: SearchEngine, content_dir: Path, index_dir: Path,
                 interval: float = 2.0):
        self.db = db
        self.engine = engine
        self.content_dir = Path(content_dir)
        self.index_dir = Path(index_dir)
        self.interval = interval
        self._lock = threading.Lock()            # one round at a time
        self._thread: threading.Thread | None = None
        self.published: Publication | None = None
        self.state = "unknown"                   # in_step, following, behind, unknown
        self.error = ""
        self.reachable = True                    # the database, at the last look
        self.checked_at: dt.datetime | None = None
        self._failed: tuple[str, float] | None = None   # (generation, when) of a failed build

    # The loop ------------------------------------------------------------------------------

    def start(self) -> None:
        if self.interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="faqbot-follower", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("following the published generation failed")
            time.sleep(self.interval)

    def check(self) -> str:
        """Look at the published generation once and get there if this server is elsewhere;
        returns the state."""
        with self._lock:
            self._check()
            self.checked_at = _now()
            return self.state

    def _check(self) -> None:
        try:
            published = latest(self.db)
        except sa.exc.SQLAlchemyError as exc:
            self.reachable = False
            self._set("unknown", f"Datenbank nicht erreichbar: {type(exc).__name__}")
            return
        self.reachable = True
        served = self._served()
        if published is None:
            if served is not None:
                # The first server to come up publishes what it serves, so that the others
                # (and the next to start) have a generation to follow.
                published = publish(self.db, result_of(served), user="server", source="start")
        self.published = published
        if published is None or (served is not None and served["generation"] == published.generation):
            self._set("in_step", "")
            return
        if not _GENERATION.match(published.generation):
            self._set("behind", f"Ungültiger Generationsname {published.generation!r} in der Datenbank.")
            return
        if self._failed and self._failed[0] == published.generation \
                and time.monotonic() - self._failed[1] < RETRY_AFTER:
            return
        self._set("following", "")
        try:
            self.reach(published)
        except ContentNotPublished as exc:
            self._set("behind", str(exc))
        except ReindexRunning:
            self._set("following", "")   # a reindex on this server; look again next round
        except Exception as exc:  # noqa: BLE001 - reported on /healthz, the old index serves
            log.exception("could not build the published generation %s", published.generation)
            self._failed = (published.generation, time.monotonic())
            self._set("behind", f"Generation {published.generation} nicht gebaut: "
                                f"{type(exc).__name__}: {exc}")
        else:
            self._failed = None
            self._set("in_step", "")

    def _set(self, state: str, error: str) -> None:
        if (state, error) != (self.state, self.error) and state == "behind":
            log.warning("behind the published generation: %s", error)
        self.state, self.error = state, error

    def _served(self) -> dict | None:
        try:
            return self.engine.snapshot().meta
        except IndexMissing:
            return None

    # Getting there -------------------------------------------------------------------------

    def reach(self, published: Publication) -> None:
        """Switch to ``published``: its build if this server has it already, otherwise built
        from this server's content, which must be the published content."""
        build = self.index_dir / BUILDS / published.generation
        if _is_build_of(build, published):
            with reindex_lock(self.index_dir):   # not in the middle of a reindex here
                switch_to(self.index_dir, build)
        else:
            here = content_version(self.content_dir)
            if here != published.content_version:
                raise ContentNotPublished(
                    f"Die Inhalte dieses Servers (Version {here}) sind nicht die veröffentlichten "
                    f"(Version {published.content_version}); er bedient weiter seinen bisherigen "
                    f"Index und folgt, sobald die Inhalte ausgerollt sind.")
            log.info("building the published generation %s", published.generation)

            def same_content(new_build: Path) -> None:
                if read_meta(new_build)["content_version"] != published.content_version:
                    raise ContentNotPublished("Die Inhalte haben sich während des Baus geändert.")

            build_index(self.content_dir, self.index_dir, before_switch=same_content,
                        generation=published.generation)
        self.engine.refresh()

    def plan_rebuild(self) -> tuple[str | None, bool]:
        """For the automatic rebuild of a lost index (``faqbot.recovery``, through the gated
        reindex): the generation to build and whether to publish it. With this server's content
        the published one, unpublished again; with other content a generation of its own,
        not published (a repair never changes what the other servers answer from); with
        nothing published yet, a new one, published."""
        try:
            published = latest(self.db)
        except sa.exc.SQLAlchemyError:
            return None, False
        if published is None:
            return None, True
        if _GENERATION.match(published.generation) \
                and content_version(self.content_dir) == published.content_version:
            return published.generation, False
        return None, False

    def rebuild(self) -> BuildResult:
        """Build the live index of this server (it is missing or broken): the published
        generation when this server has its content, otherwise one of its own (then this
        server is reported behind until the published content arrives)."""
        try:
            published = latest(self.db)
        except sa.exc.SQLAlchemyError:
            published = None
        if published is not None and _GENERATION.match(published.generation) \
                and content_version(self.content_dir) == published.content_version:
            return build_index(self.content_dir, self.index_dir, generation=published.generation)
        return build_index(self.content_dir, self.index_dir)

    # Reporting -----------------------------------------------------------------------------

    def report(self) -> dict:
        """For /healthz: the published generation and whether this server serves it. With the
        thread running, as of its last round (a busy database never slows a health check);
        otherwise read now."""
        if self._thread is None:
            try:
                self.published = latest(self.db)
                self.reachable = True
            except sa.exc.SQLAlchemyError:
                self.reachable = False
        reachable = self.reachable
        served = self._served()
        published = self.published
        in_step = published is None or (served is not None and served["generation"] == published.generation)
        state = self.state
        if in_step and state in ("following", "behind", "unknown") and reachable:
            state = "in_step"
        elif not in_step and state == "in_step":
            state = "following"      # published since the last round; the next one follows
        return {
            "published": None if published is None else {
                "generation": published.generation, "content_version": published.content_version,
                "published_at": published.published_at.isoformat(timespec="seconds"),
                "user": published.user, "source": published.source},
            "in_step": in_step,
            "sync": {"state": state if reachable else "unknown",
                     "error": self.error if reachable else "Datenbank nicht erreichbar",
                     "checked_at": self.checked_at.isoformat(timespec="seconds") if self.checked_at else None,
                     "interval": self.interval if self._thread is not None else 0},
        }


def _is_build_of(build: Path, published: Publication) -> bool:
    try:
        meta = read_meta(build)
    except (OSError, ValueError):
        return False
    return meta.get("format") == INDEX_FORMAT and meta.get("content_version") == published.content_version


def result_of(meta: dict) -> BuildResult:
    return BuildResult(generation=meta["generation"], path=Path(), items=meta["items"],
                       passages=meta["passages"], seconds=0.0,
                       content_version=meta["content_version"])
