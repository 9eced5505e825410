"""The JSON API: ``/api/ask`` and its OpenAPI description."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from .answers import answer_json
from ..ask import MAX_QUESTION_CHARS, QuestionError, answer_question
from ..periods import parse_day
from ..search import IndexMissing
from ..settings import today_of
from .openapi import MAX_GET_HISTORY, OPENAPI

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_HISTORY = 5


class BadRequest(Exception):
    def __init__(self, message: str):
        self.message = message


def _engine():
    return current_app.extensions["faqbot.engine"]


def _read_request() -> tuple[object, list, dt.date]:
    if request.method == "GET":
        history = request.args.getlist("history")
        if len(history) > MAX_GET_HISTORY:
            raise BadRequest(f"Höchstens {MAX_GET_HISTORY} frühere Fragen per GET; mehr per POST.")
        return request.args.get("q"), history, _day(request.args)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest('Erwartet wird JSON der Form {"question": "...", "history": [...]}.')
    unknown = set(data) - {"question", "history", "date"}
    if unknown:
        raise BadRequest(f"Unbekannte Felder: {', '.join(sorted(unknown))}.")
    history = data.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise BadRequest("'history' muss eine Liste von Texten sein.")
    return data.get("question"), history, _day(data)


def _day(given) -> dt.date:
    """The day to answer as of: ``date`` (YYYY-MM-DD) when given, else today."""
    if "date" not in given:
        return today_of(current_app.config)
    value = given["date"]
    try:
        return parse_day(value)
    except ValueError as exc:
        raise BadRequest(f"'date': {exc}") from None


@bp.route("/ask", methods=["GET", "POST"])
def ask():
    """Answer a question with ranked passages."""
    try:
        question, history, day = _read_request()
        if question is None or (isinstance(question, str) and not question.strip()):
            raise BadRequest("Bitte eine Frage angeben ('question' bzw. Parameter 'q').")
        if not isinstance(question, str):
            raise BadRequest("'question' muss ein Text sein.")
        if len(question) > MAX_QUESTION_CHARS * 2:
            raise BadRequest(f"Die Frage ist zu lang (höchstens {MAX_QUESTION_CHARS} Zeichen).")
        if len(history) > 50 or any(len(h) > MAX_QUESTION_CHARS for h in history):
            raise BadRequest("'history' ist zu lang.")
        answer = answer_question(_engine(), question, [h for h in history if h.strip()][-MAX_HISTORY:],
                                 today=day)
    except BadRequest as exc:
        return jsonify(error=exc.message), 400
    except QuestionError as exc:
        if isinstance(question, str) and question.strip() and len(question) <= MAX_QUESTION_CHARS:
            # Only characters we cannot read (control characters and the like): no answer,
            # but no error either, as for any other question we cannot answer.
            return jsonify(question=question, date=day.isoformat(), answered_as_of=day.isoformat(),
                           answered=False, confidence=0.0, answers=[], suggestions=[], referral=None)
        return jsonify(error=str(exc)), 400
    except IndexMissing:
        return jsonify(error="Der Suchindex ist gerade nicht verfügbar. Bitte später erneut versuchen."), 503
    log_question(answer, "api")
    return jsonify(answer_json(answer))


def log_question(answer, channel: str) -> None:
    """Queue the question for the log (stored redacted, without IP address, in the background)."""
    if current_app.config.get("LOG_QUESTIONS"):
        current_app.extensions["faqbot.questionlog"].record(answer, channel)


@bp.route("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


MESSAGES = {413: "Die Anfrage ist zu groß.", 405: "Diese Methode ist hier nicht erlaubt.",
            404: "Nicht gefunden."}


def init_app(app) -> None:
    """Errors under /api/ as JSON, including routing errors no blueprint handler sees."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            response = jsonify(error=MESSAGES.get(exc.code, exc.name))
            response.status_code = exc.code
            if exc.code == 405 and exc.valid_methods:
                response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response
        return exc
