"""Eval runs and reindex runs over time, so staff see whether a change helped.

``reindex_runs`` is the one audit trail of every reindex, from the console, the command line
or the server's automatic recovery: who, when, why, and the figures.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa

from .db import eval_runs, reindex_runs
from .evaluation import Report


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def record_eval(engine: sa.Engine, report: Report, *, trigger: str, user: str | None,
                content_version: str, generation: str) -> int:
    with engine.begin() as conn:
        result = conn.execute(eval_runs.insert().values(
            run_at=_now(), trigger=trigger, user=user, content_version=content_version,
            generation=generation, hit_at_1=report.total.hit_at_1, hit_at_3=report.total.hit_at_3,
            mrr=report.total.mrr, out_of_scope_declined=report.out_of_scope_declined,
            wrongly_declined=report.total.wrongly_declined, passed=report.passed,
            report=json.dumps(report.as_json(), ensure_ascii=False)))
        return result.inserted_primary_key[0]


def eval_history(engine: sa.Engine, limit: int = 30) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(sa.select(eval_runs.c.id, eval_runs.c.run_at, eval_runs.c.trigger,
                                      eval_runs.c.user, eval_runs.c.content_version,
                                      eval_runs.c.generation, eval_runs.c.hit_at_1,
                                      eval_runs.c.hit_at_3, eval_runs.c.mrr,
                                      eval_runs.c.out_of_scope_declined,
                                      eval_runs.c.wrongly_declined, eval_runs.c.passed)
                            .order_by(eval_runs.c.run_at.desc(), eval_runs.c.id.desc())
                            .limit(limit)).all()


def eval_report(engine: sa.Engine, run_id: int) -> dict | None:
    with engine.connect() as conn:
        text = conn.execute(sa.select(eval_runs.c.report).where(eval_runs.c.id == run_id)).scalar()
    return json.loads(text) if text else None


TRIGGERS = ("konsole", "cli", "recovery")


def start_reindex(engine: sa.Engine, user: str, *, trigger: str, reason: str = "") -> int:
    """Open an audit entry for a reindex about to run; returns its id."""
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown reindex trigger {trigger!r}")
    with engine.begin() as conn:
        return conn.execute(reindex_runs.insert().values(
            started_at=_now(), user=user[:80], trigger=trigger, reason=reason or None,
            status="running")).inserted_primary_key[0]


def finish_reindex(engine: sa.Engine, run_id: int, **values) -> None:
    with engine.begin() as conn:
        conn.execute(reindex_runs.update().where(reindex_runs.c.id == run_id)
                     .values(finished_at=_now(), **values))


def add_to_message(engine: sa.Engine, run_id: int, text: str) -> None:
    """Append a line to a finished run's message (e.g. when the next attempt is due)."""
    with engine.begin() as conn:
        message = conn.execute(sa.select(reindex_runs.c.message)
                               .where(reindex_runs.c.id == run_id)).scalar()
        conn.execute(reindex_runs.update().where(reindex_runs.c.id == run_id)
                     .values(message="\n".join(m for m in (message, text) if m)))


def reindex_history(engine: sa.Engine, limit: int = 20) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(sa.select(reindex_runs).order_by(reindex_runs.c.started_at.desc(),
                                                             reindex_runs.c.id.desc())
                            .limit(limit)).all()


def reindex_run(engine: sa.Engine, run_id: int) -> sa.Row | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(reindex_runs).where(reindex_runs.c.id == run_id)).first()


INTERRUPTED = "Abgebrochen: Der Server wurde beendet, während der Reindex lief. Der vorherige Index blieb live."


def fail_interrupted_reindexes(engine: sa.Engine, index_dir) -> int:
    """Mark reindex runs still "running" as failed when no reindex holds the index's lock
    (their server was killed midway); returns how many. Left alone while one runs."""
    from .index import ReindexRunning, reindex_lock

    try:
        with reindex_lock(Path(index_dir)):
            with engine.begin() as conn:
                return conn.execute(reindex_runs.update().where(reindex_runs.c.status == "running")
                                    .values(status="failed", finished_at=_now(),
                                            message=INTERRUPTED)).rowcount
    except ReindexRunning:
        return 0
