"""faqbot: answers citizens' questions about the Bürgergeld from editor-approved content.

Where a question becomes an answer: ``faqbot/ask.py``.
"""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
