"""Rate limiting per client: one allowance across all citizens' routes (the API, the chat,
the widget and their feedback), and a limit of its own on the console's sign-in.

``FAQBOT_RATE_LIMIT`` and ``FAQBOT_LOGIN_RATE_LIMIT`` are flask-limiter strings such as
``30/minute`` or ``off``. The client is the connecting address; behind reverse proxies set
``FAQBOT_TRUSTED_PROXIES`` to their number so the address comes from X-Forwarded-For (and only
from the proxies one trusts).

With several servers, ``FAQBOT_RATE_LIMIT_STORAGE=redis://...`` keeps the counts in Redis, so a
client's allowance is one across all servers. If Redis cannot be reached, each server counts
in its own memory until it is back (requests are not refused for it).
"""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

DEFAULT_LIMIT = "30/minute;300/hour"
DEFAULT_LOGIN_LIMIT = "10/minute;60/hour"
# The one scope every citizens' route counts against: asking through the API, the chat or the
# widget and rating an answer all spend the same allowance.
CITIZENS_SCOPE = "citizens"
# The routes that answer or take a vote; the chat's other pages (the empty chat, the embed
# page, redirects) keep a limit per route, so loading the page spends none of the allowance.
ANSWERING = frozenset({"api.ask", "chat.ask", "chat.widget_ask", "chat.rate", "chat.widget_rate"})
LOGIN_ENDPOINT = "console.login"


def _limit(value: object, default: str) -> str | None:
    limit = str(value or default).strip()
    return None if limit.lower() in ("off", "none", "0", "false") else limit


_REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def init_app(app: Flask, blueprints: list[Blueprint]) -> Limiter | None:
    limit = _limit(app.config.get("RATE_LIMIT"), DEFAULT_LIMIT)
    login_limit = _limit(app.config.get("LOGIN_RATE_LIMIT"), DEFAULT_LOGIN_LIMIT)
    if limit is None and login_limit is None:
        return None
    storage = app.config.get("RATE_LIMIT_STORAGE") or "memory://"
    shared = not storage.startswith("memory://")
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage,
                      headers_enabled=True, strategy="moving-window",
                      # A shared store that hangs must not hang the answers.
                      storage_options=_REDIS_TIMEOUTS if storage.startswith(("redis", "valkey")) else {},
                      in_memory_fallback_enabled=shared, key_prefix="faqbot")
    if limit is not None:
        for blueprint in blueprints:
            limiter.shared_limit(limit, scope=CITIZENS_SCOPE,
                                 exempt_when=lambda: request.endpoint not in ANSWERING)(blueprint)
            limiter.limit(limit, exempt_when=lambda: request.endpoint in ANSWERING)(blueprint)
    if login_limit is not None and LOGIN_ENDPOINT in app.view_functions:
        # Each sign-in costs a password hash: a flood must not slow the citizens down.
        app.view_functions[LOGIN_ENDPOINT] = limiter.limit(login_limit, methods=["POST"])(
            app.view_functions[LOGIN_ENDPOINT])

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
