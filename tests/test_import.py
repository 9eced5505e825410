"""`faqbot import`: a saved web page becomes an interview file, navigation stripped, wording kept."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import yaml

from faqbot.cli import cli
from faqbot.content import load_content, parse_item
from faqbot.importer import ImportProblem, import_page, parse_interview

HERE = Path(__file__).parent
SEED = HERE / "data" / "seed-interview.txt"
SHIPPED_INTERVIEW = HERE.parent / "content" / "interviews" / "jobcenter-leben-keine-verstaubte-buerokratie.md"
SEED_SLUG = "jobcenter-leben-keine-verstaubte-buerokratie"
SEED_QUESTIONS = ["Was ist in den Jobcentern nach Corona anders?", "Was bleibt analog?",
                  "Wie lautet Ihre wichtigste Lehre aus der Pandemie-Zeit?"]
NAVIGATION = ["Kennzahlentool", "Personalbemessung", "Eingliederungsberichte", "Freibetragsrechner",
              "Wer ist die Servicestelle?", "Über uns", "Video-Antworten", "chancen – Das Magazin"]


def front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def import_cli(runner, page: Path, content_dir: Path, *extra: str):
    return runner.invoke(cli, ["import", str(page), "--content", str(content_dir), *extra])


@pytest.fixture
def imported(runner, tmp_path) -> Path:
    content_dir = tmp_path / "content"
    result = import_cli(runner, SEED, content_dir, "--source", "https://www.sgb2.info/", "--stand", "2026-11-25")
    assert result.exit_code == 0, result.output
    return content_dir / "interviews" / f"{SEED_SLUG}.md"


# --- the seed page ---------------------------------------------------------------------------

def test_seed_is_the_public_page_unchanged():
    raw = SEED.read_bytes()
    assert len(raw) == 2860
    assert hashlib.sha256(raw).hexdigest() == "531c72f275baffdc64fe40f058fbb6a5230fd650c2018bce74f90147355a1d8b"
    assert raw.startswith("Wer ist die Servicestelle?\n".encode())
    assert "„Jobcenter leben keine verstaubte Bürokratie\"".encode() in raw


def test_seed_import_finds_title_teaser_person_and_three_questions(runner, tmp_path):
    result = import_cli(runner, SEED, tmp_path / "content", "--source", "https://www.sgb2.info/", "--stand", "2026-11-25")
    assert result.exit_code == 0, result.output
    assert "Titel:    „Jobcenter leben keine verstaubte Bürokratie\"" in result.output
    assert "Rubrik:   Changemanagement" in result.output
    assert "Fragen:   3" in result.output
    assert f"(Kennung interviews/{SEED_SLUG})" in result.output


def test_seed_file_has_title_teaser_person_and_tags(imported):
    front, _ = front_matter(imported)
    assert front["title"] == "„Jobcenter leben keine verstaubte Bürokratie\""
    assert front["teaser"] == ("Die Corona-Pandemie hat die Jobcenter vor große Herausforderungen gestellt, "
                               "denn sie konnten von einem auf den anderen Tag nicht mehr vor Ort beraten.")
    assert front["person"] == ("Vanessa Ahuja leitet die Abteilung II im Bundesministerium für Arbeit "
                               "und Soziales (BMAS).")
    assert front["source"] == "https://www.sgb2.info/"
    assert str(front["stand"]) == "2026-11-25"
    assert front["tags"] == ["Changemanagement", "Interview"]


def test_seed_file_has_the_three_questions_as_passages(imported):
    item, problems = parse_item(imported, imported.parents[1])
    assert problems == []
    assert [p.title for p in item.passages] == SEED_QUESTIONS
    assert [p.anchor for p in item.passages] == [
        "was-ist-in-den-jobcentern-nach-corona-anders", "was-bleibt-analog",
        "wie-lautet-ihre-wichtigste-lehre-aus-der-pandemie-zeit"]


def test_seed_file_has_no_navigation(imported):
    text = imported.read_text(encoding="utf-8")
    for word in NAVIGATION:
        assert word not in text, word


def test_seed_answers_are_verbatim(imported):
    seed = SEED.read_text(encoding="utf-8")
    text = imported.read_text(encoding="utf-8")
    item, _ = parse_item(imported, imported.parents[1])
    blocks = [b.strip() for b in seed.split("\n\n")]
    paragraphs = [blocks[n + 1] for n, b in enumerate(blocks) if b in SEED_QUESTIONS]
    assert len(paragraphs) == 3
    assert all(len(p) > 300 for p in paragraphs)
    for paragraph, passage in zip(paragraphs, item.passages):
        assert paragraph in text
        assert passage.text == paragraph


def test_seed_file_passes_check(runner, imported):
    result = runner.invoke(cli, ["check", "--content", str(imported.parents[1])])
    assert result.exit_code == 0, result.output
    assert "1 Einträge, 3 Passagen" in result.output


def test_committed_interview_equals_a_fresh_import_of_the_seed(imported):
    assert imported.read_text(encoding="utf-8") == SHIPPED_INTERVIEW.read_text(encoding="utf-8")


def test_import_refuses_to_overwrite_without_the_flag(runner, imported):
    content_dir = imported.parents[1]
    imported.write_text(imported.read_text(encoding="utf-8").replace("Was bleibt analog?", "Was bleibt?"),
                        encoding="utf-8")
    edited = imported.read_text(encoding="utf-8")
    result = import_cli(runner, SEED, content_dir, "--source", "https://www.sgb2.info/")
    assert result.exit_code == 1
    assert "gibt es schon: --overwrite ersetzt die Datei." in result.output
    assert imported.read_text(encoding="utf-8") == edited
    again = import_cli(runner, SEED, content_dir, "--source", "https://www.sgb2.info/", "--stand", "2026-11-25",
                       "--overwrite")
    assert again.exit_code == 0, again.output
    assert imported.read_text(encoding="utf-8") == SHIPPED_INTERVIEW.read_text(encoding="utf-8")


def test_import_takes_today_without_stand_and_a_slug_when_given(runner, tmp_path):
    content_dir = tmp_path / "content"
    result = import_cli(runner, SEED, content_dir, "--source", "https://www.sgb2.info/", "--slug", "ahuja")
    assert result.exit_code == 0, result.output
    front, _ = front_matter(content_dir / "interviews" / "ahuja.md")
    assert str(front["stand"]) == dt.date.today().isoformat()


def test_import_without_a_source_for_a_text_page_writes_nothing(runner, tmp_path):
    content_dir = tmp_path / "content"
    result = import_cli(runner, SEED, content_dir)
    assert result.exit_code == 1
    assert "Keine Quelle bekannt: bitte --source" in result.output
    assert "Es wurde keine Datei geschrieben." in result.output
    assert not list(content_dir.rglob("*.md"))


def test_import_of_faq_is_refused(runner, tmp_path):
    result = import_cli(runner, SEED, tmp_path / "content", "--kind", "faq", "--source", "https://www.sgb2.info/")
    assert result.exit_code == 1
    assert "Import für 'faq' wird nicht unterstützt" in result.output


def test_bad_stand_is_a_usage_error(runner, tmp_path):
    result = import_cli(runner, SEED, tmp_path / "content", "--source", "https://www.sgb2.info/", "--stand", "25.11.2026")
    assert result.exit_code == 2
    assert "--stand muss ein Datum JJJJ-MM-TT sein" in result.output


# --- made-up pages with other navigation -----------------------------------------------------

COOKIE_BANNER = """
  <div class="cookie-banner" role="dialog" aria-label="Cookie-Einstellungen">
    <p>Wir verwenden Cookies, um Ihnen die bestmögliche Nutzung unserer Website zu ermöglichen.</p>
    <button>Alle akzeptieren</button> <button>Nur notwendige</button>
  </div>
"""

HTML_ANSWER_1 = ("Viele Menschen mussten früher lange warten, bevor sie mit jemandem sprechen konnten. "
                 "Mit festen Terminen können wir uns besser vorbereiten und haben im Gespräch mehr Zeit "
                 "für die Fragen der Menschen.")
HTML_ANSWER_1B = "Wer dringend Hilfe braucht, wird natürlich weiterhin auch ohne Termin beraten."
HTML_ANSWER_2 = ("Die Rückmeldungen sind überwiegend positiv. Besonders geschätzt wird, dass man nicht mehr "
                 "stundenlang im Wartebereich sitzen muss und die Unterlagen schon vorher besprochen werden "
                 "können.")


def html_page(banner_first: bool = True) -> str:
    return f"""<!DOCTYPE html>
<html lang="de">
<head>
  <meta charset="utf-8">
  <title>Interview: Mehr Zeit für Beratung | Beispiel-Jobcenter</title>
  <link rel="canonical" href="https://www.example-jobcenter.de/aktuelles/interview-beratung">
  <style>body {{ font-family: sans-serif; }}</style>
  <script>window.dataLayer = []; var hinweis = "Bitte aktivieren Sie JavaScript.";</script>
</head>
<body>
{COOKIE_BANNER if banner_first else ""}
  <header>
    <a href="/">Startseite</a>
    <div class="logo">Beispiel-Jobcenter Musterstadt</div>
    <form role="search"><input name="q" placeholder="Suche"><button>Suchen</button></form>
  </header>
  <nav aria-label="Hauptmenü">
    <ul>
      <li><a href="/leistungen">Leistungen</a></li>
      <li><a href="/arbeit">Arbeit und Ausbildung</a></li>
      <li><a href="/presse">Presse und Aktuelles</a></li>
      <li><a href="/kontakt">Kontakt und Öffnungszeiten</a></li>
    </ul>
  </nav>
  <main>
    <p class="rubric">Aus der Praxis</p>
    <h1>Mehr Zeit für gute Beratung</h1>
    <p class="teaser">Ein Jobcenter in Musterstadt hat seine Terminvergabe umgestellt und berichtet von seinen Erfahrungen.</p>
    <p class="person">Erika Beispiel leitet das Team Eingangszone im Jobcenter Musterstadt.</p>
    <h2>Warum haben Sie die Terminvergabe umgestellt?</h2>
    <p>{HTML_ANSWER_1}</p>
    <p>{HTML_ANSWER_1B}</p>
    <h2>Was sagen die Kundinnen und Kunden dazu?</h2>
    <p>{HTML_ANSWER_2}</p>
  </main>
  <footer>
    <ul><li><a href="/impressum">Impressum</a></li><li><a href="/datenschutz">Datenschutz</a></li></ul>
    <p>© 2026 Beispiel-Jobcenter Musterstadt. Alle Rechte vorbehalten.</p>
  </footer>
{"" if banner_first else COOKIE_BANNER}
</body>
</html>
"""


HTML_BOILERPLATE = ["Cookies", "akzeptieren", "Startseite", "Hauptmenü", "Leistungen", "Öffnungszeiten",
                    "Suche", "Impressum", "Datenschutz", "Alle Rechte vorbehalten", "dataLayer",
                    "JavaScript", "font-family", "Beispiel-Jobcenter", "Interview: Mehr Zeit"]


def test_html_page_import_finds_title_questions_and_drops_boilerplate(runner, tmp_path):
    page = tmp_path / "seite.html"
    page.write_text(html_page(), encoding="utf-8")
    content_dir = tmp_path / "content"
    result = import_cli(runner, page, content_dir, "--stand", "2026-11-25")
    assert result.exit_code == 0, result.output
    target = content_dir / "interviews" / "mehr-zeit-fuer-gute-beratung.md"
    front, body = front_matter(target)
    assert front["title"] == "Mehr Zeit für gute Beratung"
    assert front["source"] == "https://www.example-jobcenter.de/aktuelles/interview-beratung"  # canonical
    assert front["teaser"].startswith("Ein Jobcenter in Musterstadt hat seine Terminvergabe")
    assert front["person"] == "Erika Beispiel leitet das Team Eingangszone im Jobcenter Musterstadt."
    assert front["tags"] == ["Aus der Praxis", "Interview"]
    item, problems = parse_item(target, content_dir)
    assert problems == []
    assert [p.title for p in item.passages] == ["Warum haben Sie die Terminvergabe umgestellt?",
                                                "Was sagen die Kundinnen und Kunden dazu?"]
    assert item.passages[0].text == f"{HTML_ANSWER_1}\n\n{HTML_ANSWER_1B}"
    assert item.passages[1].text == HTML_ANSWER_2
    text = target.read_text(encoding="utf-8")
    for word in HTML_BOILERPLATE:
        assert word not in text, word


def test_cookie_banner_at_the_end_of_the_page_is_not_part_of_an_answer(tmp_path):
    interview = parse_interview(html_page(banner_first=False), is_html=True)
    assert interview.qa[-1] == ("Was sagen die Kundinnen und Kunden dazu?", HTML_ANSWER_2)


TEXT_PAGE = """Springe zum Inhalt
Startseite Über das Jobcenter Leistungen Arbeit und Ausbildung Familie und Kinder Presse Veranstaltungen Karriere Kontakt Standorte Downloads Formulare Gebärdensprache
Sie sind hier: Startseite > Presse > Interviews
Drucken
Teilen

„Digitale Anträge sparen allen Zeit"

Seit einem Jahr bietet das Jobcenter Musterstadt fast alle Anträge auch online an.

Max Mustermann ist Bereichsleiter im Jobcenter Musterstadt.

Wie viele Anträge kommen inzwischen online?

Inzwischen kommt mehr als die Hälfte der Weiterbewilligungsanträge über das Internet zu uns. Das hat uns selbst überrascht, denn am Anfang waren viele Menschen noch skeptisch.

Müssen jetzt alle online gehen?

Nein, niemand muss online gehen. Wer lieber ein Papierformular ausfüllt oder persönlich vorbeikommt, kann das weiterhin tun. Das digitale Angebot ist eine zusätzliche Möglichkeit und ersetzt nichts.

Drucken
Seitenanfang
Impressum
Datenschutz
Barrierefreiheit
© Jobcenter Musterstadt 2026
"""


def test_text_page_with_another_menu_and_footer_is_imported_cleanly(runner, tmp_path):
    page = tmp_path / "seite.txt"
    page.write_text(TEXT_PAGE, encoding="utf-8")
    content_dir = tmp_path / "content"
    result = import_cli(runner, page, content_dir, "--source", "https://www.example-jobcenter.de/presse/1",
                        "--stand", "2026-11-25")
    assert result.exit_code == 0, result.output
    target = content_dir / "interviews" / "digitale-antraege-sparen-allen-zeit.md"
    front, body = front_matter(target)
    assert front["title"] == "„Digitale Anträge sparen allen Zeit\""
    assert front["teaser"] == "Seit einem Jahr bietet das Jobcenter Musterstadt fast alle Anträge auch online an."
    assert front["person"] == "Max Mustermann ist Bereichsleiter im Jobcenter Musterstadt."
    assert front["tags"] == ["Interview"]
    item, problems = parse_item(target, content_dir)
    assert problems == []
    assert [p.title for p in item.passages] == ["Wie viele Anträge kommen inzwischen online?",
                                                "Müssen jetzt alle online gehen?"]
    assert item.passages[1].text.endswith("Das digitale Angebot ist eine zusätzliche Möglichkeit und ersetzt nichts.")
    text = target.read_text(encoding="utf-8")
    for word in ("Drucken", "Seitenanfang", "Impressum", "Datenschutz", "Barrierefreiheit", "Springe",
                 "Sie sind hier", "Startseite", "Karriere", "©"):
        assert word not in text, word


def test_imported_pages_load_together_with_other_content(runner, tmp_path, content_dir):
    page = tmp_path / "seite.txt"
    page.write_text(TEXT_PAGE, encoding="utf-8")
    result = import_cli(runner, page, content_dir, "--source", "https://www.example-jobcenter.de/presse/1")
    assert result.exit_code == 0, result.output
    ids = {item.id for item in load_content(content_dir)}
    assert "interviews/digitale-antraege-sparen-allen-zeit" in ids
    assert "interviews/test-interview" in ids


# --- pages that are no interview -------------------------------------------------------------

NO_INTERVIEW = """Startseite
Leistungen
Pressemitteilung

Jobcenter Musterstadt zieht um

Ab dem 1. März finden Sie das Jobcenter Musterstadt in der Bahnhofstraße 12. Die Telefonnummern bleiben gleich.

Bitte bringen Sie zu Ihren Terminen wie gewohnt Ihre Unterlagen mit.

Impressum
"""


def test_page_without_interview_questions_exits_1_and_writes_nothing(runner, tmp_path):
    page = tmp_path / "meldung.txt"
    page.write_text(NO_INTERVIEW, encoding="utf-8")
    content_dir = tmp_path / "content"
    result = import_cli(runner, page, content_dir, "--source", "https://www.example-jobcenter.de/presse/2")
    assert result.exit_code == 1
    assert "Import nicht möglich: Keine Interviewfragen gefunden" in result.output
    assert "Es wurde keine Datei geschrieben." in result.output
    assert not content_dir.exists() or not list(content_dir.rglob("*"))


def test_questions_without_answers_are_no_interview(tmp_path):
    with pytest.raises(ImportProblem, match="Keine Interviewfragen gefunden"):
        parse_interview("Titel\n\nWas ist das?\n\nKurz.\n\nUnd das?\n\nAuch kurz.\n", is_html=False)


def test_empty_page_is_refused(tmp_path):
    page = tmp_path / "leer.html"
    page.write_text("<html><body><nav>Menü</nav></body></html>", encoding="utf-8")
    with pytest.raises(ImportProblem, match="keinen Text"):
        import_page(page, tmp_path / "content", kind="interview", source="https://www.example.org/")
    assert not (tmp_path / "content").exists()
