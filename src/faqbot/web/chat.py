"""The citizens' chat: ``/`` and the embeddable ``/widget``, with htmx and without JavaScript.

The conversation lives in the page, never on the server and never in a cookie: the form
carries the earlier questions as hidden fields (``verlauf``). Without JavaScript every post
returns the whole page, and the earlier questions are answered again (a few milliseconds
each). With htmx (``request.htmx``) only the new turn is returned, and the hidden fields are
swapped out of band.

Every button in the conversation (suggestions, "War das hilfreich?") belongs to the one
form through the ``form`` attribute, so it sends the conversation along in both modes.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, replace

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from htmx_flask import Htmx, make_response
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from .api import log_question
from .turns import Turn, build_turn, common_questions, jobcenter_url
from ..ask import MAX_QUESTION_CHARS, QuestionError, normalise
from ..search import IndexMissing
from ..services import services

MAX_TURNS = 10          # turns kept in the form (and shown without JavaScript)

log = logging.getLogger("faqbot")
bp = Blueprint("chat", __name__)


def init_app(app) -> None:
    """What the chat's templates need: htmx's request flag and the feedback token."""
    Htmx(app)                             # request.htmx
    app.jinja_env.globals["feedback_token"] = feedback_token


# --- the two layouts -----------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """The full page or the compact widget: which template, where the form posts."""

    name: str
    template: str
    ask_endpoint: str
    feedback_endpoint: str
    home_endpoint: str
    new_window: bool          # links open a new window (the widget sits in a frame)


PAGE = Layout("chat", "index.html", "chat.ask", "chat.rate", "chat.index", False)
WIDGET = Layout("widget", "widget.html", "chat.widget_ask", "chat.widget_rate", "chat.widget", True)


# --- the conversation, kept in the form ----------------------------------------------------

def _int(value: str | None) -> int | None:
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    return int(value) if value is not None and re.fullmatch(r"[0-9]{1,9}", value) else None


@dataclass(frozen=True)
class Conversation:
    """The questions asked so far, as carried by the form's hidden fields."""

    questions: tuple[str, ...] = ()
    start: int = 0                      # number of questions[0]; older ones were dropped
    rated: frozenset[int] = frozenset()  # numbers of the turns that got feedback

    @classmethod
    def from_form(cls, form: MultiDict) -> "Conversation":
        questions = []
        for text in form.getlist("verlauf"):
            try:
                questions.append(normalise(text))
            except QuestionError:
                continue
        start = _int(form.get("beginn")) or 0
        dropped = max(0, len(questions) - MAX_TURNS)
        rated = {n for n in map(_int, form.getlist("bewertet")) if n is not None}
        return cls(tuple(questions[dropped:]), start + dropped, frozenset(rated))

    def add(self, question: str) -> "Conversation":
        questions = self.questions + (question,)
        dropped = max(0, len(questions) - MAX_TURNS)
        start = self.start + dropped
        return replace(self, questions=questions[dropped:], start=start,
                       rated=frozenset(n for n in self.rated if n >= start))

    def rate(self, number: int) -> "Conversation":
        return replace(self, rated=self.rated | {number})

    def index_of(self, number: int) -> int | None:
        i = number - self.start
        return i if 0 <= i < len(self.questions) else None

    @property
    def next_number(self) -> int:
        return self.start + len(self.questions)


def build_turns(conversation: Conversation) -> list[Turn]:
    questions = conversation.questions
    return [build_turn(conversation.start + i, q, questions[:i],
                       rated=(conversation.start + i) in conversation.rated)
            for i, q in enumerate(questions)]


# --- rendering -----------------------------------------------------------------------------

def _context(layout: Layout, conversation: Conversation, **extra) -> dict:
    return dict(layout=layout, conversation=conversation, jobcenter_url=jobcenter_url(),
                max_chars=MAX_QUESTION_CHARS, **extra)


def whole_page(layout: Layout, conversation: Conversation, status: int = 200, *,
               error: str = "", typed: str = "", just_rated: tuple[int, bool] | None = None,
               turns: list[Turn] | None = None):
    return render_template(
        layout.template, turns=build_turns(conversation) if turns is None else turns,
        common=common_questions(),
        error=error, typed=typed, just_rated=just_rated,
        **_context(layout, conversation)), status


def _ask(layout: Layout):
    conversation = Conversation.from_form(request.form)
    raw = request.form.get("vorschlag") or request.form.get("frage") or ""
    try:
        question = normalise(raw)
    except QuestionError as exc:
        if request.htmx:
            body = render_template("partials/invalid.html", error=str(exc))
            return make_response(body, reswap="none", trigger_after_settle="faqbot-invalid")
        return whole_page(layout, conversation, 400, error=str(exc), typed=raw[:MAX_QUESTION_CHARS * 2])
    history = conversation.questions
    conversation = conversation.add(question)
    if not request.htmx:
        turns = build_turns(conversation)
        _log(turns[-1], layout)
        return whole_page(layout, conversation, turns=turns)
    turn = build_turn(conversation.next_number - 1, question, history)
    _log(turn, layout)
    body = render_template("partials/answered.html", turn=turn, **_context(layout, conversation))
    return make_response(body, trigger_after_settle={"faqbot-answered": {"id": f"runde-{turn.number}"}})


def _log(turn: Turn, layout: Layout) -> None:
    """Store the new question for staff (redacted, no IP address)."""
    if turn.answer is not None:
        log_question(turn.answer, layout.name)


class UnknownVote(BadRequest):
    description = "Diese Rückmeldung passt zu keiner Antwort im Gespräch."


# "ja:3:<token>": the vote, the turn's number and the token the server gave with the answer.
_VOTE = re.compile(r"(ja|nein):([0-9]{1,9}):([A-Za-z0-9_.-]{1,300})")
FEEDBACK_MAX_AGE = 24 * 3600


def _feedback_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="faqbot-feedback")


def _question_digest(question: str) -> str:
    return hashlib.sha256(question.encode("utf-8", "replace")).hexdigest()[:32]


def feedback_token(number: int, question: str) -> str:
    """Signed proof that this server answered ``question`` as turn ``number``: only such a
    turn can be rated, so nobody can post votes for questions nobody was answered."""
    return _feedback_signer().dumps([number, _question_digest(question)])


def _token_fits(token: str, number: int, question: str) -> bool:
    try:
        signed = _feedback_signer().loads(token, max_age=FEEDBACK_MAX_AGE)
    except BadData:
        return False
    return signed == [number, _question_digest(question)]


def _rate(layout: Layout):
    conversation = Conversation.from_form(request.form)
    vote = _VOTE.fullmatch(request.form.get("hilfreich", ""))
    index = conversation.index_of(int(vote[2])) if vote else None
    if index is None or not _token_fits(vote[3], int(vote[2]), conversation.questions[index]):
        raise UnknownVote()
    number, helpful = int(vote[2]), vote[1] == "ja"
    turn = build_turn(number, conversation.questions[index], conversation.questions[:index])
    services().feedback.add(turn.question, hit=turn.best.id if turn.best else None,
                           helpful=helpful, answered=turn.answered, channel=layout.name)
    conversation = conversation.rate(number)
    if not request.htmx:
        return whole_page(layout, conversation, typed=request.form.get("frage", "")[:MAX_QUESTION_CHARS * 2],
                          just_rated=(number, helpful))
    body = render_template("partials/rated.html", turn=replace(turn, rated=True), helpful=helpful,
                           **_context(layout, conversation))
    target = f"rueckmeldung-{number}"
    return make_response(body, retarget=f"#{target}", reswap="outerHTML",
                         trigger_after_settle={"faqbot-rated": {"id": target}})


# --- routes --------------------------------------------------------------------------------

@bp.get("/")
def index():
    return whole_page(PAGE, Conversation())


@bp.post("/frage")
def ask():
    return _ask(PAGE)


@bp.post("/feedback")
def rate():
    return _rate(PAGE)


@bp.get("/widget")
def widget():
    return whole_page(WIDGET, Conversation())


@bp.post("/widget/frage")
def widget_ask():
    return _ask(WIDGET)


@bp.post("/widget/feedback")
def widget_rate():
    return _rate(WIDGET)


@bp.get("/frage")
@bp.get("/feedback")
def ask_get():
    # A reload or a bookmark of a posted page: start a fresh chat.
    return redirect(url_for("chat.index"))


@bp.get("/widget/frage")
@bp.get("/widget/feedback")
def widget_get():
    return redirect(url_for("chat.widget"))


@bp.get("/einbinden")
def embed():
    """The snippet that puts the chat on another site, with a live example on this page."""
    src = public_base_url() + url_for("assets.widget_js")
    return render_template("embed.html", snippet=f'<script src="{src}" defer></script>',
                           frame_ancestors=current_app.config["FRAME_ANCESTORS"])


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
UNCONFIGURED_BASE = "https://ADRESSE-DES-ASSISTENTEN"


def public_base_url() -> str:
    """Where citizens reach this app (the ``PUBLIC_URL`` setting), never taken from the Host
    header of a request, which anyone can set. Unset, a server on this machine's own name
    (development) uses that; any other gets a placeholder to replace."""
    configured = str(current_app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if configured:
        return configured
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    return request.host_url.rstrip("/") if host in LOOPBACK_HOSTS else UNCONFIGURED_BASE


# --- errors for people ---------------------------------------------------------------------

def _layout_of_request() -> Layout:
    return WIDGET if request.path.startswith("/widget") else PAGE


@bp.errorhandler(IndexMissing)
def index_missing(exc: IndexMissing):
    message = "Die Suche ist gerade nicht verfügbar. Bitte versuchen Sie es später noch einmal."
    if request.htmx:
        return make_response(render_template("partials/invalid.html", error=message),
                             reswap="none", trigger_after_settle="faqbot-invalid")
    return render_template("unavailable.html", layout=_layout_of_request(), message=message), 503


@bp.errorhandler(429)
def too_many_requests(exc):
    message = "Zu viele Fragen in kurzer Zeit. Bitte warten Sie einen Moment und fragen Sie dann noch einmal."
    if request.htmx:
        # htmx swaps no 4xx response; chat.js shows its own message for 429.
        return message, 429, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("unavailable.html", layout=_layout_of_request(), message=message), 429


@bp.errorhandler(BadRequest)
@bp.errorhandler(RequestEntityTooLarge)
def bad_request(exc: BadRequest | RequestEntityTooLarge):
    if isinstance(exc, RequestEntityTooLarge):
        message = "Das Gespräch ist zu lang geworden. Bitte beginnen Sie ein neues Gespräch."
    elif isinstance(exc, UnknownVote):
        message = exc.description
    else:
        message = "Die Anfrage war unvollständig. Bitte versuchen Sie es noch einmal."
    if request.htmx:
        return make_response(render_template("partials/invalid.html", error=message),
                             reswap="none", trigger_after_settle="faqbot-invalid")
    return render_template("unavailable.html", layout=_layout_of_request(), message=message), exc.code
