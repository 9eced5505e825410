#!/usr/bin/env python3
"""Make a synthetic content folder of N passages from the shipped content/.

The shipped items (FAQ, glossary, interviews) are all kept as they are; the rest of the N
passages are copies of FAQ and glossary items with new ids and mildly varied text: about a
third of each copy's sentences are swapped for sentences of other items of the same kind, and
a number is appended to the title, the alternate questions and the body. synonyms.yaml and
referrals.yaml are copied unchanged (questions.yaml is not: the synthetic corpus has no
quality gate). Deterministic for a given --seed.

    .venv/bin/python bench/synthetic.py --out build/bench/synthetic-20k --passages 20000
"""
from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchlib import DEFAULT_SYNTHETIC, ROOT  # noqa: E402

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"0-9])")


def read_item(path: Path) -> tuple[dict, str]:
    """Front matter (as a dict) and body of one content file."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    assert lines[0].strip() == "---", f"{path}: no front matter"
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    front = yaml.safe_load("\n".join(lines[1:end])) or {}
    return front, "\n".join(lines[end + 1:]).strip()


def write_item(path: Path, front: dict, body: str) -> None:
    data = dict(front)
    if "stand" in data:
        data["stand"] = str(data["stand"])
    text = "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000) \
        + "---\n" + body.strip() + "\n"
    path.write_text(text, encoding="utf-8")


def paragraphs(body: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", body) if p.strip()]


def is_prose(paragraph: str) -> bool:
    """A paragraph of sentences (not a list, table or heading), whose sentences may be swapped."""
    return not any(line.lstrip().startswith(("-", "*", "|", "#", "1.", "2."))
                   for line in paragraph.split("\n"))


def sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(" ".join(paragraph.split())) if s.strip()]


def vary_body(body: str, pool: list[str], rng: random.Random, number: int,
              swap_share: float) -> str:
    """The body with about ``swap_share`` of its prose sentences replaced from ``pool``."""
    out = []
    for para in paragraphs(body):
        if not is_prose(para):
            out.append(para)
            continue
        sents = sentences(para)
        for i in range(len(sents)):
            if pool and rng.random() < swap_share:
                sents[i] = rng.choice(pool)
        out.append(" ".join(sents))
    out.append(f"Beispielnummer {number}.")
    return "\n\n".join(out)


def make(src: Path, out: Path, passages: int, seed: int, swap_share: float) -> dict:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in ("synonyms.yaml", "referrals.yaml"):
        if (src / name).exists():
            shutil.copy2(src / name, out / name)

    # The shipped items are all kept (the staff question set's ids stay answerable).
    shipped_passages = 0
    items: dict[str, list[tuple[str, dict, str]]] = {"faq": [], "glossary": []}
    for folder in ("faq", "glossary", "interviews"):
        (out / folder).mkdir()
        for path in sorted((src / folder).glob("*.md")):
            shutil.copy2(path, out / folder / path.name)
            front, body = read_item(path)
            if folder == "interviews":
                shipped_passages += sum(1 for line in body.split("\n") if line.startswith("## "))
            else:
                shipped_passages += 1
                items[folder].append((path.stem, front, body))

    # Sentence pools per kind, for the swaps.
    pools = {kind: [s for _, _, body in entries for p in paragraphs(body) if is_prose(p)
                    for s in sentences(p)] for kind, entries in items.items()}
    templates = [(kind, entry) for kind in ("faq", "glossary") for entry in items[kind]]
    copies = max(0, passages - shipped_passages)
    for n in range(copies):
        kind, (stem, front, body) = templates[n % len(templates)]
        number = n + 1
        new = dict(front)
        new["title"] = f"{front['title']} ({number})"
        if kind == "faq" and front.get("questions"):
            new["questions"] = [f"{q} {number}" for q in front["questions"]]
        new_body = vary_body(body, pools[kind], rng, number, swap_share)
        write_item(out / kind / f"syn{number:05d}-{stem}.md", new, new_body)
    return {"shipped_passages": shipped_passages, "copies": copies,
            "passages": shipped_passages + copies}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_SYNTHETIC,
                    help=f"folder to (re)create (default {DEFAULT_SYNTHETIC}); it is deleted first")
    ap.add_argument("--source", type=Path, default=ROOT / "content",
                    help="the shipped content folder (default ./content)")
    ap.add_argument("--passages", type=int, default=20_000, help="passages in all (default 20000)")
    ap.add_argument("--seed", type=int, default=6, help="random seed (default 6)")
    ap.add_argument("--swap-share", type=float, default=0.33,
                    help="share of prose sentences swapped per copy (default 0.33)")
    ap.add_argument("--check", action="store_true",
                    help="afterwards, validate the folder with faqbot's content loader")
    args = ap.parse_args(argv)
    if args.out.resolve() == args.source.resolve() or args.out.resolve() == ROOT:
        ap.error("--out must not be the shipped content or the project folder")
    started = time.perf_counter()
    stats = make(args.source, args.out, args.passages, args.seed, args.swap_share)
    seconds = time.perf_counter() - started
    print(f"synthetic corpus: {args.out}")
    print(f"  passages: {stats['passages']} ({stats['shipped_passages']} shipped + "
          f"{stats['copies']} varied copies), written in {seconds:.1f} s")
    if args.check:
        from faqbot.content import load_content

        started = time.perf_counter()
        items = load_content(args.out)
        total = sum(len(i.passages) for i in items)
        print(f"  check: faqbot.content.load_content reads {len(items)} items, {total} passages "
              f"in {time.perf_counter() - started:.1f} s")
        if total != stats["passages"]:
            print("  check FAILED: passage count differs", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
