"""``/healthz``: is there a live index, which one, and can it answer; while it is missing,
what the automatic rebuild is doing (running, failures, when it tries again); with several
servers, which generation is published and whether this server serves it (``faqbot.publish``:
``"status": "behind"``, still 200, while it answers from another one)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..search import IndexMissing

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    engine = current_app.extensions["faqbot.engine"]
    recovery = current_app.extensions["faqbot.recovery"]
    try:
        snapshot = engine.snapshot()
    except IndexMissing as exc:
        state = recovery.status()
        return jsonify(status="rebuilding" if state["running"] else "error", index=None,
                       error=str(exc), rebuild_error=state["last_error"], recovery=state), 503
    meta = snapshot.meta
    fleet = current_app.extensions["faqbot.follower"].report()
    return jsonify(status="ok" if fleet["in_step"] else "behind", index={
        "generation": meta["generation"], "built": meta["built"], "items": meta["items"],
        "passages": meta["passages"], "content_version": meta["content_version"]},
        recovery=recovery.status(), **fleet)
