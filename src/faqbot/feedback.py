"""Where "War das hilfreich?" answers go.

For now each vote is one JSON line in ``feedback.jsonl`` in the instance folder; the staff
console will move this to the database. A vote never holds an IP address, a cookie or the
question as typed: only the question after ``faqbot.redact.redact``.
"""
from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, current_app

from .redact import redact

FILE_NAME = "feedback.jsonl"


@dataclass(frozen=True)
class Feedback:
    """One vote on one answer."""

    question: str          # redacted
    hit: str | None        # id of the best passage shown, None for a declined question
    helpful: bool
    answered: bool
    channel: str           # "chat" or "widget"
    time: str              # UTC, to the second


class FeedbackStore:
    """Appends votes to a JSON-lines file; safe to share between waitress threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def add(self, question: str, hit: str | None, helpful: bool, answered: bool,
            channel: str = "chat") -> Feedback:
        """Store one vote; the question is redacted here, whatever the caller passed."""
        vote = Feedback(question=redact(question), hit=hit, helpful=helpful, answered=answered,
                        channel=channel,
                        time=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        line = json.dumps(asdict(vote), ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        return vote

    def all(self) -> list[Feedback]:
        """Every stored vote, oldest first."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as f:
            return [Feedback(**json.loads(line)) for line in f if line.strip()]


def init_app(app: Flask) -> None:
    app.extensions["faqbot.feedback"] = FeedbackStore(Path(app.instance_path) / FILE_NAME)


def get_store() -> FeedbackStore:
    return current_app.extensions["faqbot.feedback"]
