"""The staff and editors' console under ``/konsole``: sign in, test bench, proposals for the
question set, quality report, what citizens ask, and reindex from the browser with the audit
trail of every reindex. Everything here requires signing in; reindexing and discarding
proposals require the editor role."""
from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, g, redirect, render_template,
                   request, session, url_for)

from .. import accounts, history, proposals, publish, questionlog
from .. import progress as reindex_progress
from ..ask import QuestionError, answer_question
from ..content import ContentError
from ..evaluation import load_question_set, run_eval
from ..index import ReindexRunning
from ..reindex import Audit, QualityGateFailed, reindex
from ..periods import german_date, parse_day, period_label
from ..ranking import label as ranking_label, load_ranker
from ..search import IndexMissing
from ..sessions import check_csrf
from ..settings import today_of
from ..services import services
from werkzeug.exceptions import TooManyRequests

bp = Blueprint("console", __name__, url_prefix="/konsole")

# Ids in URLs above this are no row of ours (and too large for the database's integers).
MAX_ID = 2**31 - 1


def _db():
    return services().db


def _engine():
    return services().engine


@bp.before_request
def load_user():
    g.user = None
    user_id = session.get("user_id")
    if isinstance(user_id, int):
        g.user = accounts.get_user(_db(), user_id)
        # Signed out or a new password since: this session is over.
        if g.user is None or session.get("version") != g.user.session_version:
            g.user = None
            session.clear()
    if request.method == "POST":
        check_csrf()


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def login_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            if request.method == "GET":
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            abort(401)
        return view(**kwargs)
    return wrapped


def editor_required(view):
    @functools.wraps(view)
    @login_required
    def wrapped(**kwargs):
        if not g.user.may_reindex:
            abort(403, description="Nur Redakteurinnen und Redakteure dürfen den Index neu bauen.")
        return view(**kwargs)
    return wrapped


def _secret() -> bytes:
    key = current_app.secret_key
    return key.encode() if isinstance(key, str) else bytes(key)


# A path in the console, printable ASCII only (no CR/LF, no backslash, no scheme or host).
_CONSOLE_PATH = re.compile(r"/konsole(?:[/?][!-\[\]-~]*)?")


def _safe_next(target: str | None) -> str:
    if target and _CONSOLE_PATH.fullmatch(target):
        return target
    return url_for("console.overview")


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    error = None
    status = 200
    if request.method == "POST":
        try:
            user = accounts.authenticate(_db(), request.form.get("name", ""),
                                         request.form.get("password", ""),
                                         client=request.remote_addr or "",
                                         secret=_secret())
        except accounts.Throttled:
            user, status = None, 429
            error = ("Zu viele fehlgeschlagene Anmeldungen von diesem Gerät. "
                     "Bitte in 15 Minuten erneut versuchen.")
        else:
            if user is None:
                error, status = "Name oder Passwort ist falsch.", 401
        if user is not None:
            session.clear()
            session["user_id"] = user.id
            session["version"] = user.session_version
            session.permanent = True
            questionlog.warm_grouping()
            return redirect(_safe_next(request.form.get("next")))
    return render_template("console/login.html", error=error,
                           next=request.values.get("next", "")), status


@bp.route("/abmelden", methods=["POST"])
def logout():
    if g.user is not None:
        accounts.end_sessions(_db(), g.user.id)
    session.clear()
    return redirect(url_for("console.login"))


@bp.route("/")
@login_required
def overview():
    try:
        meta = _engine().snapshot().meta
    except IndexMissing:
        meta = None
    return render_template("console/overview.html", meta=meta,
                           evals=history.eval_history(_db(), limit=1),
                           reindexes=[shown_run(r) for r in history.reindex_history(_db(), limit=3)])


@bp.route("/healthz")
@login_required
def health_details():
    """``/healthz`` with the error texts, for staff."""
    from .health import health
    return health(details=True)


# Test bench -------------------------------------------------------------------------------

def _day_of_form(values) -> tuple[dt.date, str]:
    """The day a form asks to answer as of ("datum", YYYY-MM-DD; empty: today) and an error."""
    today = today_of(current_app.config)
    given = (values.get("datum") or "").strip()
    if not given:
        return today, ""
    try:
        return parse_day(given), ""
    except ValueError as exc:
        return today, str(exc)


@bp.route("/testen")
@login_required
def bench():
    question = request.args.get("q", "").strip()
    previous = [h for h in request.args.getlist("history") if h.strip()]
    answer = error = None
    day, error = _day_of_form(request.args)
    if question and not error:
        try:
            answer = answer_question(_engine(), question, previous, today=day)
        except QuestionError as exc:
            error = str(exc)
        except IndexMissing:
            error = "Kein Index verfügbar."
    ids = []
    try:
        records = _engine().snapshot().records
        ids = sorted({r["item_id"] for r in records.values()} | set(records))
    except IndexMissing:
        pass
    return render_template("console/bench.html", question=question, history=previous,
                           answer=answer, error=error, ids=sorted({i.split("@")[0] for i in ids}),
                           day=day, today=today_of(current_app.config),
                           period_label=period_label, label=ranking_label,
                           contributions=load_ranker().contributions,
                           added=request.args.get("hinzugefuegt"))


@bp.route("/katalog", methods=["POST"])
@login_required
def add_to_question_set():
    """Propose a question with its expected id (or none: must be declined) for the staff set.

    Stored in the database; ``faqbot questions merge`` writes it into questions.yaml."""
    question = request.form.get("q", "").strip()
    expected = request.form.get("expect", "").strip()
    if not question or len(question) > 500:
        abort(400, description="Frage fehlt oder ist zu lang.")
    records = _engine().snapshot().records
    known = {r["item_id"] for r in records.values()} | set(records)
    if expected and expected not in known:
        abort(400, description=f"Unbekannte Kennung '{expected}'.")
    proposals.propose(_db(), question, [expected] if expected else [], g.user.name)
    return redirect(url_for("console.proposed", neu="1"))


@bp.route("/vorschlaege")
@login_required
def proposed():
    return render_template("console/proposals.html", proposals=proposals.open_proposals(_db()),
                           added=request.args.get("neu"))


@bp.route("/vorschlaege/<int:proposal_id>/verwerfen", methods=["POST"])
@editor_required
def discard_proposal(proposal_id: int):
    if not proposals.discard(_db(), proposal_id, g.user.name):
        abort(404)
    return redirect(url_for("console.proposed"))


# Quality report ---------------------------------------------------------------------------

@bp.route("/qualitaet", methods=["GET", "POST"])
@login_required
def quality():
    if request.method == "POST":
        path = Path(current_app.config["CONTENT_DIR"]) / "questions.yaml"
        try:
            qset = load_question_set(path)
            snapshot = _engine().snapshot()
        except (ContentError, IndexMissing) as exc:
            abort(409, description=str(exc))
        day, error = _day_of_form(request.form)
        if error:
            abort(400, description=error)
        report = run_eval(_engine(), qset, today=day)
        trigger = "konsole" if day == today_of(current_app.config) else f"konsole, Stichtag {day.isoformat()}"
        run_id = history.record_eval(_db(), report, trigger=trigger, user=g.user.name,
                                     content_version=snapshot.meta["content_version"],
                                     generation=snapshot.meta["generation"])
        return redirect(url_for("console.quality_run", run_id=run_id))
    return render_template("console/quality.html", runs=history.eval_history(_db()))


@bp.route("/qualitaet/<int:run_id>")
@login_required
def quality_run(run_id: int):
    report = history.eval_report(_db(), run_id) if run_id <= MAX_ID else None
    if report is None:
        abort(404)
    return render_template("console/quality_run.html", report=report, run_id=run_id,
                           runs=history.eval_history(_db()))


# What citizens ask ------------------------------------------------------------------------

KINDS = {"alle": "all", "abgelehnt": "declined", "nicht-hilfreich": "unhelpful"}


@bp.route("/fragen")
@login_required
def asked():
    services().questionlog.flush()
    kind = request.args.get("art", "alle")
    if kind not in KINDS:
        kind = "alle"
    deleted = request.args.get("geloescht", type=int)
    return render_template("console/questions.html", kind=kind, deleted=deleted,
                           groups=questionlog.groups(_db(), KINDS[kind],
                                                     days=current_app.config["RETENTION_DAYS"]))


@bp.route("/fragen/loeschen", methods=["POST"])
@login_required
def delete_question():
    """Delete every stored copy of one question, e.g. one that still holds personal data."""
    text = request.form.get("frage", "")
    if not text or len(text) > 1000:
        abort(400, description="Welche Frage gelöscht werden soll, fehlt.")
    kind = request.form.get("art", "alle")
    services().questionlog.flush()
    removed = questionlog.delete(_db(), text)
    current_app.logger.info("%s deleted %d stored question(s)", g.user.name, removed)
    return redirect(url_for("console.asked", art=kind if kind in KINDS else "alle", geloescht=removed))


@bp.route("/fragen.csv")
@login_required
def asked_csv():
    services().questionlog.flush()
    data = questionlog.export_csv(_db(), days=current_app.config["RETENTION_DAYS"])
    return Response(data, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=fragen.csv"})


# Reindex ----------------------------------------------------------------------------------

TRIGGER_LABELS = {"cli": "Kommandozeile", "recovery": "automatische Wiederherstellung"}


@dataclass(frozen=True)
class ShownRun:
    """A row of the reindex audit trail as the console shows it: who and why in words."""

    id: int
    started_at: object
    user: str
    status: str
    items: int | None
    passages: int | None
    seconds: float | None
    hit_at_1_before: float | None
    hit_at_1_after: float | None
    forced_reason: str | None
    message: str | None

    def __getitem__(self, name: str):
        return getattr(self, name)


def shown_run(row) -> ShownRun:
    """Who (with how, unless it was this console) and why (before the outcome's message)."""
    user = row.user if row.trigger == "konsole" else f"{row.user} ({TRIGGER_LABELS.get(row.trigger, row.trigger)})"
    if row.trigger == "recovery" and row.status == "running":
        user += ", läuft"
    message = "\n".join(m for m in (f"Anlass: {row.reason}" if row.reason else "", row.message) if m)
    return ShownRun(id=row.id, started_at=row.started_at, user=user, status=row.status,
                    items=row.items, passages=row.passages, seconds=row.seconds,
                    hit_at_1_before=row.hit_at_1_before, hit_at_1_after=row.hit_at_1_after,
                    forced_reason=row.forced_reason, message=message or None)


@bp.route("/reindex", methods=["GET", "POST"])
@login_required
def reindex_page():
    if request.method == "POST":
        return start_reindex()
    return render_template("console/reindex.html",
                           runs=[shown_run(r) for r in history.reindex_history(_db())],
                           coming=coming_changes(),
                           fleet=services().follower.report(),
                           publications=publish.history(_db()))


def coming_changes() -> list[dict]:
    """The coming days on which versions start or end, with the items that change."""
    try:
        snapshot = _engine().snapshot()
    except IndexMissing:
        return []
    today = today_of(current_app.config)
    coming = []
    for day in sorted(d for d in snapshot.changes if d > today):
        items = []
        for item_id in sorted(snapshot.changes[day]):
            rec = snapshot.record_at(item_id, day) or snapshot.record_at(item_id, day - dt.timedelta(days=1))
            items.append({"id": item_id, "title": rec["item_title"] if rec else item_id,
                          "datum": day.isoformat()})
        coming.append({"day": day, "label": german_date(day), "items": items})
    return coming


@editor_required
def start_reindex():
    reason = request.form.get("force_reason", "").strip()
    if request.form.get("force") and not reason:
        abort(400, description="Zum Überschreiben der Qualitätsschwelle ist eine Begründung nötig.")
    run_id = history.start_reindex(_db(), g.user.name, trigger="konsole", reason="in der Konsole gestartet")
    # Progress is in the database: the run's page shows it on every server.
    reindex_progress.save(_db(), run_id, phase="Inhalte prüfen")
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run_reindex, name=f"reindex-{run_id}", daemon=True,
                              args=(app, run_id, g.user.name, reason if request.form.get("force") else ""))
    thread.start()
    return redirect(url_for("console.reindex_status", run_id=run_id))


def _run_reindex(app, run_id: int, user: str, reason: str) -> None:
    database = services(app).db

    def open_new_index(result) -> None:
        # This server answers from the new index before the editor reads "live".
        try:
            services(app).engine.refresh()
        except IndexMissing:
            app.logger.exception("reindex %s: the new index could not be opened", run_id)

    audit = Audit(database, user, "konsole", run_id=run_id)
    try:
        reindex(app.config["CONTENT_DIR"], app.config["INDEX_DIR"], audit, force_reason=reason,
                progress=reindex_progress.Reporter(database, run_id), on_live=open_new_index)
    except (ContentError, QualityGateFailed, ReindexRunning):
        pass   # recorded in the run: the editor reads why on its page
    except Exception:  # noqa: BLE001 - recorded as failed; the old index keeps serving
        app.logger.exception("reindex %s failed", run_id)
    finally:
        reindex_progress.clear(database, run_id)


@bp.route("/reindex/<int:run_id>")
@login_required
def reindex_status(run_id: int):
    run = history.reindex_run(_db(), run_id) if run_id <= MAX_ID else None
    if run is None:
        abort(404)
    progress = reindex_progress.load(_db(), run_id) if run.status == "running" else {}
    return render_template("console/reindex_run.html", run=shown_run(run), progress=progress)


@bp.errorhandler(400)
@bp.errorhandler(401)
@bp.errorhandler(403)
@bp.errorhandler(404)
@bp.errorhandler(409)
@bp.errorhandler(429)
def console_error(exc):
    if exc.code == 429:
        exc = TooManyRequests("Zu viele Anmeldeversuche in kurzer Zeit. Bitte warten Sie einen Moment.")
    return render_template("console/error.html", error=exc), exc.code
