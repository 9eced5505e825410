"""What requests see while the live index switches to a new generation, in process.

Client threads ask questions without pause against a ``SearchEngine``; the script points the
index's ``current`` link at another finished build and measures how long the engine takes to
answer from the new one and the slowest request meanwhile, once with the engine opening the
new generation in the request (the CLI's engine) and once in the background (the web server's,
``switch_in_background=True``).

The index folder needs two finished builds under ``builds/`` (build it twice, e.g. with
``bench/latency.py``, whose full and one-file-change builds leave two). The link is left
pointing at the newest build.

    .venv/bin/python bench/switch.py --index build/bench/index-synthetic
"""
from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from benchlib import DEFAULT_WORK

from faqbot.ask import answer_question
from faqbot.index import switch_to
from faqbot.search import SearchEngine

QUESTIONS = ("wie hoch ist der regelsatz", "zahlt das jobcenter meine miete",
             "wie viel darf ich beim minijob dazuverdienen", "muss ich einen umzug melden")


def measure(index: Path, old: Path, new: Path, background: bool, threads: int) -> dict:
    switch_to(index, old)
    engine = SearchEngine(index, switch_in_background=background)
    answer_question(engine, QUESTIONS[0])
    latencies: list[float] = []
    stop = threading.Event()

    def client(number: int) -> None:
        n = 0
        while not stop.is_set():
            started = time.perf_counter()
            answer_question(engine, f"{QUESTIONS[n % len(QUESTIONS)]} {number}")
            latencies.append(time.perf_counter() - started)
            n += 1

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    time.sleep(1)
    switch_to(index, new)
    switched = time.perf_counter()
    while engine.snapshot().build.resolve() != new.resolve() and time.perf_counter() - switched < 120:
        time.sleep(0.02)
    took = time.perf_counter() - switched
    time.sleep(1)
    stop.set()
    for w in workers:
        w.join()
    latencies.sort()
    return {"background": background, "requests": len(latencies), "switch_s": took,
            "max_ms": latencies[-1] * 1000, "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=DEFAULT_WORK / "index-synthetic")
    ap.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    args = ap.parse_args(argv)
    builds = sorted(p for p in (args.index / "builds").iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(builds) < 2:
        ap.error(f"{args.index} needs two finished builds")
    old, new = builds[-2], builds[-1]
    print(f"index {args.index}: {old.name} -> {new.name}, {args.threads} client threads "
          "(questions repeat: most answers are cache hits; the switch is what is measured)")
    for background in (False, True):
        r = measure(args.index, old, new, background, args.threads)
        how = "in the background (web server)" if background else "in the request (CLI)"
        print(f"new index opened {how}: answering from it after {r['switch_s']:.1f} s; slowest "
              f"request {r['max_ms']:.0f} ms, p99 {r['p99_ms']:.1f} ms, {r['requests']} requests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
