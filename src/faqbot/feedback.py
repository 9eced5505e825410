"""Where "War das hilfreich?" answers go: the database, next to the question they rate.

A vote is matched to the question it rates (the same redacted text on the same channel within
the last hour, not yet rated); when there is none (the question was asked before logging was
on, or long ago) a row is added. A vote never holds an IP address, a cookie or the question as
typed: only the question after ``faqbot.redact.redact``.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from . import questionlog
from .db import questions


@dataclass(frozen=True)
class Feedback:
    """One vote on one answer."""

    question: str          # redacted
    hit: str | None        # id of the best passage shown, None for a declined question
    helpful: bool
    answered: bool
    channel: str           # "chat" or "widget"


class FeedbackStore:
    """Stores votes in the database; safe to share between waitress threads.

    With a ``writer`` (the app's question-log writer) votes are written in the background,
    after the question they rate; without one, at once.
    """

    def __init__(self, engine: sa.Engine, writer: questionlog.Writer | None = None):
        self.engine = engine
        self.writer = writer

    def add(self, question: str, hit: str | None, helpful: bool, answered: bool,
            channel: str = "chat") -> None:
        """Store one vote (the question is redacted where it is written)."""
        if self.writer is not None:
            self.writer.record_vote(question, hit=hit, helpful=helpful, answered=answered,
                                    channel=channel)
        else:
            questionlog.record_vote(self.engine, question, hit=hit, helpful=helpful,
                                    answered=answered, channel=channel)

    def all(self) -> list[Feedback]:
        """Every stored vote, oldest first."""
        if self.writer is not None:
            self.writer.flush()
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(questions).where(questions.c.helpful.is_not(None))
                                .order_by(questions.c.feedback_at, questions.c.id)).all()
        return [Feedback(question=r.question, hit=(r.answer_ids.split(" ")[0] or None),
                         helpful=r.helpful, answered=r.answered, channel=r.channel) for r in rows]
