"""Fit the ranking model (``faqbot.ranking``) on question sets with known answers.

Each in-scope question is asked with the current engine; every candidate ranked for it
becomes a vector of ranking features. The model is pairwise: each right candidate should
score above each wrong one (every question weighs the same). The L2 strength is chosen by
5-fold cross-validation over questions (out-of-fold Hit@1 of the ranking alone, before any
decline); the figures printed are out-of-fold, per training set.

Training sets: those of ``bench/training.py`` (the staff set, the old holdouts, the
decline-training situations and the development sets). The passage classifier learns their
in-scope questions' wording, and so does the wording model (``faqbot.wording``); the ranking
model is fitted on features computed out of set (each question ranked with a classifier and a
wording model that have not learned its set), and the learned counts and the wording model
fitted on all the sets are written with the model (``classifier_model.json``,
``wording_model.npz``).

    .venv/bin/python bench/fit_ranking.py [--write]
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from faqbot.ask import ranked_candidates  # noqa: E402
from faqbot.classifier import save_learned  # noqa: E402
from faqbot.evaluation import answers  # noqa: E402
from faqbot.index import build_index  # noqa: E402
from faqbot.ranking import RANKING_FEATURES, Ranker, fit_pairwise, save_ranker  # noqa: E402
from faqbot.search import SearchEngine  # noqa: E402
from faqbot.wording import save_model as save_wording  # noqa: E402
from training import (WORDING_C, WORDING_KEEP, folds_of, labelled_questions, learned_counts,  # noqa: E402
                      out_of_set, training_paths)

L2_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


def groups_of(engine: SearchEngine, questions, today: dt.date):
    """Per in-scope question, ranked with a classifier that has not learned its set: (set name,
    right vectors, wrong vectors, question). Questions whose right passage is not among the
    candidates are counted, not fitted."""
    inside = [q for q in questions if q.labels]

    def ask(item):
        q = item.question
        _, ranked = ranked_candidates(engine, q.question, tuple(q.history), q.date or today)
        return ([h.features for h in ranked if answers(h.id, h.item_id, q.expect)],
                [h.features for h in ranked if not answers(h.id, h.item_id, q.expect)])

    groups, missing = [], {}
    for item, (good, bad) in zip(inside, out_of_set(engine, inside, ask)):
        name = str(item.path.relative_to(ROOT))
        if not good:
            missing[name] = missing.get(name, 0) + 1
            continue
        groups.append((name, good, bad, item.question.question))
    return groups, missing


def score(weights, vector) -> float:
    return sum(w * v for w, v in zip(weights, vector))


def hit1(weights, group) -> bool:
    _, good, bad, _ = group
    best_good = max(score(weights, v) for v in good)
    return all(score(weights, v) < best_good for v in bad)


def cross_validate(groups, l2: float) -> list[bool]:
    """Out-of-fold Hit@1 of every question."""
    hits = [False] * len(groups)
    for test in folds_of(len(groups)):
        held = set(test)
        w = fit_pairwise([(g[1], g[2]) for i, g in enumerate(groups) if i not in held and g[2]], l2=l2)
        for i in test:
            hits[i] = hit1(w, groups[i])
    return hits


def cutoff_table(groups, weights) -> str:
    """For each cut-off of further passages (``tuning.RELATIVE_CUTOFF``: a passage after the
    first is shown when its score reaches this share of the first one's): Hit@3 of the
    ranking alone, passages shown per answer, and how often a passage in the band just above
    the cut-off is one of the question's right answers."""
    bands = (0.8, 0.6, 0.5, 0.4, 0.3)
    ranked = [sorted([(score(weights, v), True) for v in good] + [(score(weights, v), False) for v in bad],
                     key=lambda p: -p[0]) for _, good, bad, _ in groups]
    lines = []
    for low, high in zip(bands, (float("inf"),) + bands[:-1]):
        hit3 = shown = right = seen = 0
        for scored in ranked:
            best = scored[0][0]
            visible = [ok for i, (value, ok) in enumerate(scored) if i == 0 or value >= low * best][:5]
            hit3 += any(visible[:3])
            shown += len(visible)
            for value, ok in scored[1:5]:
                if best > 0 and low <= value / best < high:
                    seen += 1
                    right += ok
        lines.append(f"  cut-off {low}: Hit@3 {hit3 / len(groups):.3f}, {shown / len(groups):.2f} passages shown, "
                     f"right in the band {low}-{high}: {right}/{seen}")
    return "\n".join(lines)


def per_set(groups, hits, missing) -> str:
    names = sorted({g[0] for g in groups} | set(missing))
    parts = []
    for name in names:
        got = [h for g, h in zip(groups, hits) if g[0] == name]
        total = len(got) + missing.get(name, 0)
        parts.append(f"{Path(name).name} {sum(got) / total:.3f} (n={total})")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write the ranking, classifier and wording models")
    parser.add_argument("--date", default="2026-12-01", help="the day questions are asked on")
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.date)
    with tempfile.TemporaryDirectory() as tmp:
        build_index(args.content, Path(tmp) / "index")
        engine = SearchEngine(Path(tmp) / "index")
        questions = labelled_questions(engine, today)
        groups, missing = groups_of(engine, questions, today)
        # Fitted on all the sets (out_of_set leaves it in place), written with the model.
        wording = engine.snapshot().wording()
    print(f"{len(groups)} questions with the right passage among the candidates; "
          f"not among them: {missing}")
    from faqbot.ranking import load_ranker
    current = load_ranker()
    now = [hit1([current.weights.get(n, 0.0) for n in RANKING_FEATURES], g) for g in groups]
    print(f"current model, Hit@1 of the ranking (classifier out of set): {per_set(groups, now, missing)}")
    best = None
    for l2 in L2_GRID:
        hits = cross_validate(groups, l2)
        print(f"l2={l2:<6} out-of-fold Hit@1: {per_set(groups, hits, missing)}  all {sum(hits) / len(hits):.3f}")
        if best is None or sum(hits) > best[1]:
            best = (l2, sum(hits), hits)
    l2, _, hits = best
    weights = fit_pairwise([(g[1], g[2]) for g in groups if g[2]], l2=l2)
    # Scores are the linear score over that of a typical right answer (its median), so that
    # they lie about 0..1 like the blend they replace.
    tops = sorted(max(score(weights, v) for v in g[1]) for g in groups)
    scale = tops[len(tops) // 2]
    print(f"chosen l2={l2}, scale {scale:.3f}")
    print("further passages shown (the model's own training questions, classifier out of set):")
    print(cutoff_table(groups, weights))
    for name, w in zip(RANKING_FEATURES, weights):
        print(f"  {name:<16} {w:+.3f}")
    if args.write:
        training = [str(p.relative_to(ROOT)) for p in training_paths()]
        save_learned(learned_counts(questions), provenance={
            "fitted": dt.date.today().isoformat(), "script": "bench/fit_ranking.py",
            "training": training, "questions": sum(1 for q in questions if q.labels)})
        save_ranker(Ranker(
            weights={n: round(w, 4) for n, w in zip(RANKING_FEATURES, weights)}, scale=round(scale, 4),
            provenance={"fitted": dt.date.today().isoformat(), "script": "bench/fit_ranking.py",
                        "training": training,
                        "questions": len(groups), "not_among_candidates": missing, "l2": l2,
                        "out_of_set_hit_at_1": per_set(groups, hits, missing)}))
        save_wording(replace(wording, provenance={
            "fitted": dt.date.today().isoformat(), "script": "bench/fit_ranking.py", "training": training,
            "questions": sum(1 for q in questions if q.labels),
            "C": WORDING_C, "kept": WORDING_KEEP}))
        print("written: src/faqbot/ranking_model.json, src/faqbot/classifier_model.json, "
              "src/faqbot/wording_model.npz")


if __name__ == "__main__":
    main()
