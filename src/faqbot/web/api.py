"""The JSON API: ``/api/ask`` and its OpenAPI description."""
from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestURITooLarge

from .answers import answer_json
from ..ask import MAX_QUESTION_CHARS, QuestionError, answer_question
from ..periods import parse_day
from ..search import IndexMissing
from ..settings import today_of
from .openapi import MAX_GET_HISTORY, OPENAPI
from ..services import services

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_HISTORY = 5


class BadRequest(Exception):
    def __init__(self, message: str):
        self.message = message


def _engine():
    return services().engine


def _read_request() -> tuple[object, list, dt.date]:
    if request.method in ("GET", "HEAD"):
        history = request.args.getlist("history")
        if len(history) > MAX_GET_HISTORY:
            raise BadRequest(f"Höchstens {MAX_GET_HISTORY} frühere Fragen per GET; mehr per POST.")
        return request.args.get("q"), history, _day(request.args)
    try:
        data = request.get_json(silent=True)
        # Lone surrogates ("\udfff") pass JSON's own checks but cannot be written back out.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise BadRequest("Das JSON ist zu tief verschachtelt.") from None
    except UnicodeEncodeError:
        raise BadRequest("Die Anfrage enthält ungültige Zeichen (einzelne UTF-16-Ersatzzeichen).") from None
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
        services().questionlog.record(answer, channel)


@bp.route("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


MESSAGES = {413: "Die Anfrage ist zu groß.", 405: "Diese Methode ist hier nicht erlaubt.",
            404: "Nicht gefunden.", 414: "Die Adresse der Anfrage ist zu lang.",
            431: "Die Kopfzeilen der Anfrage sind zu groß.", 400: "Die Anfrage ist ungültig."}
# The app's own limits on the request line and headers (waitress's are far higher, so that
# the app answers first, in JSON under /api).
MAX_URL_CHARS = 8 * 1024
MAX_HEADER_CHARS = 32 * 1024


class HeadersTooLarge(HTTPException):
    code = 431
    description = "Die Kopfzeilen der Anfrage sind zu groß."


def init_app(app) -> None:
    """Errors under /api/ as JSON, including routing errors no blueprint handler sees; the
    app's limits on the request line and headers."""

    @app.before_request
    def request_size():
        environ = request.environ
        if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_URL_CHARS:
            raise RequestURITooLarge()
        if sum(len(k) + len(str(v)) for k, v in environ.items() if k.startswith("HTTP_")) > MAX_HEADER_CHARS:
            raise HeadersTooLarge()

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            response = jsonify(error=MESSAGES.get(exc.code, exc.name))
            response.status_code = exc.code
            if exc.code == 405 and exc.valid_methods:
                response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response
        return exc
