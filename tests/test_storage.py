"""Accounts, the redacted question log and the history, on SQLite and on PostgreSQL."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

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


def _head_revision() -> str:
    from alembic.script import ScriptDirectory
    return ScriptDirectory(str(Path(db.__file__).parent / "migrations")).get_current_head()


def test_migrations_run_twice_without_harm(database_url):
    db.upgrade(database_url)
    db.upgrade(database_url)
    with db.get_engine(database_url).connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == _head_revision()


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
    assert [g.example for g in declined] == ["asdfgh qwertz"]
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
