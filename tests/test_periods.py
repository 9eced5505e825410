"""Dated content: versions with periods, checked with file and line; answers as of a day;
the past and the coming version; the API, the CLI and the item page."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from support import make_app
from faqbot.ask import answer_question
from faqbot.web.answers import answer_json
from faqbot.cli import cli
from faqbot.content import ContentError, load_content, stale_items
from faqbot.index import build_index, current_build
from faqbot.periods import parse_day, period_label, time_reference
from faqbot.search import SearchEngine

from support import LiveServer
from test_api import call

TODAY = dt.date(2026, 12, 1)
MINIJOB_2027 = """---
title: Darf ich neben dem Bürgergeld einen Minijob haben?
stand: 2026-12-01
valid_from: 2027-01-01
source: https://www.gesetze-im-internet.de/sgb_2/__11b.html
tags: [Minijob, Nebenjob, geringfügige Beschäftigung]
questions:
  - Darf ich nebenbei jobben?
  - Was darf ich vom Minijob behalten?
easy: Ab Januar 2027 dürfen Sie im Minijob bis 633 Euro verdienen.
---
Ja. Ab dem 1. Januar 2027 liegt die Grenze für einen Minijob bei 633 Euro im Monat. Melden Sie
den Minijob dem Jobcenter, bevor Sie anfangen.
"""


def add_minijob_2027(content_dir: Path, old_until: str = "2026-12-31",
                     new: str = MINIJOB_2027) -> tuple[Path, Path]:
    """The test content's Minijob item ends on ``old_until``; a version from 2027 follows."""
    old = content_dir / "faq" / "minijob.md"
    old.write_text(old.read_text(encoding="utf-8").replace(
        "stand: 2026-11-25\n", f"stand: 2026-11-25\nvalid_until: {old_until}\n"), encoding="utf-8")
    later = content_dir / "faq" / "minijob@2027-01-01.md"
    later.write_text(new, encoding="utf-8")
    return old, later


@pytest.fixture
def dated_index(content_dir: Path, tmp_path: Path) -> Path:
    add_minijob_2027(content_dir)
    target = tmp_path / "dated-index"
    build_index(content_dir, target)
    return target


@pytest.fixture
def dated_engine(dated_index: Path) -> SearchEngine:
    return SearchEngine(dated_index)


def dated_app(content_dir: Path, index: Path, tmp_path: Path, today: str):
    """The app on the dated test content, answering as of ``today``."""
    return make_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index),
                     "INSTANCE_PATH": str(tmp_path / "instance"), "RATE_LIMIT": "off",
                     "TODAY": today})


def minijob_hit(answer):
    return next(h for h in answer.hits if h.id == "faq/minijob")


# --- time references in questions -----------------------------------------------------------

@pytest.mark.parametrize("question, past", [
    ("Wie viel Vermögen durfte ich vor Juli 2026 haben?", dt.date(2026, 6, 30)),
    ("Ich hatte im Mai einen Bescheid", dt.date(2026, 5, 15)),
    ("Regelsatz 2025", dt.date(2025, 12, 31)),
    ("Was galt bis 30.6.2026?", dt.date(2026, 6, 30)),
])
def test_a_question_about_the_past_names_its_day(question, past):
    assert time_reference(question, TODAY).past == past


@pytest.mark.parametrize("question", ["mein alter Bürgergeld-Bescheid", "wie war das früher"])
def test_an_old_notice_or_frueher_means_before_the_last_change(question):
    assert time_reference(question, TODAY).earlier


@pytest.mark.parametrize("question", ["Minijob 2027", "Was ändert sich im Januar?", "ab 1.1.2027"])
def test_a_question_about_the_future_names_its_day(question):
    assert time_reference(question, TODAY).future == dt.date(2027, 1, 1) or \
        time_reference(question, TODAY).future == dt.date(2027, 1, 15)


@pytest.mark.parametrize("question", ["Midijob bis 2000 Euro", "mein Sohn Jan ist 5",
                                      "geboren am 3. März 1985", "Mai", "Wie hoch ist der Regelsatz?"])
def test_amounts_names_and_birthdays_are_no_time_reference(question):
    ref = time_reference(question, TODAY)
    assert (ref.past, ref.future, ref.earlier) == (None, None, False)


def test_period_labels_read_from_today():
    assert period_label("2026-07-01", None, TODAY) == "Gilt seit 1. Juli 2026"
    assert period_label(None, "2026-06-30", TODAY) == "Galt bis 30. Juni 2026"
    assert period_label("2027-01-01", None, TODAY) == "Ab 1. Januar 2027"
    assert period_label(None, None, TODAY) == ""


@pytest.mark.parametrize("value", ["2026-13-01", "1.7.2026", "morgen", "", "2026-02-30"])
def test_a_malformed_date_is_refused_with_a_german_message(value):
    with pytest.raises(ValueError, match="Datum|JJJJ"):
        parse_day(value)


# --- checking periods -----------------------------------------------------------------------

def problems_of(content_dir: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(content_dir)
    return [str(p) for p in caught.value.problems]


def test_versions_that_follow_each_other_load(content_dir):
    add_minijob_2027(content_dir)
    versions = [i for i in load_content(content_dir) if i.id == "faq/minijob"]
    assert [(v.key, v.valid_from, v.valid_until) for v in versions] == [
        ("faq/minijob", None, dt.date(2026, 12, 31)),
        ("faq/minijob@2027-01-01", dt.date(2027, 1, 1), None)]


def test_overlapping_periods_are_reported_with_file_and_line(content_dir):
    add_minijob_2027(content_dir, old_until="2027-03-31")
    assert problems_of(content_dir) == [
        "content/faq/minijob@2027-01-01.md:4: der Zeitraum überschneidet sich mit "
        "content/faq/minijob.md (gültig offen bis 2027-03-31); jede Fassung braucht "
        "'valid_from'/'valid_until' ohne Überschneidung"]


def test_a_version_without_an_end_before_the_next_overlaps(content_dir):
    (content_dir / "faq" / "minijob@2027-01-01.md").write_text(MINIJOB_2027, encoding="utf-8")
    assert problems_of(content_dir)[0].startswith("content/faq/minijob@2027-01-01.md:4: der Zeitraum überschneidet sich")


def test_a_gap_between_versions_is_reported_with_file_and_line(content_dir):
    add_minijob_2027(content_dir, old_until="2026-11-30")
    assert problems_of(content_dir) == [
        "content/faq/minijob@2027-01-01.md:4: Lücke: vom 2026-12-01 bis 2026-12-31 gilt keine "
        "Fassung (content/faq/minijob.md gilt bis 2026-11-30)"]


def test_an_end_before_the_start_is_reported_with_file_and_line(content_dir):
    add_minijob_2027(content_dir, new=MINIJOB_2027.replace(
        "valid_from: 2027-01-01\n", "valid_from: 2027-01-01\nvalid_until: 2026-12-31\n"))
    assert "content/faq/minijob@2027-01-01.md:5: 'valid_until' (2026-12-31) liegt vor 'valid_from' (2027-01-01)" \
        in problems_of(content_dir)


def test_a_version_file_must_start_on_its_named_day(content_dir):
    add_minijob_2027(content_dir, new=MINIJOB_2027.replace("valid_from: 2027-01-01", "valid_from: 2027-02-01"))
    assert "content/faq/minijob@2027-01-01.md:4: die Fassung ab 2027-01-01 (Dateiname) braucht " \
           "'valid_from: 2027-01-01'" in problems_of(content_dir)


def test_a_malformed_period_date_names_file_and_line(content_dir):
    add_minijob_2027(content_dir, new=MINIJOB_2027.replace("valid_from: 2027-01-01", "valid_from: 2027-01-01\nvalid_until: 2027-02-30"))
    problems = problems_of(content_dir)
    assert problems[0].startswith("content/faq/minijob@2027-01-01.md:5: 'valid_until' muss ein gültiges Datum")


def test_check_warns_about_a_stand_older_than_a_year_but_passes(content_dir, runner, monkeypatch):
    path = content_dir / "faq" / "minijob.md"
    path.write_text(path.read_text(encoding="utf-8").replace("stand: 2026-11-25", "stand: 2025-10-01"),
                    encoding="utf-8")
    monkeypatch.setenv("FAQBOT_TODAY", "2026-12-01")
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 0, result.output
    assert "content/faq/minijob.md:3: 'stand' 2025-10-01 ist 426 Tage alt" in result.output
    assert "(Warnung)" in result.output


def test_an_ended_version_is_not_stale():
    from faqbot.content import Item
    old = Item(id="faq/x", key="faq/x", kind="faq", path=Path("x.md"), title="x",
               stand=dt.date(2020, 1, 1), source="https://example.org", body="x",
               valid_until=dt.date(2026, 6, 30))
    assert stale_items([old], TODAY) == []


def test_check_fails_on_overlapping_periods(content_dir, runner):
    add_minijob_2027(content_dir, old_until="2027-01-01")
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 1
    assert "content/faq/minijob@2027-01-01.md:4: der Zeitraum überschneidet sich" in result.output


# --- answering as of a day ------------------------------------------------------------------

def test_the_version_in_force_on_the_day_answers(dated_engine):
    before = answer_question(dated_engine, "Darf ich einen Minijob haben?", today=dt.date(2026, 12, 31))
    after = answer_question(dated_engine, "Darf ich einen Minijob haben?", today=dt.date(2027, 1, 1))
    assert (before.hits[0].key, before.hits[0].valid_until) == ("faq/minijob", "2026-12-31")
    assert (after.hits[0].key, after.hits[0].valid_from) == ("faq/minijob@2027-01-01", "2027-01-01")
    assert "633 Euro" in after.hits[0].passage and "633 Euro" not in before.hits[0].passage


def test_a_version_starting_within_60_days_follows_the_current_answer(dated_engine):
    soon = answer_question(dated_engine, "Darf ich einen Minijob haben?", today=dt.date(2026, 12, 1))
    hit = soon.hits[0]
    assert hit.key == "faq/minijob" and hit.other is not None
    assert hit.other.valid_from == "2027-01-01" and "633 Euro" in hit.other.passage


def test_a_version_starting_later_is_not_shown_unless_the_question_names_its_time(dated_engine):
    far = answer_question(dated_engine, "Darf ich einen Minijob haben?", today=dt.date(2026, 10, 1))
    assert far.hits[0].other is None
    named = answer_question(dated_engine, "Darf ich 2027 einen Minijob haben?", today=dt.date(2026, 10, 1))
    assert named.hits[0].key == "faq/minijob" and named.hits[0].other.valid_from == "2027-01-01"


def test_a_question_about_the_past_gets_the_old_version_then_todays(dated_engine):
    answer = answer_question(dated_engine, "Durfte ich im Dezember 2026 einen Minijob haben?",
                             today=dt.date(2027, 2, 1))
    assert answer.as_of == dt.date(2026, 12, 15)
    hit = answer.hits[0]
    assert (hit.key, hit.valid_until) == ("faq/minijob", "2026-12-31")
    assert hit.other.valid_from == "2027-01-01"


def test_früher_means_the_day_before_the_last_change(dated_engine):
    answer = answer_question(dated_engine, "Wie war das früher mit dem Minijob?", today=dt.date(2027, 2, 1))
    assert answer.as_of == dt.date(2026, 12, 31)
    assert answer.hits[0].key == "faq/minijob"


def test_every_answer_in_the_json_carries_its_period(dated_engine):
    data = answer_json(answer_question(dated_engine, "Minijob", today=dt.date(2026, 12, 1)))
    assert data["answers"]
    for a in data["answers"]:
        assert "valid_from" in a and "valid_until" in a
    first = data["answers"][0]
    assert (first["id"], first["valid_until"]) == ("faq/minijob", "2026-12-31")
    assert first["other_version"]["valid_from"] == "2027-01-01"
    assert first["other_version"]["easy"].startswith("Ab Januar 2027")


def test_suggestions_and_titles_come_from_the_version_in_force(dated_engine):
    snapshot = dated_engine.snapshot()
    assert snapshot.version_at("faq/minijob", dt.date(2027, 1, 1)) == "faq/minijob@2027-01-01"
    assert snapshot.version_at("faq/minijob", dt.date(2026, 1, 1)) == "faq/minijob"
    assert dt.date(2027, 1, 1) in snapshot.changes and "faq/minijob" in snapshot.changes[dt.date(2027, 1, 1)]


# --- a running server moves with the date ---------------------------------------------------

def test_a_running_server_answers_with_the_new_version_from_its_first_day_without_reindex(
        content_dir, dated_index, tmp_path):
    app = dated_app(content_dir, dated_index, tmp_path, "2026-12-31")
    generation = current_build(dated_index).name
    with LiveServer(app) as server:
        before = call(server, "GET", "/api/ask?q=Darf+ich+einen+Minijob+haben").json()
        app.config["TODAY"] = "2027-01-01"        # midnight passes under the running server
        after = call(server, "GET", "/api/ask?q=Darf+ich+einen+Minijob+haben").json()
    assert before["date"] == "2026-12-31" and after["date"] == "2027-01-01"
    assert before["answers"][0]["valid_until"] == "2026-12-31"
    assert after["answers"][0]["valid_from"] == "2027-01-01"
    assert "633 Euro" in after["answers"][0]["passage"]
    assert current_build(dated_index).name == generation      # no reindex in between


# --- API, item page, CLI --------------------------------------------------------------------

@pytest.fixture
def dated_server(content_dir, dated_index, tmp_path):
    app = dated_app(content_dir, dated_index, tmp_path, "2026-10-01")
    with LiveServer(app) as server:
        yield server


def test_the_api_answers_as_of_the_given_date_by_get_and_post(dated_server):
    by_get = call(dated_server, "GET", "/api/ask?q=Minijob&date=2027-03-01").json()
    by_post = call(dated_server, "POST", "/api/ask", {"question": "Minijob", "date": "2027-03-01"}).json()
    assert by_get["answers"][0]["valid_from"] == by_post["answers"][0]["valid_from"] == "2027-01-01"
    assert by_get["date"] == "2027-03-01"
    today = call(dated_server, "GET", "/api/ask?q=Minijob").json()
    assert today["date"] == "2026-10-01" and today["answers"][0]["valid_until"] == "2026-12-31"


@pytest.mark.parametrize("date", ["2027-13-01", "01.03.2027", "heute", ""])
def test_a_malformed_date_is_a_400_with_a_clear_message(dated_server, date):
    by_get = call(dated_server, "GET", f"/api/ask?q=Minijob&date={date}")
    by_post = call(dated_server, "POST", "/api/ask", {"question": "Minijob", "date": date})
    for response in (by_get, by_post):
        assert response.status == 400
        assert response.json()["error"].startswith("'date':")
    assert call(dated_server, "POST", "/api/ask", {"question": "Minijob", "date": None}).status == 400


def test_the_openapi_description_names_the_date_and_the_periods(dated_server):
    spec = call(dated_server, "GET", "/api/openapi.json").json()
    params = [p["name"] for p in spec["paths"]["/api/ask"]["get"]["parameters"]]
    assert "date" in params
    assert "date" in spec["components"]["schemas"]["Question"]["properties"]
    passage = spec["components"]["schemas"]["Passage"]
    assert {"valid_from", "valid_until"} <= set(passage["required"])


def test_the_item_page_shows_the_period_and_lists_the_versions(dated_server):
    page = call(dated_server, "GET", "/inhalt/faq/minijob").text
    assert "Gilt bis 31. Dezember 2026" in page
    assert "Fassungen dieses Eintrags" in page
    assert "/inhalt/faq/minijob?datum=2027-01-01" in page
    later = call(dated_server, "GET", "/inhalt/faq/minijob?datum=2027-01-01").text
    assert "633 Euro" in later and "Ab 1. Januar 2027" in later
    assert call(dated_server, "GET", "/inhalt/faq/minijob?datum=morgen").status == 400


def test_cli_ask_answers_as_of_date(content_dir, dated_index, runner):
    result = runner.invoke(cli, ["ask", "Darf ich einen Minijob haben?", "--date", "2027-02-01",
                                 "--json", "--content", str(content_dir), "--index", str(dated_index)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["answers"][0]["valid_from"] == "2027-01-01"
    bad = runner.invoke(cli, ["ask", "Minijob", "--date", "2027-02-30", "--index", str(dated_index)])
    assert bad.exit_code == 2 and "kein gültiges Datum" in bad.output


def test_eval_runs_as_of_a_date_and_a_question_may_carry_its_own(content_dir, dated_index, runner, tmp_path):
    qfile = tmp_path / "dated-questions.yaml"
    qfile.write_text("""thresholds:
  hit_at_1: 1.0
questions:
  - q: darf ich einen minijob haben
    expect: [faq/minijob]
  - q: darf ich einen minijob haben
    date: 2026-06-01
    expect: [faq/minijob]
""", encoding="utf-8")
    from faqbot.evaluation import load_question_set, run_eval
    qset = load_question_set(qfile)
    assert [q.date for q in qset.questions] == [None, dt.date(2026, 6, 1)]
    report = run_eval(SearchEngine(dated_index), qset, today=dt.date(2027, 2, 1))
    assert report.total.hit_at_1 == 1.0
    result = runner.invoke(cli, ["eval", "--questions", str(qfile), "--date", "2027-02-01",
                                 "--content", str(content_dir), "--index", str(dated_index)])
    assert result.exit_code == 0, result.output


# --- the console previews a day and lists the coming changes -------------------------------

@pytest.fixture
def dated_console(content_dir, dated_index, tmp_path):
    from faqbot import accounts
    from test_console import PASSWORD, Browser

    app = dated_app(content_dir, dated_index, tmp_path, "2026-12-01")
    accounts.add_user(app.extensions["faqbot"].db, "eva", "editor", PASSWORD)
    with LiveServer(app) as server:
        browser = Browser(server.url)
        browser.sign_in("eva")
        yield browser


def test_the_bench_previews_what_citizens_are_told_on_a_future_day(dated_console):
    _, _, today = dated_console.request("/konsole/testen?q=Minijob")
    _, _, later = dated_console.request("/konsole/testen?q=Minijob&datum=2027-01-05")
    assert "faq/minijob</a>" in today and "Ab 1. Januar 2027" in today
    assert "faq/minijob@2027-01-01</a>" in later and "Stichtag: <strong>05.01.2027</strong>" in later
    status, _, bad = dated_console.request("/konsole/testen?q=Minijob&datum=2027-02-30")
    assert status == 200 and "kein gültiges Datum" in bad


def test_the_quality_page_runs_the_question_set_as_of_a_date(dated_console):
    token = dated_console.csrf("/konsole/qualitaet")
    status, headers, _ = dated_console.request("/konsole/qualitaet", {"csrf_token": token, "datum": "2027-01-05"})
    assert status == 302
    _, _, page = dated_console.request(headers["Location"].replace(dated_console.base, ""))
    assert "Stichtag 2027-01-05" in page


def test_the_index_page_lists_the_coming_dates_of_effect(dated_console):
    _, _, page = dated_console.request("/konsole/reindex")
    assert "Am 1. Januar 2027 ändert sich 1 Eintrag:" in page
    assert 'href="/inhalt/faq/minijob?datum=2027-01-01"' in page
    assert 'href="/konsole/testen?datum=2027-01-01"' in page
