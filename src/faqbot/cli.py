"""The ``faqbot`` command line: check, reindex, ask, eval, import, users, questions, db, serve.

Every command reads its settings through ``faqbot.settings.resolve`` as the app does
(defaults < instance/config.py < FAQBOT_* < the command's options).
"""
from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path

import click

from . import settings as settings_module


class FaqbotUsageError(click.UsageError):
    """A CLI error whose message says what to do."""


def _settings(**options) -> dict:
    """The settings, with the command's options (those given) on top."""
    try:
        return settings_module.resolve({name.upper(): value for name, value in options.items()})
    except settings_module.SettingError as exc:
        raise FaqbotUsageError(str(exc)) from None


def _paths(content: str | None, index: str | None) -> tuple[Path, Path]:
    config = _settings(content_dir=content, index_dir=index)
    return config["CONTENT_DIR"], config["INDEX_DIR"]


def _database(config: dict | None = None):
    """The database engine of the settings; it must be at the newest migration."""
    from . import db

    config = config or _settings()
    engine = db.get_engine(config["DATABASE_URL"])
    try:
        db.require_current(engine)
    except db.DatabaseNotCurrent as exc:
        raise FaqbotUsageError(str(exc)) from None
    return engine


def _who() -> str:
    """Who runs this command, for the audit trail."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unbekannt"


content_option = click.option("--content", "content", metavar="DIR",
                              help="Inhaltsordner (Standard: die Einstellung CONTENT_DIR, ./content).")
index_option = click.option("--index", "index", metavar="DIR",
                            help="Indexordner (Standard: die Einstellung INDEX_DIR, ./index).")


@click.group()
def cli() -> None:
    """faqbot: beantwortet Fragen zum Bürgergeld aus den freigegebenen Inhalten."""


@cli.command()
@content_option
def check(content: str | None) -> None:
    """Prüft alle Inhalte und nennt jedes Problem mit Datei und Zeile.

    Geprüft wird alles, woraus der Index gebaut wird (Einträge, synonyms.yaml,
    referrals.yaml), und der Fragenkatalog questions.yaml.
    """
    from .content import ContentError, Problem
    from .evaluation import load_question_set
    from .index import load_sources

    content_dir, _ = _paths(content, None)
    problems = []
    items = []
    try:
        items = load_sources(content_dir).items
    except ContentError as exc:
        problems.extend(exc.problems)
    qfile = content_dir / "questions.yaml"
    if qfile.exists():
        try:
            qset = load_question_set(qfile)
        except ContentError as exc:
            problems.extend(exc.problems)
        else:
            ids = {i.id for i in items} | {p.id for i in items for p in i.passages}
            if items and not problems:
                for q in qset.questions:
                    for e in q.expect:
                        if e not in ids:
                            problems.append(Problem("content/questions.yaml", q.line,
                                                    f"erwartete Kennung '{e}' gibt es nicht"))
    if problems:
        for p in problems:
            click.echo(str(p), err=True)
        click.echo(f"{len(problems)} Problem(e) gefunden.", err=True)
        sys.exit(1)
    from .content import stale_items
    from .settings import today_of

    for warning in stale_items(items, today_of(_settings())):
        click.echo(f"{warning} (Warnung)", err=True)
    from .classifier import orphaned

    gone = orphaned(p.id for i in items for p in i.passages)
    if gone:
        shown = ", ".join(gone[:5]) + (", …" if len(gone) > 5 else "")
        click.echo(f"src/faqbot/classifier_model.json: gelernte Fragen zu {len(gone)} Passage(n), "
                   f"die es nicht mehr gibt ({shown}); sie zählen nicht mehr. Nach dem Umbenennen "
                   "oder Löschen bitte bench/fit_ranking.py --write laufen lassen (Warnung)", err=True)
    from .wording import unscored

    new = unscored(p.id for i in items for p in i.passages)
    if new:
        shown = ", ".join(new[:5]) + (", …" if len(new) > 5 else "")
        click.echo(f"src/faqbot/wording_model.npz: {len(new)} Passage(n) ohne gelernte Formulierungen "
                   f"({shown}); das Modell bewertet sie erst nach bench/fit_ranking.py --write (Warnung)",
                   err=True)
    passages = sum(len(i.passages) for i in items)
    ids = len({i.id for i in items})
    versions = f" in {len(items)} Fassungen" if len(items) != ids else ""
    click.echo(f"Inhalte in Ordnung: {ids} Einträge{versions}, {passages} Passagen.")


@cli.command()
@content_option
@index_option
@click.option("--quiet", is_flag=True, help="Ohne Fortschrittsbalken.")
@click.option("--force", "force_reason", metavar="BEGRÜNDUNG",
              help="Neuen Index auch unter den Schwellen des Fragenkatalogs live schalten; "
                   "die Begründung wird protokolliert.")
@click.option("--reason", metavar="ANLASS", default="Kommandozeile", show_default=True,
              help="Warum neu indexiert wird; steht im Protokoll der Reindex-Läufe.")
def reindex(content: str | None, index: str | None, quiet: bool, force_reason: str | None,
            reason: str) -> None:
    """Baut den Index neu und schaltet ihn erst danach live (ohne Neustart des Servers).

    Vor dem Umschalten läuft der Fragenkatalog gegen den neuen Index; liegt er unter den
    Schwellen, bleibt der alte Index in Betrieb (außer mit --force BEGRÜNDUNG). Jeder Lauf
    steht mit Person, Zeit, Anlass und Zahlen im Protokoll der Datenbank (Konsole: Index).
    """
    from .content import ContentError
    from .index import ReindexRunning
    from .reindex import Audit, QualityGateFailed, reindex as run_reindex

    config = _settings(content_dir=content, index_dir=index)
    content_dir, index_dir = config["CONTENT_DIR"], config["INDEX_DIR"]
    audit = Audit(_database(config), user=_who(), trigger="cli", reason=reason.strip())
    if force_reason is not None and not force_reason.strip():
        raise FaqbotUsageError("--force braucht eine Begründung, z. B. --force \"Katalog wird überarbeitet\".")
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if quiet:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Indexiere Passagen", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    try:
        outcome = run_reindex(content_dir, index_dir, audit, force_reason=(force_reason or "").strip(),
                              progress=progress)
    except ContentError as exc:
        _close(bar)
        for p in exc.problems:
            click.echo(str(p), err=True)
        click.echo("Reindex abgebrochen: der bisherige Index bleibt in Betrieb.", err=True)
        sys.exit(1)
    except QualityGateFailed as exc:
        _close(bar)
        from .evaluation import format_report
        click.echo(format_report(exc.report), err=True)
        click.echo("Reindex abgebrochen: der neue Index beantwortet den Fragenkatalog schlechter "
                   "als erlaubt; der bisherige Index bleibt in Betrieb. Mit --force BEGRÜNDUNG "
                   "trotzdem live schalten.", err=True)
        sys.exit(1)
    except ReindexRunning as exc:
        _close(bar)
        click.echo(str(exc), err=True)
        sys.exit(2)
    _close(bar)
    result = outcome.result
    click.echo(f"Index {result.generation} ist live: {result.items} Einträge, "
               f"{result.passages} Passagen, {result.seconds:.2f} s.")
    if outcome.after is not None:
        before = f"{outcome.before.total.hit_at_1:.3f} → " if outcome.before else ""
        click.echo(f"Fragenkatalog: Hit@1 {before}{outcome.after.total.hit_at_1:.3f}")
    if outcome.forced_reason:
        click.echo(f"Achtung: unter den Schwellen live geschaltet. Begründung protokolliert: "
                   f"{outcome.forced_reason}", err=True)


def _close(bar) -> None:
    if bar is not None:
        bar.__exit__(None, None, None)


def _engine(content: str | None, index: str | None):
    from .index import build_index, index_exists
    from .search import SearchEngine

    content_dir, index_dir = _paths(content, index)
    if not index_exists(index_dir):
        click.echo("Kein (aktueller) Index vorhanden, baue ihn aus den Inhalten ...", err=True)
        build_index(content_dir, index_dir)
    return SearchEngine(index_dir)


def _parse_date(ctx, param, value: str | None):
    from .periods import parse_day
    from .settings import today_of

    if value is None:
        return today_of(_settings())
    try:
        return parse_day(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


date_option = click.option("--date", "day", metavar="JJJJ-MM-TT", callback=_parse_date,
                           help="Antworten nach dem Stand dieses Tages (Standard: heute bzw. FAQBOT_TODAY).")


@cli.command()
@click.argument("question")
@click.option("--history", multiple=True, help="Frühere Frage desselben Chats (mehrfach möglich).")
@date_option
@click.option("--json", "as_json", is_flag=True, help="Antwort als JSON wie /api/ask.")
@content_option
@index_option
def ask(question: str, history: tuple[str, ...], day, as_json: bool, content: str | None,
        index: str | None) -> None:
    """Beantwortet eine Frage wie der Chat (nach dem Stand von heute oder --date)."""
    from .ask import QuestionError, answer_question
    from .web.answers import answer_json
    from .periods import period_label

    engine = _engine(content, index)
    try:
        answer = answer_question(engine, question, list(history), today=day)
    except QuestionError as exc:
        raise FaqbotUsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
        return
    data = answer_json(answer)
    if not answer.answered:
        click.echo("Dazu habe ich keine passende Antwort gefunden.")
        if data["suggestions"]:
            click.echo("Vielleicht meinen Sie:")
            for s in data["suggestions"]:
                click.echo(f"  - {s['title']}  ({s['url']})")
        click.echo("Persönliche Beratung erhalten Sie bei Ihrem Jobcenter.")
        return
    for n, a in enumerate(data["answers"], start=1):
        click.secho(f"{n}. {a['title']}", bold=True)
        click.echo(f"   {a['passage']}".replace("\n", "\n   "))
        period = period_label(a["valid_from"], a["valid_until"], day)
        click.echo(f"   Stand: {a['stand']}" + (f" · {period}" if period else "")
                   + f" · Quelle: {a['source']} · {a['url']} · Wert {a['score']:.2f}")
        other = a["other_version"]
        if other:
            click.secho(f"   {period_label(other['valid_from'], other['valid_until'], day)}:", bold=True)
            click.echo(f"   {other['passage']}".replace("\n", "\n   "))
        click.echo()


@cli.command("eval")
@click.option("--questions", "questions_path", metavar="FILE",
              help="Fragenkatalog (Standard: content/questions.yaml).")
@click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON.")
@click.option("--no-failures", is_flag=True, help="Fehlschläge nicht auflisten.")
@date_option
@content_option
@index_option
def eval_command(questions_path: str | None, as_json: bool, no_failures: bool, day,
                 content: str | None, index: str | None) -> None:
    """Misst die Antwortqualität am Fragenkatalog (Hit@1, Hit@3, MRR, Ablehnungen).

    Endet mit Status 1, wenn eine Schwelle des Katalogs unterschritten ist.
    """
    from .content import ContentError
    from .evaluation import format_report, load_question_set, run_eval

    content_dir, _ = _paths(content, index)
    path = Path(questions_path) if questions_path else content_dir / "questions.yaml"
    try:
        qset = load_question_set(path)
    except ContentError as exc:
        raise FaqbotUsageError(str(exc)) from None
    report = run_eval(_engine(content, index), qset, today=day)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report, show_failures=not no_failures))
    if not report.passed:
        sys.exit(1)


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(["interview", "faq", "glossary"]), default="interview",
              show_default=True, help="Art des Inhalts (Seiten-Import gibt es für Interviews).")
@click.option("--source", metavar="URL", help="Adresse der Originalseite (sonst der canonical-Link der HTML-Seite).")
@click.option("--stand", metavar="JJJJ-MM-TT", help="Stand-Datum (Standard: heute).")
@click.option("--slug", help="Dateiname ohne .md (Standard: aus dem Titel).")
@click.option("--overwrite", is_flag=True, help="Eine vorhandene Datei ersetzen.")
@content_option
def import_command(path: str, kind: str, source: str | None, stand: str | None, slug: str | None,
                   overwrite: bool, content: str | None) -> None:
    """Macht aus einer gespeicherten Webseite (HTML oder Text) eine Inhaltsdatei."""
    import datetime as dt

    from .content import parse_item
    from .importer import ImportProblem, import_page

    content_dir, _ = _paths(content, None)
    try:
        stand_date = dt.date.fromisoformat(stand) if stand else None
    except ValueError:
        raise FaqbotUsageError(f"--stand muss ein Datum JJJJ-MM-TT sein, nicht '{stand}'.") from None
    try:
        target, found = import_page(Path(path), content_dir, kind=kind, source=source,
                                    stand=stand_date, slug=slug, overwrite=overwrite)
    except ImportProblem as exc:
        click.echo(f"Import nicht möglich: {exc}", err=True)
        click.echo("Es wurde keine Datei geschrieben.", err=True)
        sys.exit(1)
    item, problems = parse_item(target, content_dir)
    if problems:
        target.unlink()
        for p in problems:
            click.echo(str(p), err=True)
        click.echo("Die erzeugte Datei war ungültig und wurde wieder entfernt.", err=True)
        sys.exit(1)
    click.echo(f"Titel:    {found.title}")
    if found.rubric:
        click.echo(f"Rubrik:   {found.rubric}")
    click.echo(f"Teaser:   {found.teaser}")
    if found.person:
        click.echo(f"Person:   {found.person}")
    click.echo(f"Fragen:   {len(found.qa)}")
    for question, _ in found.qa:
        click.echo(f"  - {question}")
    click.echo(f"Entfernt: {found.dropped} Zeilen Navigation")
    click.echo(f"Geschrieben: {target}  (Kennung {item.id})")


@cli.group()
def db() -> None:
    """Die Datenbank (Konten, Fragen, Protokolle) einrichten und migrieren."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bringt die Datenbank auf den neuesten Stand (Alembic-Migrationen).

    Auf PostgreSQL unter einer Advisory-Sperre: gleichzeitig startende Server migrieren
    nacheinander. ./run serve ruft das vor dem Start auf.
    """
    from . import db as database

    url = _settings()["DATABASE_URL"]
    revision = database.upgrade(url, on_step=lambda revision, what: click.echo(
        f"Migration {revision} angewendet: {what.splitlines()[0] if what else ''}"))
    shown = database.get_engine(url).url.render_as_string(hide_password=True)
    click.echo(f"Datenbank {shown} ist auf dem neuesten Stand (Revision {revision}).")


@cli.group()
def user() -> None:
    """Konten für Fachteam (staff) und Redaktion (editor) verwalten."""


def _ask_password() -> str:
    return click.prompt("Passwort", hide_input=True, confirmation_prompt="Passwort wiederholen")


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["staff", "editor"]), required=True,
              help="staff: testen und Berichte lesen; editor: zusätzlich den Index neu bauen.")
def user_add(name: str, role: str) -> None:
    """Legt ein Konto an; das Passwort wird abgefragt."""
    from .accounts import AccountError, add_user

    try:
        created = add_user(_database(), name, role, _ask_password())
    except AccountError as exc:
        raise FaqbotUsageError(str(exc)) from None
    click.echo(f"Konto '{created.name}' ({created.role}) angelegt.")


@user.command("list")
def user_list() -> None:
    """Zeigt alle Konten."""
    from .accounts import list_users

    users = list_users(_database())
    if not users:
        click.echo("Keine Konten. Anlegen mit: faqbot user add NAME --role staff|editor")
    for u in users:
        click.echo(f"{u.name}\t{u.role}")


@user.command("remove")
@click.argument("name")
def user_remove(name: str) -> None:
    """Löscht ein Konto."""
    from .accounts import AccountError, remove_user

    try:
        remove_user(_database(), name)
    except AccountError as exc:
        raise FaqbotUsageError(str(exc)) from None
    click.echo(f"Konto '{name}' gelöscht.")


@user.command("passwd")
@click.argument("name")
def user_passwd(name: str) -> None:
    """Setzt ein neues Passwort; es wird abgefragt."""
    from .accounts import AccountError, set_password

    try:
        set_password(_database(), name, _ask_password())
    except AccountError as exc:
        raise FaqbotUsageError(str(exc)) from None
    click.echo(f"Passwort für '{name}' geändert.")


@cli.group()
def questions() -> None:
    """Vorschläge für den Fragenkatalog (aus der Konsole) ansehen und übernehmen."""


@questions.command("list")
def questions_list() -> None:
    """Zeigt die offenen Vorschläge."""
    from .proposals import open_proposals

    found = open_proposals(_database())
    if not found:
        click.echo("Keine offenen Vorschläge.")
    for p in found:
        expect = ", ".join(p.expect) or "Ablehnung"
        click.echo(f"{p.id}\t{p.proposed_at:%Y-%m-%d %H:%M}\t{p.user}\t{p.question}\t→ {expect}")


@questions.command("merge")
@content_option
def questions_merge(content: str | None) -> None:
    """Schreibt die offenen Vorschläge in content/questions.yaml.

    Die Datei wird neu geschrieben, geprüft und erst dann in einem Schritt ersetzt: sie ist
    danach entweder die alte oder die vollständige neue, nie halb geschrieben.
    """
    from .proposals import MergeError, merge

    config = _settings(content_dir=content)
    path = config["CONTENT_DIR"] / "questions.yaml"
    try:
        merged = merge(_database(config), path, _who())
    except MergeError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    for p in merged.added:
        click.echo(f"Aufgenommen: {p.question}  → {', '.join(p.expect) or 'Ablehnung'}")
    for p in merged.already:
        click.echo(f"Schon im Katalog: {p.question}")
    click.echo(f"{len(merged.added)} Frage(n) in {path} aufgenommen.")


@cli.command()
@click.option("--days", type=int, default=None,
              help="Aufbewahrungsfrist in Tagen (Standard: die Einstellung RETENTION_DAYS, 90).")
def prune(days: int | None) -> None:
    """Löscht, was älter als die Aufbewahrungsfrist ist: Bürgerfragen, Anmeldeversuche,
    Qualitätsmessungen und Reindex-Läufe."""
    from .db import prune as prune_tables

    config = _settings()
    days = days if days is not None else config["RETENTION_DAYS"]
    if days < 1:
        raise FaqbotUsageError("--days muss mindestens 1 sein.")
    removed = prune_tables(_database(config), days)
    click.echo(f"Älter als {days} Tage, gelöscht: {removed['questions']} Frage(n), "
               f"{removed['login_attempts']} Anmeldeversuch(e), {removed['eval_runs']} "
               f"Qualitätsmessung(en), {removed['reindex_runs']} Reindex-Lauf/Läufe.")


@cli.command()
@click.option("--host", default="localhost", show_default=True, help="Adresse, auf der der Server lauscht.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port.")
@click.option("--threads", default=None, type=int, help="Worker-Threads (Standard: gemessen, siehe docs/benchmarks.md).")
@content_option
@index_option
def serve(host: str, port: int, threads: int | None, content: str | None, index: str | None) -> None:
    """Startet den Assistenten unter waitress; baut den Index, wenn er fehlt.

    Die Datenbank muss auf dem neuesten Stand sein (faqbot db upgrade; ./run serve tut das).
    """
    from . import db as database
    from .server import run

    explicit = {"CONTENT_DIR": content, "INDEX_DIR": index}
    config = _settings(**{k.lower(): v for k, v in explicit.items()})
    _database(config)
    try:
        run(host=host, port=port, threads=threads, explicit=explicit)
    except database.DatabaseNotCurrent as exc:
        raise FaqbotUsageError(str(exc)) from None


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
