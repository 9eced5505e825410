"""``/healthz``: is there a live index, which one, and can it answer.

The public answer says only that: no file-system paths, no exception texts. Signed-in staff
get the details (why the index is missing, why a rebuild failed) at ``/konsole/healthz``.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..search import IndexMissing

bp = Blueprint("health", __name__)


def health(details: bool = False):
    """The health answer and its status code; ``details`` adds the error texts."""
    engine = current_app.extensions["faqbot.engine"]
    try:
        snapshot = engine.snapshot()
    except IndexMissing as exc:
        recovery = current_app.extensions["faqbot.recovery"]
        body = {"status": "rebuilding" if recovery.running else "error", "index": None}
        if details:
            body.update(error=str(exc), rebuild_error=recovery.last_error or None)
        return jsonify(body), 503
    meta = snapshot.meta
    return jsonify(status="ok", index={
        "generation": meta["generation"], "built": meta["built"], "items": meta["items"],
        "passages": meta["passages"], "content_version": meta["content_version"]}), 200


@bp.route("/healthz")
def healthz():
    return health(details=False)
