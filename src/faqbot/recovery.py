"""Bringing the index back when it is gone or broken: rebuilt from content in the background,
one rebuild at a time, while /healthz says what is going on."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from .index import ReindexRunning, build_index

log = logging.getLogger("faqbot.recovery")


class IndexRecovery:
    def __init__(self, content_dir: Path, index_dir: Path):
        self.content_dir = Path(content_dir)
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.last_error = ""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, reason: str) -> bool:
        """Start a rebuild unless one runs; returns whether this call started it."""
        with self._lock:
            if self.running:
                return False
            log.error("index unavailable (%s): rebuilding from %s", reason, self.content_dir)
            self._thread = threading.Thread(target=self._rebuild, name="faqbot-index-recovery",
                                            daemon=True)
            self._thread.start()
            return True

    def _rebuild(self) -> None:
        try:
            result = build_index(self.content_dir, self.index_dir)
        except ReindexRunning:
            self.last_error = ""  # a reindex is under way anyway
        except Exception as exc:  # noqa: BLE001 - reported on /healthz
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("rebuilding the index failed")
        else:
            self.last_error = ""
            log.warning("index rebuilt: generation %s", result.generation)

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
