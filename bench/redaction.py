"""How much personal data redaction removes, and how many words of ordinary questions it loses.

Runs ``faqbot.redact`` over the question sets in tests/data (with invented personal data, and
ordinary questions without any) and prints a Markdown table for docs/privacy.md: per kind of
identifier the share removed, then the overall share and the share of ordinary words lost,
for three uses:

- searched: ``redact(text)``, what the search sees (no vocabulary filter);
- stored: ``redact(text, lexicon)``, what the question log stores, with the shipped content's
  index lexicon as vocabulary;
- stored, no index: ``redact(text, frozenset())``, what is stored while no index is available.

    .venv/bin/python bench/redaction.py             # the table
    .venv/bin/python bench/redaction.py --misses    # also every identifier left and word lost
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchlib import DEFAULT_WORK, ROOT  # noqa: E402

from faqbot.index import build_index, index_exists  # noqa: E402
from faqbot.redact import redact  # noqa: E402
from faqbot.redaction_eval import KINDS, Report, load, measure  # noqa: E402
from faqbot.search import SearchEngine  # noqa: E402

SETS = (("tuned on", ROOT / "tests" / "data" / "personal-data.yaml"),
        ("unseen", ROOT / "tests" / "data" / "personal-data-unseen.yaml"))


def percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def table(reports: dict[str, Report]) -> str:
    columns = list(reports)
    first = next(iter(reports.values()))
    lines = ["| kind | identifiers | " + " | ".join(columns) + " |",
             "|---|---:|" + "---:|" * len(columns)]
    for kind in KINDS:
        total = first.kinds[kind].total
        if total:
            lines.append(f"| {kind} | {total} | "
                         + " | ".join(percent(r.kinds[kind].recall) for r in reports.values()) + " |")
    lines.append(f"| **all identifiers removed** | {first.identifiers} | "
                 + " | ".join(f"**{percent(r.recall)}**" for r in reports.values()) + " |")
    lines.append(f"| **words of ordinary questions lost** | {first.words} words | "
                 + " | ".join(f"**{percent(r.word_loss)}** ({r.words_lost})" for r in reports.values()) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=DEFAULT_WORK / "index-shipped",
                    help="index of the shipped content (built there if missing)")
    ap.add_argument("--misses", action="store_true", help="list every identifier left and every word lost")
    args = ap.parse_args(argv)
    if not index_exists(args.index):
        build_index(ROOT / "content", args.index)
    vocabulary = SearchEngine(args.index).snapshot().lexicon.words
    uses = {"searched": redact,
            "stored": lambda q: redact(q, vocabulary),
            "stored, no index": lambda q: redact(q, frozenset())}
    for label, path in SETS:
        questions = load(path)
        reports = {use: measure(questions, redactor) for use, redactor in uses.items()}
        print(f"### {path.name} ({label}): {len(questions.personal)} questions with personal data, "
              f"{len(questions.ordinary)} without\n")
        print(table(reports) + "\n")
        if args.misses:
            for use, report in reports.items():
                for kind, identifier, _, redacted in report.misses:
                    print(f"- {use}: {kind} {identifier!r} left in {redacted!r}")
                for question, redacted in report.losses:
                    print(f"- {use}: {question!r} -> {redacted!r}")
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
