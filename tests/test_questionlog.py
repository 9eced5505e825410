"""Grouping what citizens ask: reworded questions together, topics apart, bounded work per
wording, and large selections grouped in a worker process with the same result."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from rapidfuzz import fuzz

from faqbot import db, questionlog
from faqbot.questionlog import GROUP_CANDIDATES, Wording, group_wordings


def _wordings(texts: list[str]) -> list[Wording]:
    return [Wording(t, 1, 0, 0, 0, "") for t in texts]


def test_grouping_joins_reworded_questions_and_keeps_topics_apart():
    groups = group_wordings(_wordings([
        "Wie hoch ist der Regelsatz?", "wie hoch ist der regelsatz", "Regelsatz wie hoch?",
        "Wie hoch ist der Regelsats?", "Darf ich einen Minijob haben?", "darf ich einen minijob machen",
        "Was zahlt das Jobcenter für die Heizung?"]))
    assert [(g.count, g.example) for g in groups] == [
        (4, "Wie hoch ist der Regelsatz?"), (2, "Darf ich einen Minijob haben?"),
        (1, "Was zahlt das Jobcenter für die Heizung?")]
    assert groups[0].variants[:2] == ["Wie hoch ist der Regelsatz?", "wie hoch ist der regelsatz"]


def test_grouping_adds_up_counts_and_outcomes():
    groups = group_wordings([Wording("Wie hoch ist der Regelsatz?", 5, 1, 2, 1, "faq/regelbedarf-hoehe faq/x"),
                             Wording("wie hoch ist der regelsatz", 3, 0, 0, 2, "")])
    assert len(groups) == 1
    g = groups[0]
    assert (g.count, g.declined, g.unhelpful, g.helpful, g.answer_ids) == (8, 1, 2, 3, "faq/regelbedarf-hoehe")


def test_grouping_compares_each_wording_with_a_bounded_number_of_groups():
    topics = ["Regelsatz", "Minijob", "Miete", "Heizung", "Umzug", "Vermögen", "Kindergeld", "Antrag",
              "Weiterbewilligung", "Bürgergeld", "Wohngeld", "Unterhalt"]
    texts = [f"Frage {n} zu {topics[n % len(topics)]} und {topics[(n * 7) % len(topics)]} Fall{n}"
             for n in range(4000)]
    calls = 0

    def counting(a, b, **kwargs):
        nonlocal calls
        calls += 1
        return fuzz.token_set_ratio(a, b, **kwargs)

    group_wordings(_wordings(texts), scorer=counting)
    assert 0 < calls <= GROUP_CANDIDATES * len(texts)


def test_many_stored_questions_are_read_and_grouped_in_a_worker_with_the_same_result(database):
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    texts = [f"Wie hoch ist der Regelsatz für {n} Kinder" if n % 3 else f"Darf ich {n} Stunden Minijob machen"
             for n in range(questionlog.IN_PROCESS_QUESTIONS + 500)]
    with database.begin() as conn:
        conn.execute(sa.insert(db.questions), [
            {"asked_at": now - dt.timedelta(minutes=n), "question": t, "answered": n % 5 != 0,
             "confidence": 0.5, "answer_ids": "faq/x", "channel": "chat", "helpful": None}
            for n, t in enumerate(texts)])
    grouped = questionlog.groups(database)
    assert questionlog._grouping_process._pool is not None, "grouped in the worker, not in the fallback"
    assert sum(g.count for g in grouped) == len(texts)
    assert sum(g.declined for g in grouped) == len([n for n in range(len(texts)) if n % 5 == 0])
    with database.connect() as conn:
        rows = conn.execute(sa.select(db.questions.c.question)).scalars().all()
    here = group_wordings(_wordings(sorted(rows)))
    assert sorted((g.count, g.example) for g in grouped) == sorted((g.count, g.example) for g in here)


def test_csv_cells_never_start_a_formula_whichever_separator_opens_them(database):
    import csv
    import io

    texts = ['=HYPERLINK("http://x","y")', "+49 Miete", "-1+2", "@SUMME(A1)", "Miete; =1+1",
             "Miete;=cmd|' /C calc'!A0", "a, @x", "Frage;\t=2", "Heizung; -5", "Regelsatz ; +3"]
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with database.begin() as conn:
        conn.execute(sa.insert(db.questions), [
            {"asked_at": now, "question": t, "answered": True, "confidence": 0.5, "answer_ids": "faq/x",
             "channel": "api", "helpful": None} for t in texts])
    exported = questionlog.export_csv(database)
    for separator in (",", ";"):
        for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE):
            rows = list(csv.reader(io.StringIO(exported), delimiter=separator, quoting=quoting, escapechar="\\"))
            cells = [cell.strip() for row in rows[1:] for cell in row]
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], (separator, quoting)
    assert len(list(csv.reader(io.StringIO(exported)))) == len(texts) + 1


def test_grouping_worker_ends_when_the_server_is_killed(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from support import wait_until

    script = tmp_path / "server.py"
    script.write_text(
        "import time\n"
        "from faqbot import questionlog\n"
        "if __name__ == '__main__':\n"
        "    questionlog._grouping_process.run(questionlog.group_wordings, [], 0)\n"
        "    print(*questionlog._grouping_process._pool._processes, flush=True)\n"
        "    time.sleep(60)\n", encoding="utf-8")
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(server.stdout.readline())
        os.kill(worker, 0)                        # the worker runs
        server.send_signal(signal.SIGKILL)        # no exit handlers run
        server.wait(10)

        def gone() -> bool:
            try:
                os.kill(worker, 0)
            except ProcessLookupError:
                return True
            with open(f"/proc/{worker}/stat") as f:
                return f.read().split(") ", 1)[1].startswith("Z")   # exited, not yet reaped
        assert wait_until(gone, timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
        server.stdout.close()
