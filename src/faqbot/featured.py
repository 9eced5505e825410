"""What the chat features, chosen by editors in ``content/featured.yaml``::

    common: [faq/wer-hat-anspruch, faq/regelbedarf-hoehe]   # buttons on the empty chat
    popular: [faq/regelbedarf-hoehe, faq/antrag-stellen]     # offered when nothing is close
    jobcenter: faq/zustaendiges-jobcenter                    # "So finden Sie Ihr Jobcenter"

Every id must exist (``faqbot check``); the index keeps a copy (``featured.json``).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .content import ContentError, Problem, read_yaml

FILE_NAME = "featured.yaml"
SAVED_FILE = "featured.json"


@dataclass(frozen=True)
class Featured:
    common: tuple[str, ...] = ()
    popular: tuple[str, ...] = ()
    jobcenter: str = ""


def load_featured(content_root: Path, known: set[str] | None = None) -> Featured:
    """The editors' choice; ``Featured()`` without a file. With ``known`` (the item ids),
    an unknown id is a problem. Problems raise ``ContentError`` with file and line."""
    path = Path(content_root) / FILE_NAME
    if not path.exists():
        return Featured()
    shown = f"content/{FILE_NAME}"
    data, node = read_yaml(path, shown)
    if data is None:
        return Featured()
    if not isinstance(data, dict):
        raise ContentError([Problem(shown, 1, "erwartet 'common:', 'popular:' und 'jobcenter:'")])
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    problems = []
    for key in data:
        if key not in ("common", "popular", "jobcenter"):
            problems.append(Problem(shown, lines.get(str(key), 1),
                                    f"unbekanntes Feld '{key}' (erlaubt: common, popular, jobcenter)"))
    lists = {}
    for key in ("common", "popular"):
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(shown, lines.get(key, 1), f"'{key}' muss eine Liste von Kennungen sein"))
            value = []
        lists[key] = tuple(value)
    jobcenter = data.get("jobcenter") or ""
    if not isinstance(jobcenter, str):
        problems.append(Problem(shown, lines.get("jobcenter", 1), "'jobcenter' muss eine Kennung sein"))
        jobcenter = ""
    if known is not None:
        for key, ids in (*lists.items(), ("jobcenter", (jobcenter,) if jobcenter else ())):
            for item_id in ids:
                if item_id not in known:
                    problems.append(Problem(shown, lines.get(key, 1), f"'{key}' nennt '{item_id}', das es nicht gibt"))
    if problems:
        raise ContentError(problems)
    return Featured(common=lists["common"], popular=lists["popular"], jobcenter=jobcenter)


def save_featured(featured: Featured, folder: Path) -> None:
    (Path(folder) / SAVED_FILE).write_text(json.dumps(asdict(featured), ensure_ascii=False), encoding="utf-8")


def load_saved_featured(folder: Path) -> Featured:
    path = Path(folder) / SAVED_FILE
    if not path.exists():
        return Featured()
    data = json.loads(path.read_text(encoding="utf-8"))
    return Featured(common=tuple(data["common"]), popular=tuple(data["popular"]),
                    jobcenter=data["jobcenter"])
