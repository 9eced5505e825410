"""Content validation (file and line for every problem), `faqbot check`, and the shipped corpus."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from faqbot.analysis import fold
from faqbot.classifier import orphaned
from faqbot.cli import cli
from faqbot.content import ContentError, Problem, content_version, load_content, slugify
from faqbot.synonyms import load_synonyms

SHIPPED_CONTENT = Path(__file__).resolve().parents[1] / "content"

GOOD_FAQ = """---
title: Wie stelle ich einen Testantrag?
stand: 2026-11-25
source: https://www.arbeitsagentur.de/
questions:
  - Wo gibt es den Testantrag?
---
Den Testantrag stellen Sie beim Jobcenter.
"""


def write(content_dir: Path, rel: str, text: str) -> Path:
    path = content_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(content_dir: Path) -> list[Problem]:
    with pytest.raises(ContentError) as info:
        load_content(content_dir)
    return info.value.problems


def only_problem(content_dir: Path) -> Problem:
    problems = problems_of(content_dir)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# --- the test content set itself -------------------------------------------------------------

def test_test_content_loads_with_its_passages(content_dir):
    items = {i.id: i for i in load_content(content_dir)}
    assert len(items) == 12
    assert items["faq/regelbedarf-hoehe"].kind == "faq"
    assert items["glossary/jobcenter"].kind == "glossary"
    interview = items["interviews/test-interview"]
    assert interview.kind == "interview"
    assert [p.id for p in interview.passages] == [
        "interviews/test-interview#wie-hat-sich-die-beratung-im-jobcenter-veraendert",
        "interviews/test-interview#was-wuenschen-sie-sich-fuer-die-zukunft",
    ]
    assert interview.passages[0].title == "Wie hat sich die Beratung im Jobcenter verändert?"
    assert interview.passages[1].text.startswith("Ich wünsche mir weniger Papier")
    assert items["faq/weiterbewilligung"].stand == dt.date(2026, 11, 25)


def test_an_faq_item_is_one_passage_with_the_verbatim_body(content_dir):
    item = next(i for i in load_content(content_dir) if i.id == "faq/minijob")
    raw = (content_dir / "faq" / "minijob.md").read_text(encoding="utf-8")
    assert len(item.passages) == 1
    assert item.passages[0].text == item.body
    assert raw.rstrip("\n").endswith(item.body)
    assert item.questions == ("Darf ich nebenbei jobben?", "Was darf ich vom Minijob behalten?",
                              "Muss ich meinen Minijob melden?")


def test_slugify_makes_ascii_anchors():
    assert slugify("Was wünschen Sie sich für die Zukunft?") == "was-wuenschen-sie-sich-fuer-die-zukunft"
    assert slugify("Straße & Größe") == "strasse-groesse"


def test_content_version_changes_when_a_file_changes(content_dir):
    before = content_version(content_dir)
    assert before == content_version(content_dir)
    path = content_dir / "faq" / "minijob.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nNoch ein Satz.\n", encoding="utf-8")
    assert content_version(content_dir) != before


# --- validation: each problem with file and line --------------------------------------------

def test_missing_required_field_is_named(content_dir):
    write(content_dir, "faq/ohne-quelle.md", GOOD_FAQ.replace("source: https://www.arbeitsagentur.de/\n", ""))
    p = only_problem(content_dir)
    assert p.path == "content/faq/ohne-quelle.md"
    assert p.line == 1
    assert "Pflichtfeld 'source' fehlt" in p.message


def test_glossary_needs_easy_language(content_dir):
    text = (content_dir / "glossary" / "jobcenter.md").read_text(encoding="utf-8")
    text = re.sub(r"^easy: .*\n", "", text, flags=re.M)
    write(content_dir, "glossary/amt.md", text.replace("see_also: [faq/antrag-stellen]\n", ""))
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/glossary/amt.md", 1)
    assert "Pflichtfeld 'easy' fehlt" in p.message


def test_unknown_field_is_named_with_its_line(content_dir):
    write(content_dir, "faq/tippfehler.md", GOOD_FAQ.replace("questions:", "quelle: irgendwo\nquestions:"))
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/faq/tippfehler.md", 5)
    assert "unbekanntes Feld 'quelle'" in p.message
    assert "source" in p.message  # it lists the allowed fields


def test_bad_date_is_named_with_its_line(content_dir):
    write(content_dir, "faq/datum.md", GOOD_FAQ.replace("stand: 2026-11-25", "stand: 25.11.2026"))
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/faq/datum.md", 3)
    assert "'stand' muss ein Datum JJJJ-MM-TT sein, nicht '25.11.2026'" in p.message


def test_date_with_time_is_rejected(content_dir):
    write(content_dir, "faq/datum.md", GOOD_FAQ.replace("stand: 2026-11-25", "stand: 2026-11-25 10:00:00"))
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/faq/datum.md", 3)
    assert "'stand' muss ein Datum" in p.message


def test_impossible_date_is_a_problem_not_a_crash(content_dir):
    write(content_dir, "faq/datum.md", GOOD_FAQ.replace("stand: 2026-11-25", "stand: 2026-13-01"))
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/faq/datum.md", 3)
    assert "'stand'" in p.message


def test_bad_url_is_named_with_its_line(content_dir):
    write(content_dir, "faq/url.md", GOOD_FAQ.replace("https://www.arbeitsagentur.de/", "www.arbeitsagentur.de"))
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/faq/url.md", 4)
    assert "'source' muss eine Adresse mit https:// sein, nicht 'www.arbeitsagentur.de'" in p.message


def test_plain_http_source_is_rejected(content_dir):
    write(content_dir, "faq/url.md", GOOD_FAQ.replace("https://", "http://"))
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/faq/url.md", 4)


def test_empty_body_is_named_with_the_line_after_the_front_matter(content_dir):
    write(content_dir, "faq/leer.md", GOOD_FAQ.replace("Den Testantrag stellen Sie beim Jobcenter.\n", "\n\n"))
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/faq/leer.md", 8)
    assert "der Text des Eintrags ist leer" in p.message


def test_missing_front_matter_is_named(content_dir):
    write(content_dir, "faq/ohne.md", "Nur Text, kein Vorspann.\n")
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/faq/ohne.md", 1)
    assert "Vorspann fehlt" in p.message


def test_broken_yaml_is_named_with_its_line(content_dir):
    broken = GOOD_FAQ.replace("questions:\n  - Wo gibt es den Testantrag?",
                              "questions:\n  - Wo gibt es den Testantrag?\n tags: [kaputt")
    write(content_dir, "faq/kaputt.md", broken)
    p = only_problem(content_dir)
    assert p.path == "content/faq/kaputt.md"
    assert p.line in (7, 8)   # the YAML error is reported at or right after the bad line
    assert "Vorspann ist kein gültiges YAML" in p.message


def test_faq_needs_questions_as_a_list_of_texts(content_dir):
    write(content_dir, "faq/fragen.md", GOOD_FAQ.replace(
        "questions:\n  - Wo gibt es den Testantrag?", "questions: Wo gibt es den Testantrag?"))
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/faq/fragen.md", 5)
    assert "'questions' muss eine Liste von Texten sein" in p.message


def test_invalid_utf8_is_named(content_dir):
    path = content_dir / "faq" / "latin1.md"
    path.write_bytes(GOOD_FAQ.replace("Jobcenter", "Jobcenter für Sie").encode("latin-1"))
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/faq/latin1.md", 1)
    assert "UTF-8" in p.message


def test_non_markdown_file_in_a_content_folder_is_named(content_dir):
    write(content_dir, "faq/notiz.txt", "Merkzettel")
    p = only_problem(content_dir)
    assert p.path == "content/faq/notiz.txt"
    assert "nur .md-Dateien" in p.message


def test_ids_differing_only_in_case_are_duplicates(content_dir):
    write(content_dir, "faq/testantrag.md", GOOD_FAQ)
    write(content_dir, "faq/Testantrag.md", GOOD_FAQ)
    p = only_problem(content_dir)
    assert p.line == 1
    assert "doppelte Kennung" in p.message
    assert {p.path, p.message.rsplit(" ", 1)[-1]} == {"content/faq/testantrag.md", "content/faq/Testantrag.md"}


def test_duplicate_interview_question_is_named_with_its_line(content_dir):
    path = content_dir / "interviews" / "test-interview.md"
    text = path.read_text(encoding="utf-8")
    text += "\n## Was wünschen Sie sich für die Zukunft?\n\nNoch einmal dasselbe, mit anderen Worten.\n"
    path.write_text(text, encoding="utf-8")
    lines = text.split("\n")
    line = max(n for n, l in enumerate(lines, start=1) if l == "## Was wünschen Sie sich für die Zukunft?")
    assert line > 14
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/interviews/test-interview.md", line)
    assert "kommt doppelt vor" in p.message


def test_interview_without_questions_is_named(content_dir):
    write(content_dir, "interviews/leer.md", "---\ntitle: Ein Gespräch\nstand: 2026-11-25\n"
          "source: https://www.sgb2.info/\n---\nNur ein Absatz ohne Fragen.\n")
    problems = problems_of(content_dir)
    messages = {(p.path, p.line, p.message.split(" (")[0].split(":")[0]) for p in problems}
    assert any(p.path == "content/interviews/leer.md" and "mindestens eine Frage" in p.message
               and p.line == 6 for p in problems), messages
    assert all(p.path == "content/interviews/leer.md" for p in problems)


def test_interview_question_without_answer_is_named(content_dir):
    write(content_dir, "interviews/halb.md", "---\ntitle: Ein Gespräch\nstand: 2026-11-25\n"
          "source: https://www.sgb2.info/\n---\n## Erste Frage?\n\nAntwort.\n\n## Zweite Frage?\n")
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/interviews/halb.md", 10)
    assert "die Frage 'Zweite Frage?' hat keine Antwort" in p.message


def test_see_also_to_a_missing_id_is_named_with_its_line(content_dir):
    write(content_dir, "faq/verweis.md", GOOD_FAQ.replace(
        "questions:", "see_also: [faq/minijob, faq/gibt-es-nicht]\nquestions:"))
    p = only_problem(content_dir)
    assert (p.path, p.line) == ("content/faq/verweis.md", 5)
    assert "'see_also' verweist auf 'faq/gibt-es-nicht', das es nicht gibt" in p.message


def test_see_also_may_name_an_interview_passage(content_dir):
    write(content_dir, "faq/verweis.md", GOOD_FAQ.replace(
        "questions:", "see_also: ['interviews/test-interview#was-wuenschen-sie-sich-fuer-die-zukunft']\nquestions:"))
    assert len(load_content(content_dir)) == 13


def test_all_problems_of_all_files_are_reported_together(content_dir):
    write(content_dir, "faq/a.md", GOOD_FAQ.replace("stand: 2026-11-25", "stand: morgen"))
    write(content_dir, "faq/b.md", GOOD_FAQ.replace("title: Wie stelle ich einen Testantrag?\n", ""))
    problems = problems_of(content_dir)
    assert {(p.path, p.line) for p in problems} == {("content/faq/a.md", 3), ("content/faq/b.md", 1)}


def test_broken_synonyms_yaml_is_named_with_its_line(content_dir):
    (content_dir / "synonyms.yaml").write_text("jobcenter:\n  - amt\nmiete: [kaltmiete\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_synonyms(content_dir)
    (p,) = info.value.problems
    assert p.path == "content/synonyms.yaml"
    assert p.line in (3, 4)
    assert "kein gültiges YAML" in p.message


def test_synonym_variants_must_be_a_list(content_dir):
    (content_dir / "synonyms.yaml").write_text("jobcenter:\n  - amt\nmiete: kaltmiete\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_synonyms(content_dir)
    (p,) = info.value.problems
    assert (p.path, p.line) == ("content/synonyms.yaml", 3)
    assert "'miete': die Varianten müssen eine Liste sein" in p.message


# --- faqbot check ----------------------------------------------------------------------------

def test_check_passes_the_test_content(runner, content_dir):
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 0, result.output
    assert "Inhalte in Ordnung: 12 Einträge, 13 Passagen." in result.output


def test_check_exits_1_and_lists_every_problem(runner, content_dir):
    write(content_dir, "faq/a.md", GOOD_FAQ.replace("stand: 2026-11-25", "stand: gestern"))
    write(content_dir, "faq/b.md", GOOD_FAQ.replace("https://www.arbeitsagentur.de/", "ftp://x"))
    write(content_dir, "faq/c.md", GOOD_FAQ.replace("questions:", "see_also: [faq/fehlt]\nquestions:"))
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 1
    assert "content/faq/a.md:3: 'stand' muss ein Datum" in result.output
    assert "content/faq/b.md:4: 'source' muss eine Adresse" in result.output
    assert "content/faq/c.md:5: 'see_also' verweist auf 'faq/fehlt'" in result.output
    assert "3 Problem(e) gefunden." in result.output


def test_check_names_unknown_ids_in_the_question_set(runner, content_dir):
    qfile = content_dir / "questions.yaml"
    qfile.write_text(qfile.read_text(encoding="utf-8")
                     + "  - q: was ist das\n    expect: [faq/gibt-es-nicht]\n", encoding="utf-8")
    line = len(qfile.read_text(encoding="utf-8").rstrip("\n").split("\n")) - 1
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 1
    assert f"content/questions.yaml:{line}: erwartete Kennung 'faq/gibt-es-nicht' gibt es nicht" in result.output


def test_check_names_a_broken_synonym_file(runner, content_dir):
    (content_dir / "synonyms.yaml").write_text("amt: jobcenter\n", encoding="utf-8")
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 1
    assert "content/synonyms.yaml:1: 'amt': die Varianten müssen eine Liste sein" in result.output


@pytest.mark.parametrize("text, problem", [
    ("- topic: Elterngeld\n  terms: [elterngeld]\n- topic: BAföG\n  terms: [bafög]\n",
     "content/referrals.yaml:3: 'where' fehlt oder ist leer"),
    ("- topic: Elterngeld\n  terms: elterngeld\n  where: die Elterngeldstelle\n",
     "content/referrals.yaml:1: 'terms' muss eine nicht leere Liste von Texten sein"),
    ("- topic: [Elterngeld\n", "content/referrals.yaml:2: kein gültiges YAML"),
])
def test_check_names_a_broken_referral_file(runner, content_dir, text, problem):
    (content_dir / "referrals.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 1
    assert problem in result.output


def test_check_passes_the_shipped_content(runner):
    result = runner.invoke(cli, ["check", "--content", str(SHIPPED_CONTENT)])
    assert result.exit_code == 0, result.output
    assert "Inhalte in Ordnung" in result.output
    assert "classifier_model.json" not in result.output
    assert "wording_model.npz" not in result.output


def test_check_warns_about_learned_questions_for_passages_the_content_lacks(runner, content_dir):
    # The learned wording belongs to the shipped content; the small test content lacks most
    # of its passages.
    ids = [p.id for item in load_content(content_dir) for p in item.passages]
    gone = orphaned(ids)
    assert gone and not set(gone) & set(ids)
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 0, result.output
    assert f"gelernte Fragen zu {len(gone)} Passage(n), die es nicht mehr gibt ({gone[0]}," in result.output


def test_check_warns_about_passages_the_wording_model_has_no_score_for(runner, tmp_path):
    content_dir = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, content_dir)
    page = content_dir / "faq" / "ganz-neu.md"
    page.write_text("---\ntitle: Ein ganz neuer Eintrag?\nstand: 2026-12-01\n"
                    "source: https://www.arbeitsagentur.de/\nquestions:\n  - Gibt es etwas ganz Neues?\n---\n"
                    + "Ein Satz über etwas Neues. " * 12 + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 0, result.output
    assert "wording_model.npz: 1 Passage(n) ohne gelernte Formulierungen (faq/ganz-neu)" in result.output


def test_orphaned_names_only_learned_ids_missing_from_the_content():
    learned = {"faq/a": {"x": 1.0}, "faq/b": {"y": 2.0}}
    assert orphaned(["faq/a", "faq/c"], learned) == ["faq/b"]
    assert orphaned(["faq/a", "faq/b"], learned) == []


# --- the shipped content follows the editorial brief -----------------------------------------

BRIEF_FAQ = {
    "faq/was-ist-buergergeld": "Was ist das Bürgergeld?",
    "faq/wer-hat-anspruch": "Wer hat Anspruch auf Bürgergeld?",
    "faq/unterschied-hartz-iv": "Was hat sich gegenüber Hartz IV (Arbeitslosengeld II) geändert?",
    "faq/neue-grundsicherung": "Was hat sich mit der Neuen Grundsicherung (Grundsicherungsgeld) geändert?",
    "faq/antrag-stellen": "Wie beantrage ich Bürgergeld?",
    "faq/antrag-unterlagen": "Welche Unterlagen brauche ich für den Antrag?",
    "faq/antrag-ab-wann": "Ab wann bekomme ich Bürgergeld?",
    "faq/weiterbewilligung": "Was muss ich tun, wenn mein Bewilligungszeitraum endet?",
    "faq/zustaendiges-jobcenter": "Welches Jobcenter ist für mich zuständig?",
    "faq/auszahlung": "Wann und wie wird das Bürgergeld ausgezahlt?",
    "faq/regelbedarf-hoehe": "Wie hoch ist der Regelbedarf?",
    "faq/regelbedarf-paare": "Wie viel bekommen Paare?",
    "faq/regelbedarf-kinder": "Wie viel Bürgergeld gibt es für Kinder und Jugendliche?",
    "faq/regelbedarf-junge-erwachsene": "Wie viel bekommen junge Erwachsene unter 25, die bei den Eltern wohnen?",
    "faq/regelbedarf-anpassung": "Wie und wann wird der Regelbedarf angepasst?",
    "faq/mehrbedarf-alleinerziehende": "Gibt es einen Mehrbedarf für Alleinerziehende?",
    "faq/mehrbedarf-schwangerschaft": "Gibt es einen Mehrbedarf in der Schwangerschaft?",
    "faq/mehrbedarf-behinderung-ernaehrung": "Gibt es Mehrbedarfe bei Behinderung oder kostenaufwändiger Ernährung?",
    "faq/kosten-unterkunft-heizung": "Übernimmt das Jobcenter Miete und Heizkosten?",
    "faq/karenzzeit-wohnen": "Was gilt im ersten Jahr für die Wohnkosten (Karenzzeit)?",
    "faq/umzug": "Was muss ich vor einem Umzug beachten?",
    "faq/nebenkosten-nachzahlung": "Wer zahlt die Nachzahlung für Neben- oder Heizkosten?",
    "faq/mietschulden": "Hilft das Jobcenter bei Mietschulden?",
    "faq/erstausstattung": "Gibt es Geld für die Erstausstattung der Wohnung oder bei Geburt?",
    "faq/darlehen": "Wann gibt das Jobcenter ein Darlehen, etwa für eine kaputte Waschmaschine?",
    "faq/vermoegen": "Wie viel Vermögen darf ich haben?",
    "faq/vermoegen-auto": "Darf ich mein Auto behalten?",
    "faq/vermoegen-altersvorsorge": "Ist meine Altersvorsorge geschützt?",
    "faq/vermoegen-wohneigentum": "Darf ich in meiner eigenen Wohnung oder meinem Haus wohnen bleiben?",
    "faq/einkommen-anrechnung": "Wie wird Einkommen auf das Bürgergeld angerechnet?",
    "faq/freibetrag-erwerbstaetigkeit": "Wie viel darf ich dazuverdienen?",
    "faq/minijob": "Darf ich neben dem Bürgergeld einen Minijob haben?",
    "faq/schueler-studierende-azubis": "Was gilt für Einkommen von Schülern, Studierenden und Auszubildenden?",
    "faq/kindergeld-unterhalt": "Wie werden Kindergeld und Unterhalt angerechnet?",
    "faq/einmalige-einnahmen": "Was passiert mit einer Steuererstattung, Erbschaft oder anderen einmaligen Einnahmen?",
    "faq/bedarfsgemeinschaft": "Wer gehört zu meiner Bedarfsgemeinschaft?",
    "faq/wohngemeinschaft": "Was gilt in einer Wohngemeinschaft?",
    "faq/einstandsgemeinschaft": "Wann gilt ein Zusammenleben als Verantwortungs- und Einstehensgemeinschaft?",
    "faq/mitwirkungspflichten": "Welche Pflichten habe ich, welche Änderungen muss ich melden?",
    "faq/termine-meldepflicht": "Was passiert, wenn ich einen Termin beim Jobcenter nicht wahrnehmen kann?",
    "faq/urlaub-ortsabwesenheit": "Darf ich in den Urlaub fahren?",
    "faq/leistungsminderungen": "Wann wird das Bürgergeld gekürzt (Leistungsminderung)?",
    "faq/arbeit-abgelehnt": "Was passiert, wenn ich eine zumutbare Arbeit ablehne?",
    "faq/zumutbare-arbeit": "Welche Arbeit ist zumutbar?",
    "faq/kooperationsplan": "Was ist der Kooperationsplan?",
    "faq/weiterbildung": "Fördert das Jobcenter Weiterbildung, und gibt es Weiterbildungsgeld?",
    "faq/einstiegsgeld": "Was ist Einstiegsgeld?",
    "faq/coaching": "Was ist das ganzheitliche Coaching?",
    "faq/job-turbo": "Was ist der Job-Turbo für Geflüchtete?",
    "faq/bildung-teilhabe": "Welche Leistungen für Bildung und Teilhabe gibt es für Kinder?",
    "faq/krankenversicherung": "Bin ich mit Bürgergeld krankenversichert?",
    "faq/rentenversicherung": "Zahlt das Jobcenter Rentenbeiträge?",
    "faq/widerspruch": "Wie lege ich Widerspruch gegen einen Bescheid ein?",
    "faq/ueberpruefungsantrag": "Was kann ich tun, wenn ein alter Bescheid falsch war?",
    "faq/rueckforderung": "Was passiert, wenn ich zu viel Geld bekommen habe?",
    "faq/selbststaendige": "Was gilt für Selbstständige?",
    "faq/ausbildung-studium": "Bekomme ich Bürgergeld während Ausbildung oder Studium?",
    "faq/rente-alter": "Was gilt, wenn ich die Altersgrenze erreiche oder dauerhaft nicht arbeiten kann?",
    "faq/kinderzuschlag-wohngeld": "Sind Kinderzuschlag oder Wohngeld eine Alternative?",
    "faq/auslaendische-staatsangehoerige": "Können ausländische Staatsangehörige Bürgergeld bekommen?",
    "faq/online-services": "Welche Online-Angebote hat das Jobcenter (jobcenter.digital)?",
    "faq/videoberatung": "Kann ich mich per Video oder Telefon beraten lassen?",
    "faq/datenschutz": "Was passiert mit meinen Daten beim Jobcenter?",
    "faq/jobcenter-organisation": "Wer ist Träger der Jobcenter?",
    "faq/kennzahlen": "Wo finde ich Kennzahlen zu den Jobcentern?",
    "faq/freibetragsrechner": "Wie kann ich meinen Freibetrag ausrechnen?",
}

BRIEF_GLOSSARY = {
    "glossary/arbeitslosengeld": "Arbeitslosengeld",
    "glossary/arbeitslosengeld-ii": "Arbeitslosengeld II",
    "glossary/aufstocker": "Aufstocker",
    "glossary/bedarfsgemeinschaft": "Bedarfsgemeinschaft",
    "glossary/bescheid": "Bescheid",
    "glossary/bewilligungszeitraum": "Bewilligungszeitraum",
    "glossary/bildung-und-teilhabe": "Bildung und Teilhabe",
    "glossary/bundesagentur-fuer-arbeit": "Bundesagentur für Arbeit",
    "glossary/buergergeld": "Bürgergeld",
    "glossary/bmas": "BMAS",
    "glossary/darlehen": "Darlehen",
    "glossary/einkommen": "Einkommen",
    "glossary/eingliederungsbericht": "Eingliederungsbericht",
    "glossary/eingliederungsvereinbarung": "Eingliederungsvereinbarung",
    "glossary/einstandsgemeinschaft": "Einstandsgemeinschaft",
    "glossary/einstiegsgeld": "Einstiegsgeld",
    "glossary/erstausstattung": "Erstausstattung",
    "glossary/erwerbsfaehigkeit": "Erwerbsfähigkeit",
    "glossary/erwerbsfaehige-leistungsberechtigte": "Erwerbsfähige Leistungsberechtigte",
    "glossary/freibetrag": "Freibetrag",
    "glossary/gemeinsame-einrichtung": "Gemeinsame Einrichtung",
    "glossary/grundfreibetrag": "Grundfreibetrag",
    "glossary/grundsicherung-fuer-arbeitsuchende": "Grundsicherung für Arbeitsuchende",
    "glossary/grundsicherung-im-alter": "Grundsicherung im Alter und bei Erwerbsminderung",
    "glossary/hartz-iv": "Hartz IV",
    "glossary/haushaltsgemeinschaft": "Haushaltsgemeinschaft",
    "glossary/hilfebeduerftigkeit": "Hilfebedürftigkeit",
    "glossary/integrationsfachkraft": "Integrationsfachkraft",
    "glossary/jobcenter": "Jobcenter",
    "glossary/job-turbo": "Job-Turbo",
    "glossary/karenzzeit": "Karenzzeit",
    "glossary/kennzahlen": "Kennzahlen nach § 48a SGB II",
    "glossary/kinderzuschlag": "Kinderzuschlag",
    "glossary/kooperationsplan": "Kooperationsplan",
    "glossary/kosten-der-unterkunft": "Kosten der Unterkunft und Heizung",
    "glossary/langzeitarbeitslosigkeit": "Langzeitarbeitslosigkeit",
    "glossary/leistungsberechtigte": "Leistungsberechtigte",
    "glossary/leistungsminderung": "Leistungsminderung",
    "glossary/mehrbedarf": "Mehrbedarf",
    "glossary/meldeversaeumnis": "Meldeversäumnis",
    "glossary/midijob": "Midijob",
    "glossary/minijob": "Minijob",
    "glossary/mitwirkungspflicht": "Mitwirkungspflicht",
    "glossary/ortsabwesenheit": "Ortsabwesenheit",
    "glossary/persoenliche-ansprechperson": "Persönliche Ansprechperson",
    "glossary/pflichtverletzung": "Pflichtverletzung",
    "glossary/regelbedarf": "Regelbedarf",
    "glossary/regelbedarfsstufe": "Regelbedarfsstufe",
    "glossary/rueckforderung": "Rückforderung",
    "glossary/schonvermoegen": "Schonvermögen",
    "glossary/sgb-ii": "SGB II",
    "glossary/sgb-xii": "SGB XII",
    "glossary/servicestelle-sgb-ii": "Servicestelle SGB II",
    "glossary/sozialgeld": "Sozialgeld",
    "glossary/teilhabe-am-arbeitsmarkt": "Teilhabe am Arbeitsmarkt",
    "glossary/ueberpruefungsantrag": "Überprüfungsantrag",
    "glossary/umzug": "Umzug",
    "glossary/unterhalt": "Unterhalt",
    "glossary/vermoegen": "Vermögen",
    "glossary/videoberatung": "Videoberatung",
    "glossary/weiterbewilligungsantrag": "Weiterbewilligungsantrag",
    "glossary/weiterbildungsgeld": "Weiterbildungsgeld",
    "glossary/widerspruch": "Widerspruch",
    "glossary/wohngeld": "Wohngeld",
    "glossary/zielvereinbarung": "Zielvereinbarung",
    "glossary/zugelassener-kommunaler-traeger": "Zugelassener kommunaler Träger",
    "glossary/zumutbarkeit": "Zumutbarkeit",
}

INTERVIEW_ID = "interviews/jobcenter-leben-keine-verstaubte-buerokratie"


@pytest.fixture(scope="module")
def shipped_versions() -> list:
    return load_content(SHIPPED_CONTENT)


@pytest.fixture(scope="module")
def shipped(shipped_versions) -> dict:
    """Each shipped item's version in force today."""
    today = dt.date.today()
    return {item.id: item for item in shipped_versions if item.applies_on(today)}


def words(text: str) -> int:
    """Words of a Markdown body: whitespace-separated pieces with a letter or digit."""
    return sum(1 for piece in text.split() if re.search(r"\w", piece))


def test_brief_lists_66_faq_and_67_glossary_ids():
    assert len(BRIEF_FAQ) == 66
    assert len(BRIEF_GLOSSARY) == 67


def test_every_faq_id_of_the_brief_exists_with_a_close_title(shipped):
    missing = sorted(set(BRIEF_FAQ) - set(shipped))
    assert missing == []
    # Since 1 July 2026 the benefit is the Grundsicherungsgeld: the brief's titles name either.
    far = {i: (shipped[i].title, t) for i, t in BRIEF_FAQ.items()
           if max(fuzz.token_set_ratio(fold(shipped[i].title), fold(t)),
                  fuzz.token_set_ratio(fold(shipped[i].title),
                                       fold(t.replace("Bürgergeld", "Grundsicherungsgeld")))) < 80}
    assert far == {}


def test_every_glossary_id_of_the_brief_exists_with_its_term(shipped):
    missing = sorted(set(BRIEF_GLOSSARY) - set(shipped))
    assert missing == []
    far = {i: (shipped[i].title, t) for i, t in BRIEF_GLOSSARY.items()
           if fuzz.token_set_ratio(fold(shipped[i].title), fold(t)) < 80}
    assert far == {}


def test_every_shipped_faq_has_60_to_220_words_and_3_to_12_questions(shipped_versions):
    faqs = [i for i in shipped_versions if i.kind == "faq"]
    assert len(faqs) >= 66
    bad = {i.id: (words(i.body), len(i.questions)) for i in faqs
           if not 60 <= words(i.body) <= 220 or not 3 <= len(i.questions) <= 12}
    assert bad == {}


def test_every_shipped_glossary_term_has_25_to_120_words_and_easy_language(shipped_versions):
    terms = [i for i in shipped_versions if i.kind == "glossary"]
    assert len(terms) >= 67
    bad = {i.id: words(i.body) for i in terms if not 25 <= words(i.body) <= 120}
    assert bad == {}
    no_easy = [i.id for i in terms if not i.easy.strip()]
    assert no_easy == []
    too_long_easy = {i.id: i.easy for i in terms if len(re.findall(r"(?<!\d)[.!?](?:\s|$)", i.easy)) > 2}
    assert too_long_easy == {}


def test_every_shipped_item_has_a_stand_and_an_https_source(shipped_versions):
    for item in shipped_versions:
        assert isinstance(item.stand, dt.date), item.id
        assert dt.date(2020, 1, 1) <= item.stand <= dt.date.today() + dt.timedelta(days=1), item.id
        assert item.source.startswith("https://"), (item.id, item.source)


def test_shipped_faq_bodies_have_no_headings(shipped_versions):
    with_headings = [i.id for i in shipped_versions
                     if i.kind in ("faq", "glossary") and re.search(r"^#", i.body, flags=re.M)]
    assert with_headings == []


def test_shipped_interview_is_the_seed_split_into_three_passages(shipped):
    interviews = [i for i in shipped.values() if i.kind == "interview"]
    assert [i.id for i in interviews] == [INTERVIEW_ID]
    passages = interviews[0].passages
    assert [p.anchor for p in passages] == [
        "was-ist-in-den-jobcentern-nach-corona-anders",
        "was-bleibt-analog",
        "wie-lautet-ihre-wichtigste-lehre-aus-der-pandemie-zeit",
    ]
    assert interviews[0].person.startswith("Vanessa Ahuja")


def test_shipped_file_names_are_lower_case_ascii_slugs():
    for path in SHIPPED_CONTENT.rglob("*.md"):
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:@\d{4}-\d{2}-\d{2})?\.md", path.name), path


# --- what the chat features is chosen in content ---------------------------------------------

def test_check_fails_on_a_featured_id_that_does_not_exist(content_dir, runner):
    (content_dir / "featured.yaml").write_text(
        "common: [faq/regelbedarf-hoehe, faq/gibt-es-nicht]\njobcenter: faq/antrag-stellen\n",
        encoding="utf-8")
    result = runner.invoke(cli, ["check", "--content", str(content_dir)])
    assert result.exit_code == 1
    assert "content/featured.yaml:1: 'common' nennt 'faq/gibt-es-nicht', das es nicht gibt" in result.output


def test_the_shipped_featured_questions_exist_and_reach_the_index(shipped_engine):
    featured = shipped_engine.snapshot().featured
    assert featured.jobcenter == "faq/zustaendiges-jobcenter"
    assert len(featured.common) >= 4 and len(featured.popular) >= 1
    records = shipped_engine.snapshot().by_item
    assert all(i in records for i in (*featured.common, *featured.popular, featured.jobcenter))
