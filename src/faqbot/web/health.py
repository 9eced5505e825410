"""``/healthz``: is there a live index, which one, and can it answer; while it is missing,
what the automatic rebuild is doing (running, failures, when it tries again); with several
servers, which generation is published and whether this server serves it (``faqbot.publish``:
``"status": "behind"``, still 200, while it answers from another one).

The public answer says only that: no file-system paths, no exception texts, no names. Signed-in
staff get the details (why the index is missing, why a rebuild or a switch failed, who
published) at ``/konsole/healthz``.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..search import IndexMissing
from ..services import services

bp = Blueprint("health", __name__)


def health(details: bool = False):
    """The health answer and its status code; ``details`` adds the error texts."""
    state = services().recovery.status()
    if not details:
        state.pop("last_error", None)
    try:
        snapshot = services().engine.snapshot()
    except IndexMissing as exc:
        body = {"status": "rebuilding" if state["running"] else "error", "index": None,
                "recovery": state}
        if details:
            body.update(error=str(exc), rebuild_error=state.get("last_error"))
        return jsonify(body), 503
    meta = snapshot.meta
    fleet = services().follower.report()
    if not details:
        fleet["sync"].pop("error", None)
        if fleet["published"]:
            fleet["published"].pop("user", None)
    return jsonify(status="ok" if fleet["in_step"] else "behind", index={
        "generation": meta["generation"], "built": meta["built"], "items": meta["items"],
        "passages": meta["passages"], "content_version": meta["content_version"]},
        recovery=state, **fleet), 200


@bp.route("/healthz")
def healthz():
    return health(details=False)
