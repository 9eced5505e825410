"""Errors nobody handled: a fault in the code, not in the index or the request.

Flask has logged the exception with its traceback before these handlers run; the person gets
a clear message in German (JSON under /api/, the console's error page under /konsole, the
chat's page elsewhere), and the index is left alone: only missing or unreadable index files
mean 503 and a rebuild (``faqbot.search.IndexMissing``).
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import InternalServerError

MESSAGE = ("Bei der Bearbeitung ist ein interner Fehler aufgetreten. Er wurde protokolliert. "
           "Bitte versuchen Sie es später noch einmal.")


def init_app(app: Flask) -> None:
    @app.errorhandler(InternalServerError)
    def internal_error(exc: InternalServerError):
        if request.path.startswith("/api/"):
            return jsonify(error=MESSAGE), 500
        if request.path.startswith("/konsole"):
            return render_template("console/error.html",
                                   error=InternalServerError(description=MESSAGE)), 500
        from .chat import PAGE, WIDGET
        layout = WIDGET if request.path.startswith("/widget") else PAGE
        return render_template("unavailable.html", layout=layout, message=MESSAGE), 500
