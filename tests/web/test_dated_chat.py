"""What citizens see of dated content, on the shipped content: the law since 1 July 2026 over
HTTP, the period next to the Stand, the coming version, the easy-language text (with and
without JavaScript), the item's versions, and axe on all of it."""
from __future__ import annotations

import re

import pytest

from browsing import run_axe
from test_api import call
from test_chat_browser import ask
from test_chat_http import post, text

ASSETS = "Wie viel Vermögen darf ich haben?"
MISSED = "Was passiert, wenn ich einen Termin beim Jobcenter verpasse?"
NAME = "Wie heißt das Bürgergeld jetzt?"
MINIJOB = "Darf ich neben dem Grundsicherungsgeld einen Minijob haben?"


def first(server, question: str, date: str | None = None) -> dict:
    body = {"question": question} if date is None else {"question": question, "date": date}
    data = call(server, "POST", "/api/ask", body).json()
    assert data["answered"], data
    for a in data["answers"]:
        assert "valid_from" in a and "valid_until" in a
    return data["answers"][0]


def test_assets_today_depend_on_age_and_have_no_karenzzeit(live_server):
    answer = first(live_server, ASSETS)
    assert answer["id"] == "faq/vermoegen" and answer["valid_from"] == "2026-07-01"
    assert "Karenzzeit für Vermögen gibt es nicht mehr" in answer["passage"]
    assert "Alter" in answer["passage"]


def test_assets_in_june_2026_were_40000_euro_in_the_first_year(live_server):
    answer = first(live_server, ASSETS, "2026-06-01")
    assert answer["id"] == "faq/vermoegen" and answer["valid_until"] == "2026-06-30"
    assert "40.000 Euro" in answer["passage"]


def test_a_missed_appointment_today_costs_nothing_the_first_time_30_percent_from_the_second(live_server):
    answer = first(live_server, MISSED)
    assert answer["valid_from"] == "2026-07-01"
    assert "ersten versäumten Termin wird nicht gekürzt" in answer["passage"]
    assert "30 Prozent" in answer["passage"]


def test_a_missed_appointment_in_june_2026_cost_10_percent(live_server):
    answer = first(live_server, MISSED, "2026-06-01")
    assert answer["valid_until"] == "2026-06-30"
    assert "10 Prozent" in answer["passage"]


def test_the_buergergeld_is_now_called_grundsicherungsgeld(live_server):
    assert "Grundsicherungsgeld" in first(live_server, NAME)["passage"]


def test_a_question_about_an_old_notice_gets_the_old_rule_labelled_then_todays(live_server):
    answer = first(live_server, "Wie viel Vermögen durfte man vor Juli 2026 haben?")
    assert answer["valid_until"] == "2026-06-30" and "40.000 Euro" in answer["passage"]
    assert answer["other_version"]["valid_from"] == "2026-07-01"


def test_the_chat_without_javascript_shows_period_easy_language_and_coming_version(shipped_client):
    page = text(post(shipped_client, "/frage", [("beginn", "0"), ("frage", MINIJOB)]))
    assert re.search(r'class="stand">Stand: <time[^>]*>[^<]+</time> · Gilt bis 31\. Dezember 2026', page)
    assert '<details class="easy">' in page and "In einfacher Sprache" in page
    assert 'class="period" id="andere-0">Ab 1. Januar 2027</h5>' in page
    assert "633 Euro" in page


def test_the_chat_labels_an_answer_about_the_past(shipped_client):
    page = text(post(shipped_client, "/frage", [("beginn", "0"),
                                                 ("frage", "Wie viel Vermögen durfte man vor Juli 2026 haben?")]))
    assert "Galt bis 30. Juni 2026: Diese Regel gilt heute nicht mehr." in page
    assert 'id="andere-0">Gilt seit 1. Juli 2026</h5>' in page


def test_easy_language_opens_in_the_browser_and_axe_finds_nothing(visit, live_server):
    v = visit(bypass_csp=True)
    page = v.page
    page.goto(live_server.url + "/")
    page.wait_for_function("() => window.htmx !== undefined")
    turn = ask(page, MINIJOB, 0)
    answer = turn.locator(".answer")
    assert "Gilt bis 31. Dezember 2026" in answer.locator(".answer-meta .stand").inner_text()
    assert answer.locator(".other-version h5").inner_text() == "Ab 1. Januar 2027"
    easy = answer.locator("details.easy").first
    assert not easy.locator("p").is_visible()
    easy.locator("summary").focus()
    page.keyboard.press("Enter")                         # keyboard opens it
    assert easy.locator("p").is_visible()
    assert run_axe(page) == []


def test_easy_language_opens_without_javascript(visit, live_server):
    page = visit(java_script=False).page
    page.goto(live_server.url + "/")
    page.fill("#frage", MINIJOB)
    page.click("button.send")
    easy = page.locator("#runde-0 details.easy").first
    easy.locator("summary").click()
    assert easy.locator("p").is_visible()


def test_item_page_lists_versions_and_axe_finds_nothing(visit, live_server):
    page = visit(bypass_csp=True).page
    page.goto(live_server.url + "/inhalt/faq/vermoegen")
    assert "Gilt seit 1. Juli 2026" in page.locator(".meta").inner_text()
    versions = page.locator(".versions li")
    assert versions.count() == 2
    versions.first.get_by_role("link").click()
    page.wait_for_url("**/inhalt/faq/vermoegen?datum=2026-06-30")
    assert "Galt bis 30. Juni 2026" in page.locator(".period-past").inner_text()
    assert "40.000 Euro" in page.locator("article").inner_text()
    assert run_axe(page) == []
