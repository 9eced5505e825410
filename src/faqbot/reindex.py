"""Reindexing with the quality gate and the audit trail: a new index goes live only if the staff
question set, run against it before the switch, stays at or above the set's thresholds; every
run, live or refused, is recorded in the database (``reindex_runs``) with who started it, when,
why, and the figures.

The one path for every reindex: ``faqbot reindex``, the editors' console and the server's
automatic recovery of a missing index. An override of the gate needs a stated reason, which is
recorded with the run. A new generation that passes the gate is published in the same database
for every server to follow (``faqbot.publish``).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from . import history
from .content import ContentError
from .evaluation import QuestionSet, Report, load_question_set, run_eval
from .index import BuildResult, ReindexRunning, build_index, index_exists
from .search import BuildEngine, IndexMissing, SearchEngine

log = logging.getLogger("faqbot.reindex")


class QualityGateFailed(Exception):
    """The new build answers the staff question set worse than its thresholds allow."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__("Der neue Index erreicht die Schwellen des Fragenkatalogs nicht: "
                         + "; ".join(report.below))


@dataclass
class ReindexOutcome:
    result: BuildResult
    before: Report | None
    after: Report | None
    forced_reason: str = ""
    run_id: int | None = None
    publish_error: str = ""     # published is the rule; this says why it was not


@dataclass(frozen=True)
class Audit:
    """Where a reindex is recorded, and who started it, how and why."""

    database: sa.Engine
    user: str
    trigger: str            # "konsole", "cli" or "recovery"
    reason: str = ""
    run_id: int | None = None   # an entry opened beforehand (the console shows it at once)


def reindex(content_dir: Path, index_dir: Path, audit: Audit, *, force_reason: str = "",
            progress: Callable[[int, int], None] | None = None,
            on_live: Callable[[BuildResult], None] | None = None,
            generation: str | None = None, publish: bool = True) -> ReindexOutcome:
    """Build, gate, switch, and record the run. ``on_live`` runs after the switch and before
    the run is recorded as live (the console's server opens the new index there).

    With ``publish`` the new generation is published in ``audit.database`` once it has passed
    the gate, just before the switch (under the index lock, so that this server's follower
    never sees it unpublished). ``generation`` names the build (see ``build_index``).

    Raises ``ContentError``, ``ReindexRunning`` or ``QualityGateFailed`` (the old index keeps
    serving in each case); each is recorded as a refused run, any other error as a failed one.
    """
    run_id = audit.run_id
    if run_id is None:
        run_id = history.start_reindex(audit.database, audit.user, trigger=audit.trigger,
                                       reason=audit.reason)
    started = time.perf_counter()
    finish = lambda **values: history.finish_reindex(audit.database, run_id, **values)  # noqa: E731
    published: dict[str, str] = {}

    def publish_build(build: Path, report: Report | None, forced: str) -> None:
        published["error"] = _publish(audit, build, report, forced)

    try:
        outcome = _build_gated(Path(content_dir), Path(index_dir), force_reason, progress,
                               generation=generation, on_passed=publish_build if publish else None)
        outcome.publish_error = published.get("error", "")
        if on_live is not None:
            on_live(outcome.result)
    except ContentError as exc:
        finish(status="refused", message="\n".join(str(p) for p in exc.problems))
        raise
    except QualityGateFailed as exc:
        failures = [f"{f.question}: erwartet {', '.join(f.expect) or 'Ablehnung'}, "
                    f"erhalten {', '.join(f.got[:1]) or 'Ablehnung'}" for f in exc.report.failures[:50]]
        finish(status="refused", hit_at_1_after=exc.report.total.hit_at_1,
               message="Unter den Schwellen: " + "; ".join(exc.report.below) + "\n" + "\n".join(failures))
        raise
    except ReindexRunning as exc:
        finish(status="refused", message=str(exc))
        raise
    except Exception as exc:
        finish(status="failed", message=f"{type(exc).__name__}: {exc}")
        raise
    result = outcome.result
    for trigger, report in (("reindex-vorher", outcome.before), ("reindex-nachher", outcome.after)):
        if report is not None:
            history.record_eval(audit.database, report, trigger=trigger, user=audit.user,
                                content_version=result.content_version, generation=result.generation)
    finish(status="live", items=result.items, passages=result.passages,
           seconds=round(time.perf_counter() - started, 2), generation=result.generation,
           content_version=result.content_version,
           hit_at_1_before=outcome.before.total.hit_at_1 if outcome.before else None,
           hit_at_1_after=outcome.after.total.hit_at_1 if outcome.after else None,
           forced_reason=outcome.forced_reason or None,
           message=f"Index {result.generation} ist live."
           + (f" Nicht veröffentlicht, die anderen Server bleiben beim bisherigen Index: "
              f"{outcome.publish_error}" if outcome.publish_error else ""))
    if outcome.forced_reason:
        log.warning("quality gate overridden by %s: %s", audit.user, outcome.forced_reason)
    outcome.run_id = run_id
    return outcome


def _publish(audit: Audit, build: Path, report: Report | None, forced: str) -> str:
    """Publish a build that passed the gate; returns an error message or "". A database error
    does not stop the switch here: the other servers stay on the previous generation, and
    this one reports that it serves another."""
    from .index import read_meta
    from .publish import publish, result_of

    try:
        publish(audit.database, result_of(read_meta(build)), user=audit.user, source=audit.trigger,
                hit_at_1=report.total.hit_at_1 if report else None, forced_reason=forced or None)
    except sa.exc.SQLAlchemyError as exc:
        log.exception("publishing generation %s failed", build.name)
        return f"{type(exc).__name__}: {exc}"
    return ""


def _build_gated(content_dir: Path, index_dir: Path, force_reason: str,
                 progress: Callable[[int, int], None] | None, *, generation: str | None = None,
                 on_passed: Callable[[Path, Report | None, str], None] | None = None) -> ReindexOutcome:
    qfile = content_dir / "questions.yaml"
    qset: QuestionSet | None = load_question_set(qfile) if qfile.exists() else None
    before = None
    if qset is not None and index_exists(index_dir):
        try:
            before = run_eval(SearchEngine(index_dir), qset)
        except IndexMissing:
            before = None
    after: dict[str, Report] = {}

    def gate(build: Path) -> None:
        report = None
        if qset is not None:
            report = run_eval(BuildEngine(build), qset)
            after["report"] = report
            if not report.passed and not force_reason:
                raise QualityGateFailed(report)
        if on_passed is not None:
            on_passed(build, report, force_reason if report is not None and not report.passed else "")

    result = build_index(content_dir, index_dir, progress=progress, before_switch=gate,
                         generation=generation)
    report = after.get("report")
    forced = force_reason if report is not None and not report.passed else ""
    return ReindexOutcome(result=result, before=before, after=report, forced_reason=forced)
