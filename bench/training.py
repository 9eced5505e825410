"""The training questions of the fitted models, and asking them out of set.

``fit_ranking.py`` and ``fit_decline.py`` learn from the same question sets. The passage
classifier (``faqbot.classifier``) learns the wording of their in-scope questions; a model
fitted on top of it must see, for each question, what the classifier says of a question it
has not learned, or it would trust the classifier far more than it deserves. So the
questions are asked set by set, each set with a classifier learned from the other sets.

The holdouts that report quality (bench/holdout-2026-12w.yaml and holdout-2026-12x.yaml) are
never read here. The older holdouts reported earlier rounds of issue 11 and are training data
since: holdout-2026 after the second round, the December, December b and December c holdouts
after the third, the December d holdout after the fourth, the December e and f holdouts after
the fifth, the December g and h holdouts after the sixth, the December i and j holdouts after the
seventh round's first change, the December k and l holdouts after the seventh round, the
December m, n, o and p holdouts after the eighth, the December q, r, s and t holdouts after the
ninth, the December u and v holdouts after the tenth.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from faqbot.analysis import analyse  # noqa: E402
from faqbot.ask import ranked_candidates  # noqa: E402
from faqbot.classifier import counts_of  # noqa: E402
from faqbot.evaluation import TestQuestion, answers, load_question_set  # noqa: E402
from faqbot.scope import scope_stems  # noqa: E402
from faqbot.search import SearchEngine  # noqa: E402
from faqbot.wording import Reading, Vocabulary, WordingModel, features, plain_words  # noqa: E402

STAFF = ROOT / "content" / "questions.yaml"
TRAINING = (STAFF, ROOT / "bench" / "holdout-questions.yaml", ROOT / "bench" / "decline-training.yaml",
            ROOT / "bench" / "dev-2026.yaml", ROOT / "bench" / "dev-2026b.yaml",
            ROOT / "bench" / "dev-2026c.yaml", ROOT / "bench" / "dev-2026d.yaml",
            ROOT / "bench" / "holdout-2026.yaml", ROOT / "bench" / "holdout-2026-12.yaml",
            ROOT / "bench" / "holdout-2026-12b.yaml", ROOT / "bench" / "holdout-2026-12c.yaml",
            ROOT / "bench" / "holdout-2026-12d.yaml", ROOT / "bench" / "holdout-2026-12e.yaml",
            ROOT / "bench" / "holdout-2026-12f.yaml",
            ROOT / "bench" / "holdout-2026-12g.yaml", ROOT / "bench" / "holdout-2026-12h.yaml",
            ROOT / "bench" / "holdout-2026-12i.yaml", ROOT / "bench" / "holdout-2026-12j.yaml",
            ROOT / "bench" / "holdout-2026-12k.yaml", ROOT / "bench" / "holdout-2026-12l.yaml",
            ROOT / "bench" / "holdout-2026-12m.yaml", ROOT / "bench" / "holdout-2026-12n.yaml",
            ROOT / "bench" / "holdout-2026-12o.yaml", ROOT / "bench" / "holdout-2026-12p.yaml",
            ROOT / "bench" / "holdout-2026-12q.yaml", ROOT / "bench" / "holdout-2026-12r.yaml",
            ROOT / "bench" / "holdout-2026-12s.yaml", ROOT / "bench" / "holdout-2026-12t.yaml",
            ROOT / "bench" / "holdout-2026-12u.yaml", ROOT / "bench" / "holdout-2026-12v.yaml")
FOLDS = 5
# The wording model's regularisation (scikit-learn's C) and the share of its weights kept:
# compared by the classifier's own Hit@1, each training set asked with a model fitted on the
# others (docs/quality.md, eighth round: C 0.2 and 0.5 alike; keeping 10 % of the weights
# costs 0.001, 3 % 0.009, 1 % 0.027).
WORDING_C = 0.5
WORDING_KEEP = 0.1


@dataclass(frozen=True)
class Labelled:
    path: Path
    question: TestQuestion
    words: tuple            # the question's words as the classifier reads them
    labels: tuple[str, ...]  # the passage ids that answer it; () when out of scope
    reading: Reading | None = None  # what the wording model reads of it (faqbot.wording)


def training_paths() -> list[Path]:
    return [p for p in TRAINING if p.exists()]


def labelled_questions(engine: SearchEngine, today: dt.date, paths=None) -> list[Labelled]:
    """Every question of the training sets with its words and the passage ids it expects."""
    snapshot = engine.snapshot()
    ids = {rec["id"]: rec["item_id"] for rec in snapshot.records.values()}
    out = []
    for path in paths or training_paths():
        for q in load_question_set(path).questions:
            answer, _ = ranked_candidates(engine, q.question, tuple(q.history), q.date or today)
            labels = tuple(sorted(pid for pid, item in ids.items() if answers(pid, item, q.expect)))
            out.append(Labelled(path=path, question=q, words=scope_stems(answer.terms), labels=labels,
                                reading=answer.reading))
    return out


def learned_counts(questions: list[Labelled]) -> dict[str, dict[str, float]]:
    """What the classifier learns from these questions: the wording of the in-scope ones that
    stand alone. A follow-up ("und im ersten Jahr?") is about its passage only together with
    the earlier question; its own words would teach the classifier to answer it alone."""
    return counts_of((q.words, q.labels) for q in questions if q.labels and not q.question.history)


def folds_of(n: int, seed: int = 20261201) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[k::FOLDS] for k in range(FOLDS)]


def sets_of(paths: list[Path]) -> list[list[int]]:
    """The indices of ``paths`` (each question's set), one group per question set."""
    groups: dict[Path, list[int]] = {}
    for i, path in enumerate(paths):
        groups.setdefault(path, []).append(i)
    return list(groups.values())


def wording_documents(engine: SearchEngine, questions: list[Labelled]) -> list[tuple[Reading, tuple[str, ...]]]:
    """What the wording model (``faqbot.wording``) learns from: each in-scope question read as
    it is read at answer time (``Labelled.reading``: no numbers, no personal data, a follow-up
    with the earlier question of its chat at the weight the answer gives it), with its
    passages, and every passage's title and alternate questions (of all its versions)."""
    snapshot = engine.snapshot()
    unread = [q.question.question for q in questions if q.labels and q.reading is None]
    if unread:
        # (Only small talk has no reading: an in-scope question answered as small talk.)
        raise ValueError(f"in-scope training questions the answer does not read: {unread[:5]}")
    docs = [(q.reading, q.labels) for q in questions if q.labels]
    for rec in snapshot.records.values():
        for text in (rec["title"], *rec["questions"]):
            words = scope_stems(analyse(text, snapshot.lexicon, mode="query"))
            docs.append((Reading(words=tuple(plain_words(text)), stems=words), (rec["id"],)))
    return docs


def design_matrix(docs: list[tuple[Reading, tuple[str, ...]]], vocabulary: Vocabulary):
    """The fit's rows: each document read as an answer reads it (``Vocabulary.read``: its own
    features, and a follow-up's earlier question's at its weight, a feature of both summed),
    once per right passage, with an equal share of the document's weight each. Returns the
    sparse matrix, the passage of each row and each row's weight."""
    from scipy.sparse import csr_matrix

    data, indices, indptr, labels, weights = [], [], [0], [], []
    for reading, passages in docs:
        idx, values = vocabulary.read(reading)
        for pid in passages:
            data.extend(values.tolist())
            indices.extend(idx.tolist())
            indptr.append(len(indices))
            labels.append(pid)
            weights.append(1 / len(passages))
    x = csr_matrix((data, indices, indptr), shape=(len(labels), len(vocabulary.idf)))
    x.sum_duplicates()
    return x, labels, np.asarray(weights)


def fit_wording(docs: list[tuple[Reading, tuple[str, ...]]], keep: float = WORDING_KEEP) -> WordingModel:
    """A linear support vector machine (scikit-learn's, one passage against the rest) over
    the documents' tf-idf features (``design_matrix``). Only the largest ``keep`` share of the
    weights is kept."""
    from sklearn.svm import LinearSVC

    vocabulary = Vocabulary.of(features(r.words, r.stems) + features(r.earlier_words, r.earlier_stems)
                               for r, _ in docs)
    x, labels, weights = design_matrix(docs, vocabulary)
    svm = LinearSVC(C=WORDING_C, random_state=0).fit(x, labels, sample_weight=weights)
    return WordingModel.of(svm.classes_.tolist(), vocabulary, svm.coef_, svm.intercept_, keep=keep)


def out_of_set(engine: SearchEngine, questions: list[Labelled], ask: Callable[[Labelled], object]) -> list:
    """``ask(question)`` for every question, with a classifier and a wording model that have
    not learned its set; the engine answers with those learned from all of them afterwards.

    Out of set, not out of random folds: each set was written in one sitting, and its
    questions share a writer's wording. A classifier that learned the rest of a question's
    set knows that wording; a citizen's question it has never seen is worded by someone
    else. Asked out of set, the training questions show the fitted models what the
    classifier is worth on a new writer's questions."""
    results: list = [None] * len(questions)
    snapshot = engine.snapshot()
    try:
        for test in sets_of([q.path for q in questions]):
            held = set(test)
            others = [q for i, q in enumerate(questions) if i not in held]
            snapshot.use_classifier(learned_counts(others))
            snapshot.use_wording(fit_wording(wording_documents(engine, others)))
            for i in test:
                results[i] = ask(questions[i])
    finally:
        snapshot.use_classifier(learned_counts(questions))
        snapshot.use_wording(fit_wording(wording_documents(engine, questions)))
    return results
