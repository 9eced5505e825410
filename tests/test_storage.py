"""Accounts, the redacted question log and the history, on SQLite and on PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from faqbot import accounts, db, questionlog
from faqbot.ask import answer_question
from faqbot.redact import redact

# Realistic questions full of personal data, and what must not survive.
PERSONAL = [
    ("Ich heiße Tanja Berger und bin schwanger, gibt es mehr Geld?", ["Tanja", "Berger"]),
    ("mein name ist kevin schulz, wie hoch ist der regelsatz", ["kevin", "schulz"]),
    ("Hallo, hier schreibt Murat Yilmaz. Meine Mail: murat.yilmaz@example.org", ["Murat", "Yilmaz", "murat.yilmaz@example.org"]),
    ("Bitte ruft mich an unter 0171 2345678 wegen Miete", ["0171 2345678", "2345678"]),
    ("Tel.: +49 30 1234567, Antrag verloren", ["+49 30 1234567", "1234567"]),
    ("Meine IBAN ist DE89 3704 0044 0532 0130 00, wann kommt das Geld?", ["DE89", "3704 0044", "0532 0130"]),
    ("iban DE89370400440532013000 falsch angegeben", ["DE89370400440532013000"]),
    ("Ich bin am 12.03.1985 geboren, bekomme ich Rente?", ["12.03.1985"]),
    ("geb. 1.4.99, alleinerziehend, Mehrbedarf?", ["1.4.99"]),
    ("Meine BG-Nummer ist 12345BG0012345, Bescheid fehlt", ["12345BG0012345"]),
    ("Kundennummer 123D456789 – wer ist mein Ansprechpartner?", ["123D456789"]),
    ("Ich wohne in der Hauptstraße 12, 10115 Berlin, welches Jobcenter?", ["Hauptstraße 12", "10115 Berlin"]),
    ("Am Lindenweg 3a wohnen wir zu fünft, zu teuer?", ["Lindenweg 3a"]),
    ("Ich bin die Sabine und meine Miete wurde erhöht", ["Sabine"]),
]


@pytest.mark.parametrize("question, secrets", PERSONAL)
def test_redact_removes_personal_data(question, secrets):
    cleaned = redact(question)
    for secret in secrets:
        assert secret not in cleaned, cleaned


def test_redact_keeps_the_question_itself():
    assert redact("Wie hoch ist der Regelsatz 2026 für 2 Kinder?") == "Wie hoch ist der Regelsatz 2026 für 2 Kinder?"
    assert "Mehrbedarf" in redact("geb. 1.4.99, alleinerziehend, Mehrbedarf?")


def test_migrations_create_every_table(database):
    names = set(sa.inspect(database).get_table_names())
    assert {"users", "login_attempts", "questions", "eval_runs", "reindex_runs", "alembic_version"} <= names


def test_migrations_run_twice_without_harm(database_url):
    db.upgrade(database_url)
    db.upgrade(database_url)
    with db.get_engine(database_url).connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == db.head_revision() == "0004"


def test_accounts_store_a_strong_hash_not_the_password(database):
    accounts.add_user(database, "anna", "editor", "ein-langes-passwort")
    with database.connect() as conn:
        stored = conn.execute(sa.select(db.users.c.password_hash)).scalar()
    assert "ein-langes-passwort" not in stored
    assert stored.startswith(("scrypt:", "pbkdf2:"))
    assert accounts.authenticate(database, "anna", "ein-langes-passwort").role == "editor"
    assert accounts.authenticate(database, "anna", "falsch") is None


def test_account_rules(database):
    accounts.add_user(database, "ben", "staff", "noch-ein-passwort")
    with pytest.raises(accounts.AccountError, match="schon"):
        accounts.add_user(database, "ben", "staff", "noch-ein-passwort")
    with pytest.raises(accounts.AccountError, match="Rolle"):
        accounts.add_user(database, "carla", "admin", "noch-ein-passwort")
    with pytest.raises(accounts.AccountError, match="mindestens"):
        accounts.add_user(database, "carla", "staff", "kurz")
    accounts.set_password(database, "ben", "ganz-neues-passwort")
    assert accounts.authenticate(database, "ben", "ganz-neues-passwort") is not None
    accounts.remove_user(database, "ben")
    assert accounts.list_users(database) == []


def test_failed_sign_ins_are_throttled_and_recorded(database):
    accounts.add_user(database, "anna", "editor", "ein-langes-passwort")
    for _ in range(accounts.MAX_FAILURES):
        assert accounts.authenticate(database, "anna", "falsch") is None
    with pytest.raises(accounts.Throttled):
        accounts.authenticate(database, "anna", "ein-langes-passwort")
    with database.connect() as conn:
        failed = conn.execute(sa.select(sa.func.count()).select_from(db.login_attempts)
                              .where(db.login_attempts.c.ok.is_(False))).scalar()
    assert failed == accounts.MAX_FAILURES


@pytest.mark.parametrize("question, secrets", PERSONAL[:6])
def test_no_personal_data_reaches_the_database(database, engine, question, secrets):
    answer = answer_question(engine, question)
    questionlog.record(database, answer, "chat")
    with database.connect() as conn:
        stored = " ".join(row.question for row in conn.execute(sa.select(db.questions)))
    for secret in secrets:
        assert secret not in stored
    assert "Name" in stored or "[" in stored


def test_feedback_and_grouping(database, engine):
    ids = [questionlog.record(database, answer_question(engine, q), "chat")
           for q in ("Wie hoch ist der Regelsatz?", "wie hoch ist der regelsatz", "asdfgh qwertz")]
    assert questionlog.record_feedback(database, ids[0], False)
    assert not questionlog.record_feedback(database, 999999, True)
    groups = questionlog.groups(database)
    assert groups[0].count == 2 and groups[0].unhelpful == 1
    declined = questionlog.groups(database, "declined")
    assert [g.example for g in declined] == ["[Wort]"]       # unknown words are not stored
    assert [g.count for g in questionlog.groups(database, "unhelpful")] == [1]
    csv_text = questionlog.export_csv(database)
    assert csv_text.splitlines()[0].startswith("zeit,frage,beantwortet")
    assert len(csv_text.splitlines()) == 4


def test_prune_deletes_only_old_questions(database, engine):
    questionlog.record(database, answer_question(engine, "Wie hoch ist der Regelsatz?"), "api")
    old = questionlog.record(database, answer_question(engine, "Was ist ein Jobcenter?"), "api")
    with database.begin() as conn:
        conn.execute(db.questions.update().where(db.questions.c.id == old)
                     .values(asked_at=dt.datetime(2020, 1, 1)))
    assert questionlog.prune(database, 90) == 1
    with database.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.questions)).scalar() == 1


def test_prune_deletes_old_rows_of_every_table_with_typed_text(database, engine):
    old, new = dt.datetime(2020, 1, 1), dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with database.begin() as conn:
        for when in (old, new):
            conn.execute(db.questions.insert().values(asked_at=when, question="Frage", answered=True,
                                                      confidence=0.5, answer_ids="", channel="api"))
            conn.execute(db.login_attempts.insert().values(name="erika@example.org", at=when, ok=False))
            conn.execute(db.eval_runs.insert().values(
                run_at=when, trigger="konsole", user="anna", content_version="v", generation="g",
                hit_at_1=1.0, hit_at_3=1.0, mrr=1.0, out_of_scope_declined=1.0, wrongly_declined=0.0,
                passed=True, report="{}"))
            conn.execute(db.reindex_runs.insert().values(started_at=when, user="anna", status="live",
                                                         forced_reason="Frau Musterfrau bat darum"))
    assert db.prune(database, 90) == {"questions": 1, "login_attempts": 1, "eval_runs": 1, "reindex_runs": 1}
    with database.connect() as conn:
        for table, written in db.TYPED_TEXT:
            assert conn.execute(sa.select(written)).scalars().all() == [new], table.name


def test_cli_prune_reports_what_it_deleted(database_url, database, runner):
    from faqbot.cli import cli
    with database.begin() as conn:
        conn.execute(db.login_attempts.insert().values(name="x", at=dt.datetime(2020, 1, 1), ok=False))
    result = runner.invoke(cli, ["prune", "--days", "30"], env={"FAQBOT_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "1 Anmeldeversuch(e)" in result.output and "0 Frage(n)" in result.output


def test_a_stored_question_can_be_deleted(database, engine):
    questionlog.record(database, answer_question(engine, "Ich heiße Kowalczyk, Miete?"), "api")
    questionlog.record(database, answer_question(engine, "Ich heiße Kowalczyk, Miete?"), "chat")
    questionlog.record(database, answer_question(engine, "Wie hoch ist der Regelsatz?"), "api")
    stored = questionlog.stored_text("Ich heiße Kowalczyk, Miete?")
    assert questionlog.delete(database, stored) == 2
    with database.connect() as conn:
        assert conn.execute(sa.select(db.questions.c.question)).scalars().all() == ["Wie hoch ist der Regelsatz?"]


def test_csv_export_neutralises_formulas(database, engine):
    questionlog.record(database, answer_question(engine, "=HYPERLINK(\"x\") miete"), "api")
    assert "'=HYPERLINK" in questionlog.export_csv(database)


def test_background_writer_stores_question_then_vote_in_order(database, engine):
    writer = questionlog.Writer(database)
    answer = answer_question(engine, "Darf ich einen Minijob haben?")
    writer.record(answer, "widget")
    writer.record_vote("Darf ich einen Minijob haben?", hit=answer.hits[0].id, helpful=True,
                       answered=True, channel="widget")
    writer.flush()
    with database.connect() as conn:
        rows = conn.execute(sa.select(db.questions)).all()
    assert len(rows) == 1
    assert rows[0].helpful is True and rows[0].confidence > 0 and rows[0].channel == "widget"


# --- migrations ---------------------------------------------------------------------------

def test_the_migrations_build_exactly_the_schema_db_py_declares(database):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with database.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == []


def test_migrations_wait_for_the_advisory_lock_on_postgresql(postgres_url):
    import threading

    database_url = postgres_url
    holder = sa.create_engine(database_url)
    done = threading.Event()
    with holder.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": db.MIGRATION_LOCK})
        thread = threading.Thread(target=lambda: (db.upgrade(database_url), done.set()))
        thread.start()
        assert not done.wait(1.0)                  # another server is migrating: wait
        assert "alembic_version" not in sa.inspect(db.get_engine(database_url)).get_table_names()
        conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": db.MIGRATION_LOCK})
        conn.commit()
        assert done.wait(30)
        thread.join()
    holder.dispose()
    assert db.current_revision(db.get_engine(database_url)) == db.head_revision()


# --- the question log: one writer per process, drained at shutdown ---------------------------

def test_apps_on_one_database_share_one_question_log_writer(tmp_path, content_dir, index_dir):
    import threading

    from support import make_app

    config = {"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
              "INSTANCE_PATH": str(tmp_path / "instance")}
    first, second = make_app(config), make_app(dict(config))
    assert first.extensions["faqbot.questionlog"] is second.extensions["faqbot.questionlog"]
    writer = first.extensions["faqbot.questionlog"]
    assert [t for t in threading.enumerate() if t is writer._thread] == [writer._thread]


def test_the_server_writes_queued_questions_before_it_exits(tmp_path, content_dir):
    """SIGTERM while the database is busy: the queued questions are written, not dropped."""
    import json
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time
    import urllib.parse
    import urllib.request
    from pathlib import Path

    from support import free_port, wait_until

    instance = tmp_path / "instance"
    url = db.default_url(instance)
    db.upgrade(url)
    env = {**os.environ, "FAQBOT_INSTANCE_PATH": str(instance), "FAQBOT_RATE_LIMIT": "off"}
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("faqbot")), "serve", "--host", "127.0.0.1", "--port",
         str(port), "--content", str(content_dir), "--index", str(tmp_path / "index")],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> int:
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:
                json.load(response)
                return response.status
        except OSError:
            return 0

    blocker = sqlite3.connect(instance / "faqbot.sqlite3", timeout=30, isolation_level=None)
    try:
        assert wait_until(lambda: get("/healthz") == 200, timeout=60)
        blocker.execute("BEGIN EXCLUSIVE")               # the database is busy for a while
        questions = ["wie hoch ist der regelsatz", "darf ich einen minijob haben",
                     "wieviel erspartes darf ich haben"]
        for question in questions:
            assert get("/api/ask?q=" + urllib.parse.quote(question)) == 200
        server.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert server.poll() is None                     # still writing what it holds
        blocker.execute("COMMIT")
        output, _ = server.communicate(timeout=30)
    finally:
        blocker.close()
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0, output
    assert "faqbot beendet." in output
    with db.get_engine(url).connect() as conn:
        stored = conn.execute(sa.select(db.questions.c.question).order_by(db.questions.c.id)).scalars().all()
    assert stored == questions


# --- caches are bounded ------------------------------------------------------------------

def test_the_analyzers_remembered_splits_and_corrections_are_bounded():
    from faqbot.analysis import Lexicon

    lexicon = Lexicon({"burgergeld", "antrag", "miete"})
    lexicon.REMEMBERED = 100
    lexicon.__post_init__()
    for n in range(1000):
        lexicon.split(f"burgergeldantrag{n:04d}x")
        lexicon.correct(f"mieteq{n}")
    assert lexicon._split_cache.cache_info().currsize == 100
    assert lexicon._typo_cache.cache_info().currsize == 100
    assert lexicon.split("burgergeldantrag") == ["burgergeld", "antrag"]
