"""Rate limiting on the public endpoints (the API and the citizens' chat), per client.

``FAQBOT_RATE_LIMIT`` is a flask-limiter string such as ``30/minute`` or ``off``. The client is
the connecting address; behind reverse proxies set ``FAQBOT_TRUSTED_PROXIES`` to their number so
the address comes from X-Forwarded-For (and only from the proxies one trusts).

With several servers, ``FAQBOT_RATE_LIMIT_STORAGE=redis://...`` keeps the counts in Redis, so a
client's allowance is one across all servers. If Redis cannot be reached, each server counts
in its own memory until it is back (requests are not refused for it).
"""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

DEFAULT_LIMIT = "30/minute;300/hour"
_REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def init_app(app: Flask, blueprints: list[Blueprint]) -> Limiter | None:
    limit = str(app.config.get("RATE_LIMIT") or DEFAULT_LIMIT).strip()
    if limit.lower() in ("off", "none", "0", "false"):
        return None
    storage = app.config.get("RATE_LIMIT_STORAGE") or "memory://"
    shared = not storage.startswith("memory://")
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage,
                      headers_enabled=True, strategy="moving-window",
                      # A shared store that hangs must not hang the answers.
                      storage_options=_REDIS_TIMEOUTS if storage.startswith(("redis", "valkey")) else {},
                      in_memory_fallback_enabled=shared, key_prefix="faqbot")
    for blueprint in blueprints:
        limiter.limit(limit)(blueprint)

    @app.errorhandler(429)
    def too_many(exc):
        message = "Zu viele Anfragen in kurzer Zeit. Bitte warten Sie einen Moment und versuchen Sie es dann erneut."
        if request.path.startswith("/api/"):
            return jsonify(error=message), 429
        try:
            return render_template("error.html", message=message, code=429), 429
        except Exception:  # noqa: BLE001 - no template: plain text
            return message, 429, {"Content-Type": "text/plain; charset=utf-8"}

    return limiter
