"""Bringing the index back when it is gone or unreadable: rebuilt from content in the
background by the same path as ``faqbot reindex`` (quality gate, audit entry), one attempt at
a time, with a growing pause after failures, while /healthz and the console say what is going
on."""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from . import history
from .index import ReindexRunning
from .reindex import Audit, reindex

log = logging.getLogger("faqbot.recovery")

USER = "automatisch"
# The pause after a failed attempt doubles with each further failure, up to this.
MAX_PAUSE = 600.0


class IndexRecovery:
    def __init__(self, content_dir: Path, index_dir: Path, database: sa.Engine, *,
                 first_pause: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self.content_dir = Path(content_dir)
        self.index_dir = Path(index_dir)
        self.database = database
        self.first_pause = float(first_pause)
        self.clock = clock
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.attempts = 0
        self.failures = 0              # failed attempts since the last success
        self.last_error = ""
        self.last_run_id: int | None = None
        self._not_before = 0.0         # clock() before which no attempt starts
        # Which generation to build and whether to publish it: with several servers, the
        # published one when this server has its content (faqbot.publish.Follower.plan_rebuild).
        self.plan: Callable[[], tuple[str | None, bool]] | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def pause_after(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed attempts in a row."""
        return min(self.first_pause * 2 ** max(failures - 1, 0), MAX_PAUSE) if failures else 0.0

    def start(self, reason: str) -> bool:
        """Start a rebuild unless one runs or the pause after a failure lasts; returns whether
        this call started it."""
        with self._lock:
            if self.running or self.clock() < self._not_before:
                return False
            self.attempts += 1
            log.error("index unavailable (%s): rebuilding from %s, attempt %d",
                      reason, self.content_dir, self.attempts)
            self._thread = threading.Thread(target=self._rebuild, args=(reason,),
                                            name="faqbot-index-recovery", daemon=True)
            self._thread.start()
            return True

    def _rebuild(self, reason: str) -> None:
        run_id = history.start_reindex(self.database, USER, trigger="recovery",
                                       reason=f"Index nicht verfügbar: {reason}")
        self.last_run_id = run_id
        try:
            generation, publish = self.plan() if self.plan is not None else (None, True)
            outcome = reindex(self.content_dir, self.index_dir,
                              Audit(self.database, USER, "recovery", run_id=run_id),
                              generation=generation, publish=publish)
        except ReindexRunning:
            # Someone else is building right now; the next request looks again.
            with self._lock:
                self._not_before = self.clock() + self.first_pause
        except Exception as exc:  # noqa: BLE001 - recorded in the audit trail, on /healthz, logged
            with self._lock:
                self.failures += 1
                pause = self.pause_after(self.failures)
                self._not_before = self.clock() + pause
                self.last_error = f"{type(exc).__name__}: {exc}"
            due = dt.datetime.now() + dt.timedelta(seconds=pause)
            history.add_to_message(self.database, run_id,
                                   f"Automatischer Neubau fehlgeschlagen ({self.failures}. Mal in Folge); "
                                   f"nächster Versuch frühestens um {due:%H:%M:%S}.")
            log.error("rebuilding the index failed (%s); next attempt in %.0f s",
                      self.last_error.splitlines()[0], pause)
        else:
            with self._lock:
                self.failures = 0
                self._not_before = 0.0
                self.last_error = ""
            log.warning("index rebuilt: generation %s", outcome.result.generation)

    def status(self) -> dict:
        """What /healthz shows of the recovery."""
        with self._lock:
            wait = max(0.0, self._not_before - self.clock())
            return {"running": self.running, "attempts": self.attempts, "failures": self.failures,
                    "last_error": self.last_error or None,
                    "next_attempt_in": round(wait, 1) if wait else None,
                    "last_run": self.last_run_id}

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
