"""Reindexing with the quality gate: a new index goes live only if the staff question set,
run against it before the switch, stays at or above the set's thresholds.

Used by ``faqbot reindex`` and by the editors' console. An override needs a stated reason,
which is written to the audit log ``index/reindex.log``.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .evaluation import QuestionSet, Report, load_question_set, run_eval
from .index import BuildResult, build_index, index_exists
from .search import BuildEngine, IndexMissing, SearchEngine

log = logging.getLogger("faqbot.reindex")
AUDIT_LOG = "reindex.log"


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


def reindex(content_dir: Path, index_dir: Path, *, force_reason: str = "",
            progress: Callable[[int, int], None] | None = None, user: str = "cli") -> ReindexOutcome:
    """Build, gate and switch. Raises ``ContentError``, ``ReindexRunning`` or
    ``QualityGateFailed`` (the old index keeps serving in each case)."""
    content_dir, index_dir = Path(content_dir), Path(index_dir)
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
        if qset is None:
            return
        report = run_eval(BuildEngine(build), qset)
        after["report"] = report
        if not report.passed and not force_reason:
            raise QualityGateFailed(report)

    result = build_index(content_dir, index_dir, progress=progress, before_switch=gate)
    report = after.get("report")
    forced = force_reason if report is not None and not report.passed else ""
    audit(index_dir, {"event": "reindex", "user": user, "generation": result.generation,
                      "items": result.items, "passages": result.passages,
                      "seconds": round(result.seconds, 2), "content_version": result.content_version,
                      "hit_at_1": report.total.hit_at_1 if report else None,
                      "passed": report.passed if report else None, "forced_reason": forced})
    if forced:
        log.warning("quality gate overridden by %s: %s", user, forced)
    return ReindexOutcome(result=result, before=before, after=report, forced_reason=forced)


def audit(index_dir: Path, entry: dict) -> None:
    entry = {"time": dt.datetime.now().isoformat(timespec="seconds"), **entry}
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / AUDIT_LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
