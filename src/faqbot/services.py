"""What ``create_app`` attaches to the app: the engine and the stores, in one typed object.

    services().engine.snapshot()        # in a request
    services(app).db                    # with an app at hand (tests, the server, threads)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    import sqlalchemy as sa

    from .feedback import FeedbackStore
    from .publish import Follower
    from .questionlog import Writer
    from .recovery import IndexRecovery
    from .search import SearchEngine

KEY = "faqbot"


@dataclass
class Services:
    db: "sa.Engine"
    recovery: "IndexRecovery"
    engine: "SearchEngine"
    questionlog: "Writer"
    feedback: "FeedbackStore"
    follower: "Follower"           # keeps this server on the generation published for all


def services(app: Flask | None = None) -> Services:
    """The services of ``app`` (default: the app of the current request)."""
    return (app or current_app).extensions[KEY]
