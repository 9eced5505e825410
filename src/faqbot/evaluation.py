"""``faqbot eval``: how well the assistant answers the staff question set.

The set lives in ``content/questions.yaml``: each question with the ids that count as a correct
first answer, ``expect: []`` for questions that must be declined, and the thresholds below which
the run fails.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .ask import Answer, QuestionError, answer_question
from .content import ContentError, Problem, read_yaml
from .periods import parse_day
from .search import SearchEngine

QUESTIONS_FILE = "questions.yaml"
THRESHOLD_KEYS = {
    "hit_at_1": "Hit@1 mindestens",
    "hit_at_3": "Hit@3 mindestens",
    "out_of_scope_declined": "Anteil korrekt abgelehnter Fragen außerhalb des Themas mindestens",
    "in_scope_wrongly_declined": "Anteil fälschlich abgelehnter Fragen höchstens",
}


@dataclass(frozen=True)
class TestQuestion:
    question: str
    expect: tuple[str, ...]
    history: tuple[str, ...] = ()
    line: int = 0
    date: dt.date | None = None      # the day the question is asked on (default: the run's)

    @property
    def in_scope(self) -> bool:
        return bool(self.expect)

    @property
    def kind(self) -> str:
        if not self.expect:
            return "declined"
        folder = self.expect[0].split("/", 1)[0]
        return {"interviews": "interview"}.get(folder, folder)


@dataclass(frozen=True)
class QuestionSet:
    questions: tuple[TestQuestion, ...]
    thresholds: dict[str, float]
    path: Path | None = None


@dataclass
class Outcome:
    question: str
    expect: list[str]
    kind: str
    answered: bool
    rank: int | None          # 1-based rank of the first expected id among the answers
    got: list[str]            # ids of the answers (or of the candidates when declined)
    confidence: float
    line: int = 0

    @property
    def ok(self) -> bool:
        if not self.expect:
            return not self.answered
        return self.answered and self.rank == 1


@dataclass
class Metrics:
    questions: int = 0
    hit_at_1: float = 0.0
    hit_at_3: float = 0.0
    mrr: float = 0.0
    wrongly_declined: float = 0.0


@dataclass
class Report:
    total: Metrics
    by_kind: dict[str, Metrics]
    out_of_scope: int
    out_of_scope_declined: float
    thresholds: dict[str, float]
    below: list[str]
    failures: list[Outcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.below

    def as_json(self) -> dict:
        return {
            "total": asdict(self.total),
            "by_kind": {k: asdict(v) for k, v in self.by_kind.items()},
            "out_of_scope": self.out_of_scope,
            "out_of_scope_declined": self.out_of_scope_declined,
            "thresholds": self.thresholds,
            "passed": self.passed,
            "below": self.below,
            "failures": [asdict(f) for f in self.failures],
        }


def load_question_set(path: Path) -> QuestionSet:
    """Read and check the question set; problems raise ``ContentError`` with line numbers."""
    path = Path(path)
    shown = f"content/{path.name}" if path.parent.name == "content" else str(path)
    if not path.exists():
        raise ContentError([Problem(shown, 0, "Fragenkatalog nicht gefunden")])
    data, node = read_yaml(path, shown)
    problems = []
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise ContentError([Problem(shown, 1, "erwartet 'thresholds:' und 'questions:' (eine Liste)")])
    lines = []
    for key, value in node.value:
        if key.value == "questions":
            lines = [item.start_mark.line + 1 for item in value.value]
    thresholds = data.get("thresholds") or {}
    for key in thresholds:
        if key not in THRESHOLD_KEYS:
            problems.append(Problem(shown, 1, f"unbekannte Schwelle '{key}' (erlaubt: {', '.join(THRESHOLD_KEYS)})"))
    questions = []
    for n, entry in enumerate(data["questions"]):
        line = lines[n] if n < len(lines) else 0
        if not isinstance(entry, dict) or not isinstance(entry.get("q"), str):
            problems.append(Problem(shown, line, "jede Frage braucht 'q: <Frage>'"))
            continue
        expect = entry.get("expect", [])
        if not isinstance(expect, list) or not all(isinstance(e, str) for e in expect):
            problems.append(Problem(shown, line, "'expect' muss eine Liste von Kennungen sein"))
            continue
        history = entry.get("history", []) or []
        day = entry.get("date")
        if day is not None and not isinstance(day, dt.date):
            try:
                day = parse_day(str(day))
            except ValueError as exc:
                problems.append(Problem(shown, line, f"'date': {exc}"))
                continue
        questions.append(TestQuestion(entry["q"], tuple(expect), tuple(str(h) for h in history),
                                      line, day))
    if problems:
        raise ContentError(problems)
    return QuestionSet(tuple(questions), {k: float(v) for k, v in thresholds.items()}, path)


def _matches(hit_id: str, hit_item: str, expected: str) -> bool:
    return hit_id == expected or ("#" not in expected and hit_item == expected)


def answers(hit_id: str, hit_item: str, expect) -> bool:
    """Whether the passage ``hit_id`` (of item ``hit_item``) is one of the ``expect``ed
    answers: a passage id, or an item id without an anchor for any of its passages."""
    return any(_matches(hit_id, hit_item, e) for e in expect)


def judge(question: TestQuestion, answer: Answer) -> Outcome:
    rank = None
    if answer.answered:
        for n, hit in enumerate(answer.hits, start=1):
            if answers(hit.id, hit.item_id, question.expect):
                rank = n
                break
    return Outcome(question=question.question, expect=list(question.expect), kind=question.kind,
                   answered=answer.answered, rank=rank, got=[h.id for h in answer.hits[:3]],
                   confidence=round(answer.confidence, 3), line=question.line)


def _metrics(outcomes: list[Outcome]) -> Metrics:
    n = len(outcomes)
    if not n:
        return Metrics()
    return Metrics(
        questions=n,
        hit_at_1=round(sum(o.rank == 1 for o in outcomes) / n, 4),
        hit_at_3=round(sum(o.rank is not None and o.rank <= 3 for o in outcomes) / n, 4),
        mrr=round(sum(1 / o.rank for o in outcomes if o.rank) / n, 4),
        wrongly_declined=round(sum(not o.answered for o in outcomes) / n, 4),
    )


def run_eval(engine: SearchEngine, qset: QuestionSet, today: dt.date | None = None) -> Report:
    """Ask every question of ``qset`` as of ``today`` (a question's own ``date`` wins) and
    measure the answers."""
    outcomes: list[Outcome] = []
    for q in qset.questions:
        try:
            answer = answer_question(engine, q.question, q.history, today=q.date or today)
        except QuestionError:
            outcomes.append(Outcome(q.question, list(q.expect), q.kind, False, None, [], 0.0, q.line))
            continue
        outcomes.append(judge(q, answer))
    in_scope = [o for o in outcomes if o.expect]
    out_scope = [o for o in outcomes if not o.expect]
    total = _metrics(in_scope)
    by_kind = {kind: _metrics([o for o in in_scope if o.kind == kind])
               for kind in ("faq", "glossary", "interview") if any(o.kind == kind for o in in_scope)}
    declined = round(sum(not o.answered for o in out_scope) / len(out_scope), 4) if out_scope else 1.0
    figures = {"hit_at_1": total.hit_at_1, "hit_at_3": total.hit_at_3,
               "out_of_scope_declined": declined,
               "in_scope_wrongly_declined": total.wrongly_declined}
    below = []
    for key, limit in qset.thresholds.items():
        value = figures[key]
        bad = value > limit if key == "in_scope_wrongly_declined" else value < limit
        if bad:
            below.append(f"{THRESHOLD_KEYS[key]} {limit:.2f}, erreicht {value:.3f}")
    failures = [o for o in outcomes if not o.ok]
    return Report(total=total, by_kind=by_kind, out_of_scope=len(out_scope),
                  out_of_scope_declined=declined, thresholds=qset.thresholds, below=below,
                  failures=failures)


def format_report(report: Report, show_failures: bool = True) -> str:
    lines = ["Art         Fragen  Hit@1  Hit@3  MRR    fälschlich abgelehnt"]

    def row(name: str, m: Metrics) -> str:
        return (f"{name:<11} {m.questions:>6}  {m.hit_at_1:.3f}  {m.hit_at_3:.3f}  {m.mrr:.3f}  "
                f"{m.wrongly_declined:.3f}")

    for kind, m in report.by_kind.items():
        lines.append(row(kind, m))
    lines.append(row("gesamt", report.total))
    lines.append(f"Außerhalb des Themas: {report.out_of_scope} Fragen, korrekt abgelehnt "
                 f"{report.out_of_scope_declined:.3f}")
    if show_failures and report.failures:
        lines.append("")
        lines.append(f"Fehlschläge ({len(report.failures)}):")
        for f in report.failures:
            if not f.expect:
                what = f"beantwortet statt abgelehnt, zuerst {f.got[0] if f.got else '-'}"
            elif not f.answered:
                what = f"abgelehnt (Sicherheit {f.confidence:.2f}), erwartet {f.expect[0]}, Kandidat {f.got[0] if f.got else '-'}"
            else:
                what = f"zuerst {f.got[0] if f.got else '-'} statt {f.expect[0]}" + (f" (Rang {f.rank})" if f.rank else "")
            lines.append(f"  Zeile {f.line}: {f.question!r}: {what}")
    lines.append("")
    if report.passed:
        lines.append("Alle Schwellen erreicht.")
    else:
        lines.append("UNTER DER SCHWELLE: " + "; ".join(report.below))
    return "\n".join(lines)
