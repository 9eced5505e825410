"""``/healthz``: is there a live index, which one, and can it answer."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..search import IndexMissing

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    engine = current_app.extensions["faqbot.engine"]
    try:
        snapshot = engine.snapshot()
    except IndexMissing as exc:
        recovery = current_app.extensions["faqbot.recovery"]
        return jsonify(status="rebuilding" if recovery.running else "error", index=None,
                       error=str(exc), rebuild_error=recovery.last_error or None), 503
    meta = snapshot.meta
    return jsonify(status="ok", index={
        "generation": meta["generation"], "built": meta["built"], "items": meta["items"],
        "passages": meta["passages"], "content_version": meta["content_version"]})
