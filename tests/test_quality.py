"""The CI gate for answer quality: the shipped content must answer the staff question set.

Runs what `faqbot eval` runs, on the shipped content and the shipped content/questions.yaml,
and fails when any threshold of that file is not reached (the report lists each failure).
"""
from __future__ import annotations

from pathlib import Path

from faqbot.evaluation import format_report, load_question_set, run_eval

SHIPPED_QUESTIONS = Path(__file__).resolve().parents[1] / "content" / "questions.yaml"


def test_shipped_content_reaches_every_threshold_of_the_staff_question_set(shipped_engine):
    qset = load_question_set(SHIPPED_QUESTIONS)
    assert len(qset.questions) >= 300
    assert set(qset.thresholds) >= {"hit_at_1", "hit_at_3", "out_of_scope_declined",
                                    "in_scope_wrongly_declined"}
    report = run_eval(shipped_engine, qset)
    assert report.total.questions > 0
    assert report.passed, "\n" + format_report(report)
