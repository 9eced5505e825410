"""The JSON of an answer and the assistant's own URLs: how the engine's plain data is shown
to API clients (``/api/ask``, ``faqbot ask --json``) and linked from pages."""
from __future__ import annotations

from ..ask import Answer, Version


def item_url(item_id: str, anchor: str = "") -> str:
    """The assistant's own page for an item (and passage)."""
    return f"/inhalt/{item_id}" + (f"#{anchor}" if anchor else "")


def answer_json(answer: Answer) -> dict:
    """The API's JSON for an answer (see ``/api/openapi.json``)."""
    hits = answer.hits if answer.answered else ()
    return {
        "question": answer.question,
        "answered": answer.answered,
        "confidence": round(answer.confidence, 3),
        "date": answer.today.isoformat() if answer.today else None,
        "answered_as_of": answer.as_of.isoformat() if answer.as_of else None,
        "answers": [
            {"id": h.id, "kind": h.kind, "title": h.title, "passage": h.passage,
             "url": item_url(h.item_id, h.anchor), "source": h.source, "stand": h.stand,
             "valid_from": h.valid_from, "valid_until": h.valid_until,
             "score": round(h.score, 3), "easy": h.easy or None,
             "other_version": _version_json(h.other)}
            for h in hits
        ],
        "suggestions": [{"id": s.id, "title": s.title, "url": item_url(s.id)}
                        for s in answer.suggestions],
        "referral": answer.referral.as_json() if answer.referral else None,
    }


def _version_json(version: Version | None) -> dict | None:
    if version is None:
        return None
    return {"title": version.title, "passage": version.passage, "stand": version.stand,
            "source": version.source, "valid_from": version.valid_from,
            "valid_until": version.valid_until, "easy": version.easy or None}
