"""Editors' content: Markdown files with YAML front matter under ``content/``.

``load_content(root)`` reads and validates every item and returns the items with their passages,
or raises ``ContentError`` listing every problem with file and line.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import yaml

KINDS = ("faq", "glossary", "interviews")
KIND_OF_FOLDER = {"faq": "faq", "glossary": "glossary", "interviews": "interview"}

COMMON_FIELDS = {"title": True, "stand": True, "source": True, "tags": False, "see_also": False,
                 "valid_from": False, "valid_until": False}
KIND_FIELDS = {
    "faq": {"questions": True, "easy": False},
    "glossary": {"easy": True},
    "interview": {"teaser": False, "person": False},
}

HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")
# A later version of an item lies beside it as "<slug>@<first day>.md".
VERSION_FILE = re.compile(r"^(?P<slug>[^@]+)@(?P<start>\d{4}-\d{2}-\d{2})$")
# ``stand`` older than this is reported by ``faqbot check`` (a warning, not an error).
STALE_AFTER_DAYS = 365


@dataclass(frozen=True)
class Passage:
    """One answerable piece of content: a whole FAQ or glossary item, or one interview answer."""

    id: str            # "faq/regelbedarf-hoehe" or "interviews/x#was-bleibt-analog"
    item_id: str
    kind: str          # "faq", "glossary" or "interview"
    title: str         # the passage's own title (the interview question for interviews)
    item_title: str
    text: str          # verbatim Markdown of the passage
    anchor: str
    stand: dt.date
    source: str
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    easy: str = ""
    see_also: tuple[str, ...] = ()
    teaser: str = ""
    person: str = ""
    key: str = ""      # unique per version: "faq/vermoegen@2026-07-01" (the id for the first)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    path: Path
    title: str
    stand: dt.date
    source: str
    body: str
    tags: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    see_also: tuple[str, ...] = ()
    easy: str = ""
    teaser: str = ""
    person: str = ""
    key: str = ""                      # "faq/vermoegen@2026-07-01"; the id for the first version
    valid_from: dt.date | None = None  # first day this version applies (None: always before)
    valid_until: dt.date | None = None # last day it applies (None: open-ended)
    passages: tuple[Passage, ...] = field(default=(), compare=False)

    def applies_on(self, day: dt.date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_until is None or day <= self.valid_until))


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content has problems; ``problems`` lists each with file and line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def slugify(text: str) -> str:
    """An anchor or file name from German text.

    >>> slugify("Was bleibt analog?")
    'was-bleibt-analog'
    >>> slugify("Wie lautet Ihre wichtigste Lehre aus der Pandemie-Zeit?")
    'wie-lautet-ihre-wichtigste-lehre-aus-der-pandemie-zeit'
    """
    text = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    text = re.sub(r"[^a-z0-9]+", "-", text)
    return text.strip("-")


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line where the body starts) or None without front matter."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    return None


def is_url(value: object, schemes: tuple[str, ...] = ("https",)) -> bool:
    """An absolute web address (https only, unless ``schemes`` says otherwise)."""
    if not isinstance(value, str):
        return False
    parsed = urlparse(value)
    return parsed.scheme in schemes and bool(parsed.netloc) and not any(c.isspace() for c in value)


DATE_FIELDS = ("stand", "valid_from", "valid_until")


def _bad_date(line: str) -> bool:
    value = line.split(":", 1)[1].strip().strip("'\"")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return True
    return False


def _string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def parse_item(path: Path, root: Path) -> tuple[Item | None, list[Problem]]:
    """Read one content file; return the item (None if unusable) and its problems."""
    rel = path.relative_to(root).as_posix()
    folder = rel.split("/", 1)[0]
    kind = KIND_OF_FOLDER[folder]
    version_key = rel[: -len(".md")]
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(f"content/{rel}", line, message))

    # "faq/vermoegen@2026-07-01.md" is the version of faq/vermoegen from 1 July 2026.
    head, _, name = version_key.rpartition("/")
    version = VERSION_FILE.match(name)
    item_id, file_start = version_key, None
    if version:
        item_id = f"{head}/{version['slug']}"
        try:
            file_start = dt.date.fromisoformat(version["start"])
        except ValueError:
            problem(1, f"'{version['start']}' im Dateinamen ist kein gültiges Datum JJJJ-MM-TT")
            return None, problems
    elif "@" in name:
        problem(1, "eine weitere Fassung heißt '<name>@JJJJ-MM-TT.md' (mit ihrem ersten Geltungstag)")
        return None, problems

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problem(1, f"keine gültige UTF-8-Datei ({exc.reason})")
        return None, problems
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    parts = _split_front_matter(text)
    if parts is None:
        problem(1, "Vorspann fehlt: die Datei muss mit einer Zeile '---' beginnen und der Vorspann mit '---' enden")
        return None, problems
    front, body, body_line = parts
    try:
        data, node = load_yaml_text(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        problem(line, f"Vorspann ist kein gültiges YAML: {reason}")
        return None, problems
    except ValueError as exc:
        # YAML reads 2026-13-01 as a date and fails on it.
        line, key_name = next(((n, text.split(":", 1)[0]) for n, text in enumerate(front.split("\n"), start=2)
                               if text.split(":", 1)[0] in DATE_FIELDS and _bad_date(text)), (2, "stand"))
        problem(line, f"'{key_name}' muss ein gültiges Datum JJJJ-MM-TT sein ({exc})")
        return None, problems
    if not isinstance(data, dict):
        problem(2, "Vorspann muss aus Feldern 'name: wert' bestehen")
        return None, problems

    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[key_node.value] = key_node.start_mark.line + 2

    allowed = dict(COMMON_FIELDS, **KIND_FIELDS[kind])
    for key in data:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            problem(lines.get(str(key), 2), f"unbekanntes Feld '{key}' (erlaubt: {known})")
    for key, required in allowed.items():
        if required and (key not in data or data[key] in (None, "", [])):
            problem(1, f"Pflichtfeld '{key}' fehlt")

    title = data.get("title")
    if "title" in data and not (isinstance(title, str) and title.strip()):
        problem(lines["title"], "'title' muss ein nicht leerer Text sein")
    dates = {}
    for name in DATE_FIELDS:
        value = data.get(name)
        if name in data and value is not None:
            if isinstance(value, str):
                try:
                    value = dt.date.fromisoformat(value)
                except ValueError:
                    pass
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                problem(lines[name], f"'{name}' muss ein Datum JJJJ-MM-TT sein, nicht '{data[name]}'")
                value = None
        dates[name] = value
    stand, valid_from, valid_until = dates["stand"], dates["valid_from"], dates["valid_until"]
    if valid_from and valid_until and valid_until < valid_from:
        problem(lines["valid_until"], f"'valid_until' ({valid_until}) liegt vor 'valid_from' ({valid_from})")
    if file_start is not None and valid_from != file_start:
        problem(lines.get("valid_from", 1),
                f"die Fassung ab {file_start} (Dateiname) braucht 'valid_from: {file_start}'")
    source = data.get("source")
    if "source" in data and not is_url(source):
        problem(lines["source"], f"'source' muss eine Adresse mit https:// sein, nicht '{source}'")
    for key in ("tags", "questions", "see_also"):
        if key in data and data[key] is not None and not _string_list(data[key]):
            problem(lines[key], f"'{key}' muss eine Liste von Texten sein")
    for key in ("easy", "teaser", "person"):
        if key in data and data[key] is not None and not isinstance(data[key], str):
            problem(lines[key], f"'{key}' muss ein Text sein")
    if kind == "faq" and _string_list(data.get("questions")):
        if not 1 <= len(data["questions"]) <= 12:
            problem(lines["questions"], "'questions' braucht 1 bis 12 Formulierungen")

    if not body.strip():
        problem(body_line, "der Text des Eintrags ist leer")

    if problems:
        return None, problems

    item = Item(
        id=item_id, key=version_key, valid_from=valid_from, valid_until=valid_until,
        kind=kind, path=path, title=title.strip(), stand=stand, source=source,
        body=body.strip(), tags=tuple(data.get("tags") or ()),
        questions=tuple(q.strip() for q in data.get("questions") or ()),
        see_also=tuple(data.get("see_also") or ()), easy=(data.get("easy") or "").strip(),
        teaser=(data.get("teaser") or "").strip(), person=(data.get("person") or "").strip(),
    )
    passages, passage_problems = _passages(item, body, body_line)
    for line, message in passage_problems:
        problem(line, message)
    if problems:
        return None, problems
    return _with_passages(item, passages), problems


def _with_passages(item: Item, passages: tuple[Passage, ...]) -> Item:
    object.__setattr__(item, "passages", passages)
    return item


def _passages(item: Item, body: str, body_line: int) -> tuple[tuple[Passage, ...], list[tuple[int, str]]]:
    common = dict(item_id=item.id, kind=item.kind, item_title=item.title, stand=item.stand,
                  source=item.source, tags=item.tags, see_also=item.see_also,
                  teaser=item.teaser, person=item.person, valid_from=item.valid_from,
                  valid_until=item.valid_until)
    if item.kind != "interview":
        return (Passage(id=item.id, key=item.key, title=item.title, text=item.body, anchor="",
                        questions=item.questions, easy=item.easy, **common),), []
    problems: list[tuple[int, str]] = []
    sections: list[tuple[str, int, list[str]]] = []
    for offset, line in enumerate(body.split("\n")):
        match = HEADING.match(line)
        if match:
            sections.append((match.group(1), body_line + offset, []))
        elif sections:
            sections[-1][2].append(line)
        elif line.strip():
            problems.append((body_line + offset, "Text vor der ersten Frage ('## Frage') gehört in das Feld 'teaser'"))
    if not sections:
        problems.append((body_line, "ein Interview braucht mindestens eine Frage als Überschrift '## Frage'"))
    passages = []
    seen: set[str] = set()
    for question, line, answer_lines in sections:
        anchor = slugify(question)
        answer = "\n".join(answer_lines).strip()
        if not answer:
            problems.append((line, f"die Frage '{question}' hat keine Antwort"))
        if anchor in seen:
            problems.append((line, f"die Frage '{question}' kommt doppelt vor"))
        seen.add(anchor)
        passages.append(Passage(id=f"{item.id}#{anchor}", key=f"{item.key}#{anchor}", title=question,
                                text=answer, anchor=anchor, **common))
    return tuple(passages), problems


def load_yaml_text(text: str):
    """(data, node tree) of YAML text, parsed once (with libyaml when available)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def read_yaml(path: Path, shown: str):
    """(data, node tree for line numbers) of a YAML file; broken YAML raises ``ContentError``
    naming ``shown`` and the line."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        return load_yaml_text(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ContentError([Problem(shown, mark.line + 1 if mark else 1,
                                    f"kein gültiges YAML: {getattr(exc, 'problem', exc)}")]) from None


def content_files(root: Path) -> list[Path]:
    files = []
    for folder in KINDS:
        base = root / folder
        if base.is_dir():
            files.extend(sorted(p for p in base.rglob("*") if p.is_file() and p.suffix == ".md"))
    return files


def load_content(root: Path) -> list[Item]:
    """All items under ``root``, validated; raises ``ContentError`` with every problem."""
    root = Path(root)
    if not root.is_dir():
        raise ContentError([Problem(str(root), 0, "Inhaltsordner nicht gefunden")])
    items: list[Item] = []
    problems: list[Problem] = []
    for path in content_files(root):
        item, item_problems = parse_item(path, root)
        problems.extend(item_problems)
        if item is not None:
            items.append(item)
    for folder in KINDS:
        base = root / folder
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and path.suffix != ".md" and not path.name.startswith("."):
                    rel = path.relative_to(root).as_posix()
                    problems.append(Problem(f"content/{rel}", 0, "nur .md-Dateien sind Inhalte; Datei umbenennen oder entfernen"))
    keys: dict[str, str] = {}
    for item in items:
        key = item.key.lower()
        if key in keys:
            problems.append(Problem(f"content/{item.key}.md", 1, f"doppelte Kennung: wie {keys[key]}"))
        keys[key] = f"content/{item.key}.md"
    problems.extend(period_problems(items))
    known = {item.id for item in items} | {p.id for item in items for p in item.passages}
    for item in items:
        for target in item.see_also:
            if target not in known:
                line = _line_of(item.path, "see_also")
                problems.append(Problem(f"content/{item.key}.md", line, f"'see_also' verweist auf '{target}', das es nicht gibt"))
    if not items and not problems:
        problems.append(Problem("content", 0, "keine Inhalte gefunden (content/faq, content/glossary, content/interviews)"))
    if problems:
        raise ContentError(problems)
    return items


def versions_of(items: list[Item]) -> dict[str, list[Item]]:
    """The versions of each item id, earliest first."""
    by_id: dict[str, list[Item]] = {}
    for item in items:
        by_id.setdefault(item.id, []).append(item)
    for versions in by_id.values():
        versions.sort(key=lambda v: (v.valid_from or dt.date.min, v.key))
    return by_id


def period_problems(items: list[Item]) -> list[Problem]:
    """Versions of one id whose periods overlap or leave a gap between them."""
    problems = []
    for versions in versions_of(items).values():
        for before, after in zip(versions, versions[1:]):
            end = before.valid_until or dt.date.max
            start = after.valid_from or dt.date.min
            where = f"content/{after.key}.md"
            line = _line_of(after.path, "valid_from")
            if start <= end:
                problems.append(Problem(where, line, (
                    f"der Zeitraum überschneidet sich mit content/{before.key}.md "
                    f"({period_text(before)}); jede Fassung braucht 'valid_from'/'valid_until' "
                    "ohne Überschneidung")))
            elif start - end > dt.timedelta(days=1):
                problems.append(Problem(where, line, (
                    f"Lücke: vom {end + dt.timedelta(days=1)} bis {start - dt.timedelta(days=1)} "
                    f"gilt keine Fassung (content/{before.key}.md gilt bis {end})")))
    return problems


def period_text(item: Item) -> str:
    start = item.valid_from.isoformat() if item.valid_from else "offen"
    end = item.valid_until.isoformat() if item.valid_until else "offen"
    return f"gültig {start} bis {end}"


def stale_items(items: list[Item], today: dt.date) -> list[Problem]:
    """Warnings: versions in force now or later whose ``stand`` is more than a year old."""
    warnings = []
    for item in items:
        if item.valid_until is not None and item.valid_until < today:
            continue
        age = (today - item.stand).days
        if age > STALE_AFTER_DAYS:
            warnings.append(Problem(f"content/{item.key}.md", _line_of(item.path, "stand"),
                                    f"'stand' {item.stand} ist {age} Tage alt: bitte die Fakten prüfen"))
    return warnings


def _line_of(path: Path, key: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def content_version(root: Path) -> str:
    """A short fingerprint of all content files: changes whenever any file changes."""
    import hashlib

    digest = hashlib.sha256()
    root = Path(root)
    for path in content_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    synonyms = root / "synonyms.yaml"
    if synonyms.exists():
        digest.update(synonyms.read_bytes())
    return digest.hexdigest()[:12]
