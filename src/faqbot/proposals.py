"""Proposals for the staff question set: staff add them in the console (stored in the
database, so every app server sees them); ``faqbot questions merge`` writes the open ones into
``content/questions.yaml``.

The web process never writes an editorial file. The merge writes a new file next to the old
one, checks that it reads back as the old set plus the proposals, and only then puts it in
place with one ``os.replace``: whatever happens, questions.yaml is either the old file or the
new one, never half of each.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import yaml

from .content import ContentError, read_yaml
from .db import question_proposals
from .evaluation import load_question_set


@dataclass(frozen=True)
class Proposal:
    id: int
    proposed_at: dt.datetime
    user: str
    question: str
    expect: tuple[str, ...]      # () : the question must be declined


class MergeError(Exception):
    """questions.yaml cannot take the proposals; the message says why and what to do."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def propose(engine: sa.Engine, question: str, expect: list[str] | tuple[str, ...], user: str) -> int:
    """Store a proposal; returns its id."""
    with engine.begin() as conn:
        return conn.execute(question_proposals.insert().values(
            proposed_at=_now(), user=user[:80], question=question, expect=" ".join(expect),
            status="open")).inserted_primary_key[0]


def open_proposals(engine: sa.Engine) -> list[Proposal]:
    """The proposals not yet merged or discarded, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(question_proposals)
                            .where(question_proposals.c.status == "open")
                            .order_by(question_proposals.c.id)).all()
    return [Proposal(r.id, r.proposed_at, r.user, r.question, tuple(r.expect.split())) for r in rows]


def discard(engine: sa.Engine, proposal_id: int, user: str) -> bool:
    """Discard an open proposal; False when there is none with that id."""
    return _decide(engine, [proposal_id], "discarded", user) > 0


def _decide(engine: sa.Engine, ids: list[int], status: str, user: str) -> int:
    if not ids:
        return 0
    with engine.begin() as conn:
        return conn.execute(question_proposals.update()
                            .where(question_proposals.c.id.in_(ids),
                                   question_proposals.c.status == "open")
                            .values(status=status, decided_at=_now(), decided_by=user[:80])).rowcount


@dataclass(frozen=True)
class Merged:
    added: tuple[Proposal, ...]        # written into the file
    already: tuple[Proposal, ...]      # the file had the question already


def merge(engine: sa.Engine, path: Path, user: str) -> Merged:
    """Write the open proposals into the question set at ``path`` (atomically) and mark them
    merged. Raises ``MergeError`` (the file untouched) when the file cannot take them."""
    path = Path(path)
    proposals = open_proposals(engine)
    try:
        before = load_question_set(path)
    except ContentError as exc:
        raise MergeError(f"{exc}\nDer Fragenkatalog ist ungültig: bitte erst die Datei "
                         "reparieren (faqbot check), dann erneut zusammenführen.") from None
    known = {q.question for q in before.questions}
    added, already = [], []
    for proposal in proposals:
        (already if proposal.question in known else added).append(proposal)
        known.add(proposal.question)
    if added:
        text = path.read_text(encoding="utf-8")
        new_text = appended(text, _list_indent(path), added)
        expected = [(q.question, q.expect) for q in before.questions] + \
                   [(p.question, p.expect) for p in added]
        write_checked(path, new_text, expected)
    _decide(engine, [p.id for p in added + already], "merged", user)
    return Merged(tuple(added), tuple(already))


def _list_indent(path: Path) -> int:
    """The column of the ``-`` of the entries under ``questions:``, which must be the last
    part of the file and a block list (so that entries can be appended)."""
    _, node = read_yaml(path, path.name)
    keys = [key.value for key, _ in node.value]
    questions = dict((key.value, value) for key, value in node.value)["questions"]
    if keys[-1] != "questions" or not isinstance(questions, yaml.SequenceNode) or questions.flow_style:
        raise MergeError(f"{path.name}: 'questions:' muss der letzte Abschnitt der Datei und eine "
                         "Liste mit '- q: ...'-Einträgen sein; bitte die Datei so umstellen.")
    return questions.start_mark.column


def appended(text: str, indent: int, proposals: list[Proposal]) -> str:
    """``text`` with one ``- q: ... / expect: [...]`` entry per proposal at its end."""
    lines = []
    for proposal in proposals:
        entry = yaml.safe_dump([{"q": proposal.question, "expect": list(proposal.expect)}],
                               allow_unicode=True, default_flow_style=None, width=1000,
                               sort_keys=False)
        lines.extend(" " * indent + line for line in entry.rstrip("\n").split("\n"))
    separator = "" if not text or text.endswith("\n") else "\n"
    return text + separator + "\n".join(lines) + "\n"


def write_checked(path: Path, text: str, expected: list[tuple[str, tuple[str, ...]]]) -> None:
    """Replace ``path`` with ``text`` in one step, after checking that the new file reads as
    the question set ``expected`` ((question, expected ids) in order)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777)
        try:
            got = [(q.question, q.expect) for q in load_question_set(tmp).questions]
        except ContentError as exc:
            raise MergeError(f"Die zusammengeführte Datei wäre ungültig, {path.name} bleibt "
                             f"unverändert:\n{exc}") from None
        if got != expected:
            raise MergeError(f"Die zusammengeführte Datei liest sich anders als erwartet; "
                             f"{path.name} bleibt unverändert.")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)

