"""Progress of a running reindex, in the database, so that every server's console shows it
(the run itself is in ``reindex_runs``; this row exists while it runs)."""
from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa

from .db import metadata

reindex_progress = sa.Table(
    "reindex_progress", metadata,
    sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("phase", sa.String(60), nullable=False),
    sa.Column("done", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# A passage is indexed in well under a millisecond: write at most this often (and whenever
# the phase changes), not once per passage.
WRITE_EVERY = 0.25


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def save(engine: sa.Engine, run_id: int, *, phase: str, done: int = 0, total: int = 0) -> None:
    values = dict(phase=phase, done=done, total=total, updated_at=_now())
    with engine.begin() as conn:
        updated = conn.execute(reindex_progress.update()
                               .where(reindex_progress.c.run_id == run_id).values(**values))
        if updated.rowcount == 0:
            conn.execute(reindex_progress.insert().values(run_id=run_id, **values))


def load(engine: sa.Engine, run_id: int) -> dict:
    """``{"phase", "done", "total"}`` of a running reindex, or ``{}``."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(reindex_progress.c.phase, reindex_progress.c.done,
                                     reindex_progress.c.total)
                           .where(reindex_progress.c.run_id == run_id)).first()
    return dict(row._mapping) if row else {}


def clear(engine: sa.Engine, run_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(reindex_progress.delete().where(reindex_progress.c.run_id == run_id))


class Reporter:
    """The ``progress(done, total)`` callback of a build, writing to the database now and
    then."""

    def __init__(self, engine: sa.Engine, run_id: int):
        self.engine = engine
        self.run_id = run_id
        self._last = (0.0, "")

    def __call__(self, done: int, total: int) -> None:
        phase = "Passagen indexieren" if done < total else "Fragenkatalog prüfen"
        now = time.monotonic()
        if phase != self._last[1] or now - self._last[0] >= WRITE_EVERY:
            self._last = (now, phase)
            save(self.engine, self.run_id, phase=phase, done=done, total=total)
