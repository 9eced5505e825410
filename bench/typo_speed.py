"""Typo correction with a large word list: time per unknown word (target <= 1 ms at 150,000).

The lexicon's SymSpell index (faqbot.analysis.Lexicon.speller) is filled with N words of the
German word list (Debian wngerman) and asked to correct words with one or two typos, each a
new word (no cache). Prints one Markdown row per size.

    .venv/bin/python bench/typo_speed.py [--sizes 20000 150000] [--queries 2000]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from faqbot.analysis import Lexicon, fold  # noqa: E402
from faqbot.vocabulary import word_list_path  # noqa: E402

from benchlib import percentile  # noqa: E402


def typo(word: str, rng: random.Random) -> str:
    """The word with one or two random edits (drop, swap, replace)."""
    chars = list(word)
    for _ in range(rng.choice((1, 1, 2)) if len(word) > 7 else 1):
        i = rng.randrange(len(chars))
        edit = rng.choice(("drop", "swap", "replace"))
        if edit == "drop" and len(chars) > 4:
            del chars[i]
        elif edit == "swap" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return "".join(chars)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 150_000])
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    path = word_list_path()
    if path is None:
        sys.exit("the German word list is not installed (Debian: wngerman)")
    words = sorted({fold(w.strip()) for w in path.read_text(encoding="utf-8").split("\n")
                    if w.strip().isalpha() and len(w.strip()) >= 4})
    rng = random.Random(20261201)
    print("| words in the index | build | per unknown word p50 | p99 | mean | corrected to the intended word |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        chosen = rng.sample(words, min(size, len(words)))
        lexicon = Lexicon(words=set(chosen))
        started = time.perf_counter()
        lexicon.speller                                     # builds the SymSpell index
        build = time.perf_counter() - started
        targets = rng.sample(chosen, args.queries)
        asked = [(typo(w, rng), w) for w in targets]
        times, right = [], 0
        for wrong, meant in asked:
            t0 = time.perf_counter()
            got = lexicon.correct(wrong)
            times.append((time.perf_counter() - t0) * 1000)
            right += got == meant
        times.sort()
        print(f"| {len(chosen):,} | {build:.1f} s | {percentile(times, 50):.3f} ms | "
              f"{percentile(times, 99):.3f} ms | {sum(times) / len(times):.3f} ms | "
              f"{right / len(asked):.0%} |")


if __name__ == "__main__":
    main()
