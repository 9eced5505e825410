"""Security and privacy headers on every response; citizens' pages set no cookies."""
from __future__ import annotations

from flask import Flask, request


def content_security_policy(frame_ancestors: str) -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        # htmx adds its indicator styles itself unless told not to (see faqbot/templates/base.html).
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        f"frame-ancestors {frame_ancestors}",
    ])


# Answers carry what the citizen typed: no cache (browser, proxy) keeps them.
ANSWERING = frozenset({"api.ask", "chat.ask", "chat.widget_ask", "chat.rate", "chat.widget_rate"})
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    @app.after_request
    def headers(response):
        widget_page = request.path.startswith("/widget")
        ancestors = app.config["FRAME_ANCESTORS"] if widget_page else "'self'"
        response.headers.setdefault("Content-Security-Policy", content_security_policy(ancestors))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if not widget_page:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        # Only over HTTPS (directly, or as a trusted proxy says): a browser ignores it over
        # HTTP, and a development server on http://localhost must stay reachable.
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = HSTS
        if request.endpoint in ANSWERING:
            response.headers["Cache-Control"] = "no-store"
        return response
