"""Fit the decline model (``faqbot.decline``) on the training question sets of
``bench/training.py`` (the staff set, the old holdouts, the decline-training questions and the
development sets).

Each question is asked with the current engine, its passage classifier learned without the
question's set (``training.out_of_set``); the best candidate's signals become one row,
labelled 1 when the question is in scope (the content covers it) and 0 when it must be
declined. Questions the rules decline before the model (small talk, a short question on
another authority's topic from referrals.yaml, nothing to search, a question in a chat none of
whose own words the content knows, one that only continues a missing earlier question) are left
out. The L2 strength is chosen by
cross-validation over the training sets (log loss): each set's rows are judged by a model
fitted without that set, scope signal included, as a fresh holdout is judged by a model that
never saw its writer's wording. The threshold is the lowest at which that cross-validated
share of declined out-of-scope questions reaches ``--target``, so that as few in-scope
questions as possible are declined. The trade-off around it is printed. The holdouts that
report quality (bench/holdout-2026-12w.yaml and -12x.yaml) are never read here. The model
reads each standardised signal and the product of every pair (``faqbot.decline.expand``).

    .venv/bin/python bench/fit_decline.py [--write] [--target 0.94]
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from faqbot.ask import answer_question, query_terms  # noqa: E402
from faqbot.decline import FEATURES, TERMS, Model, expand, fit_logistic, save_model  # noqa: E402
from faqbot.evaluation import answers, load_question_set  # noqa: E402
from faqbot.index import build_index  # noqa: E402
from faqbot.scope import ScopeModel, fit_naive_bayes, save_scope, scope_stems  # noqa: E402
from faqbot.search import SearchEngine  # noqa: E402
from training import STAFF, labelled_questions, out_of_set, sets_of, training_paths  # noqa: E402
L2_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)


RULED = {"in": 0, "out": 0}      # questions declined by a rule before the model


def rows_of(engine: SearchEngine, today: dt.date):
    """One row per question the model decides on, asked with a passage classifier that has
    not learned its set (``training.out_of_set``)."""
    questions = labelled_questions(engine, today)

    def ask(item):
        q = item.question
        return answer_question(engine, q.question, q.history, today=q.date or today)

    rows = []
    for item, answer in zip(questions, out_of_set(engine, questions, ask)):
        q = item.question
        if answer.signals is None:
            RULED["in" if q.expect else "out"] += 1
            continue
        rank = next((n for n, h in enumerate(answer.hits, start=1)
                     if answers(h.id, h.item_id, q.expect)), None)
        rows.append((answer.signals.vector(), int(bool(q.expect)), rank == 1, q.question,
                     rank, item.path))
    return rows


SCOPE = FEATURES.index("scope")


def content_texts(engine: SearchEngine) -> list[str]:
    """Titles and alternate questions of every passage: what the content is about."""
    texts = []
    for rec in engine.snapshot().records.values():
        texts.append(rec["title"])
        texts.extend(rec["questions"])
    return texts


def stems_of(engine: SearchEngine, texts: list[str]) -> list[frozenset[str]]:
    """Each text's stems as the assistant analyses a question (faqbot.scope.scope_stems)."""
    snapshot = engine.snapshot()
    return [scope_stems(query_terms(text, snapshot)) for text in texts]


def with_scope(rows, folds, content: list[str]):
    """The rows with their scope signal from a naive Bayes model fitted without their fold
    (the content's texts are always in), so the decline model learns how much the signal is
    worth on questions it has not seen."""
    out = [list(r) for r in rows]
    for test in folds:
        held = set(test)
        texts = content + [r[3] for i, r in enumerate(rows) if i not in held]
        labels = [1] * len(content) + [r[1] for i, r in enumerate(rows) if i not in held]
        model = ScopeModel(weights=fit_naive_bayes(texts, labels), provenance={})
        for i in test:
            vector = list(rows[i][0])
            vector[SCOPE] = model.score(rows[i][3])
            out[i][0] = vector
    return [tuple(r) for r in out]


def staff_gate(rows, probs, threshold: float) -> tuple[bool, dict]:
    """The staff set's figures at ``threshold`` and whether they meet its own thresholds
    (the quality gate of every reindex)."""
    qset = load_question_set(STAFF)
    staff = [(r, p) for r, p in zip(rows, probs) if r[5] == STAFF]
    inside = [(r, p) for r, p in staff if r[1]]
    n_in = sum(1 for q in qset.questions if q.expect)
    n_out = len(qset.questions) - n_in
    outside_answered = sum(p >= threshold for r, p in staff if not r[1])
    got = {
        "hit_at_1": sum(p >= threshold and r[4] == 1 for r, p in inside) / n_in,
        "hit_at_3": sum(p >= threshold and r[4] is not None and r[4] <= 3 for r, p in inside) / n_in,
        "in_scope_wrongly_declined": (n_in - sum(p >= threshold for _, p in inside)) / n_in,
        "out_of_scope_declined": (n_out - outside_answered) / n_out,
    }
    ok = all(got[k] <= v if k == "in_scope_wrongly_declined" else got[k] >= v
             for k, v in qset.thresholds.items())
    return ok, {k: round(v, 4) for k, v in got.items()}


def standardised(rows):
    """The rows with the model's inputs (each signal standardised, and the products of every
    pair: ``faqbot.decline.expand``) in place of their signals, and the centre and scale used.
    Centre and scale come from all rows: a mean and a spread, not a fitted weight."""
    import numpy as np

    x = np.asarray([r[0] for r in rows], dtype=float)
    center = [float(v) for v in x.mean(axis=0)]
    scale = [float(v) if v > 1e-9 else 1.0 for v in x.std(axis=0)]
    return [(expand(r[0], center, scale),) + tuple(r[1:]) for r in rows], center, scale


def predict(weights, intercept, x):
    z = intercept + sum(w * v for w, v in zip(weights, x))
    return 1 / (1 + math.exp(-max(-30, min(30, z))))


def set_folds(rows) -> list[list[int]]:
    """One fold per training set: the indexes of its rows."""
    return sets_of([r[5] for r in rows])


def cross_validate(rows, l2: float):
    """Out-of-set probabilities for every row."""
    probs = [0.0] * len(rows)
    for test in set_folds(rows):
        held = set(test)
        train = [r for i, r in enumerate(rows) if i not in held]
        w, b = fit_logistic([r[0] for r in train], [r[1] for r in train], l2=l2)
        for i in test:
            probs[i] = predict(w, b, rows[i][0])
    return probs


def log_loss(rows, probs) -> float:
    eps = 1e-9
    return -sum(math.log(p + eps) if r[1] else math.log(1 - p + eps) for r, p in zip(rows, probs)) / len(rows)


def figures(rows, probs, threshold: float) -> dict:
    """Shares over all questions of the training sets, those declined by a rule included."""
    inside = [(r, p) for r, p in zip(rows, probs) if r[1]]
    outside = [(r, p) for r, p in zip(rows, probs) if not r[1]]
    n_in, n_out = len(inside) + RULED["in"], len(outside) + RULED["out"]
    return {
        "in_scope_declined": round((sum(p < threshold for _, p in inside) + RULED["in"]) / n_in, 4),
        "out_of_scope_declined": round((sum(p < threshold for _, p in outside) + RULED["out"]) / n_out, 4),
        "hit_at_1_answered": round(sum(p >= threshold and r[2] for r, p in inside) / n_in, 4),
    }


def choose_threshold(rows, probs, target: float) -> float:
    """The lowest threshold at which the out-of-scope questions declined (by a rule or the
    model) reach ``target``."""
    outside = sorted(p for r, p in zip(rows, probs) if not r[1])
    total = len(outside) + RULED["out"]
    for t in sorted(set(round(p + 1e-6, 6) for p in outside)):
        if (sum(p < t for p in outside) + RULED["out"]) / total >= target:
            return t
    return 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write src/faqbot/decline_model.json")
    parser.add_argument("--target", type=float, default=0.94,
                        help="share of out-of-scope questions to decline (cross-validated)")
    parser.add_argument("--date", default="2026-12-01", help="the day questions are asked on")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.date)
    with tempfile.TemporaryDirectory() as tmp:
        build_index(ROOT / "content", Path(tmp) / "index")
        engine = SearchEngine(Path(tmp) / "index")
        rows = rows_of(engine, today)
        content = stems_of(engine, content_texts(engine))
        rows = [r[:3] + (stems,) + r[4:] for r, stems in zip(rows, stems_of(engine, [r[3] for r in rows]))]
    # The scope model: fitted on all questions and the content for answering; by set (each
    # set's rows scored by a model fitted without it) for the rows the decline model learns from.
    scope = ScopeModel(weights=fit_naive_bayes(content + [r[3] for r in rows],
                                               [1] * len(content) + [r[1] for r in rows]),
                       provenance={"fitted": dt.date.today().isoformat(),
                                   "script": "bench/fit_decline.py",
                                   "training": [str(p.relative_to(ROOT)) for p in training_paths()]
                                   + ["content: titles and alternate questions"]})
    rows = with_scope(rows, set_folds(rows), content)
    rows, center, scale = standardised(rows)
    print(f"{len(rows)} rows ({sum(r[1] for r in rows)} in scope, {sum(not r[1] for r in rows)} out of scope); "
          f"declined by a rule before the model: {RULED['in']} in scope, {RULED['out']} out of scope")
    best = None
    for l2 in L2_GRID:
        probs = cross_validate(rows, l2)
        loss = log_loss(rows, probs)
        t = choose_threshold(rows, probs, args.target)
        print(f"l2={l2:<5} log loss {loss:.4f}  threshold {t:.3f}  {figures(rows, probs, t)}")
        if best is None or loss < best[1]:
            best = (l2, loss, probs, t)
    l2, loss, probs, threshold = best
    weights, intercept = fit_logistic([r[0] for r in rows], [r[1] for r in rows], l2=l2)
    # The staff set's own thresholds are the quality gate of every reindex: the threshold may
    # not decline more than the gate allows (judged with the final model, as the gate will).
    fitted = [predict(weights, intercept, r[0]) for r in rows]
    ok, staff = staff_gate(rows, fitted, threshold)
    while not ok and threshold > 0.05:
        threshold = round(threshold - 0.005, 4)
        ok, staff = staff_gate(rows, fitted, threshold)
    print(f"staff set at {threshold:.3f}: {staff} ({'passes' if ok else 'FAILS'} its thresholds)")
    cv = figures(rows, probs, threshold)
    print(f"chosen: l2={l2}, threshold {threshold:.3f}, cross-validated {cv}")
    print("largest weights (on standardised signals):")
    for name, w in sorted(zip(TERMS, weights), key=lambda nw: -abs(nw[1]))[:15]:
        print(f"  {name:<22} {w:+.3f}")
    print(f"  intercept              {intercept:+.3f}")
    print("trade-off (cross-validated): out-of-scope target -> threshold, figures")
    for target in (0.90, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96):
        t = choose_threshold(rows, probs, target)
        print(f"  {target:.2f} -> {t:.3f}  {figures(rows, probs, t)}")
    if args.write:
        save_model(Model(
            weights={n: round(w, 5) for n, w in zip(TERMS, weights)},
            intercept=round(intercept, 5), threshold=round(threshold, 4),
            center={n: round(v, 6) for n, v in zip(FEATURES, center)},
            scale={n: round(v, 6) for n, v in zip(FEATURES, scale)},
            provenance={"fitted": dt.date.today().isoformat(), "script": "bench/fit_decline.py",
                        "training": [str(p.relative_to(ROOT)) for p in training_paths()],
                        "rows": len(rows), "in_scope": sum(r[1] for r in rows),
                        "declined_by_rules": dict(RULED),
                        "l2": l2, "cv": "by training set", "cv_log_loss": round(loss, 4),
                        "target": args.target,
                        "cross_validated": cv, "staff_set": staff}))
        save_scope(scope)
        print("written: src/faqbot/decline_model.json, src/faqbot/scope_model.json "
              f"({len(scope.weights)} stems)")


if __name__ == "__main__":
    main()
