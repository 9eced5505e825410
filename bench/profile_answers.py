#!/usr/bin/env python3
"""Where answer_question spends its time: pyinstrument over the staff question set.

Opens an index, answers every staff question once (warm-up, not profiled: the per-snapshot
caches of typo corrections and compound splits fill up), then profiles --passes more passes
(the answer cache emptied before every question unless --cached) and prints the functions with the most self time and with the most
inclusive time (recursion counted once), plus the share of each pipeline step of ask.py.
With --http the profiled call is a whole GET /api/ask through Flask's test client (JSON,
question log, security headers included) instead of answer_question alone.

Needs pyinstrument in the venv (not a project dependency):
    .venv/bin/pip install pyinstrument

    .venv/bin/python bench/profile_answers.py                                   # shipped corpus
    .venv/bin/python bench/profile_answers.py --index build/bench/index-synthetic --passes 1
    .venv/bin/python bench/profile_answers.py --http
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchlib import DEFAULT_WORK, ROOT, load_questions  # noqa: E402

# The pipeline steps of faqbot/ask.py (and what they call), for the per-step summary.
STEPS = ("normalise", "redact", "query_terms", "rank", "fuzzy_scores", "search", "coverage",
         "suggestions_for", "outside_topic", "signals_of", "domain_share",
         "record", "jsonify")


def walk(frame, stack_keys: tuple, self_times: dict, incl_times: dict, calls: dict) -> None:
    key = (frame.function, frame.file_path_short or "", frame.line_no or 0)
    children = list(frame.children)
    own = frame.time - sum(c.time for c in children)
    if not frame.is_synthetic:
        self_times[key] += max(0.0, own)
        if key not in stack_keys:
            incl_times[key] += frame.time
            calls[key] += 1
        stack_keys = stack_keys + (key,)
    else:
        # "[self]" / "[await]" leaves: their time belongs to the parent's self time.
        if stack_keys:
            self_times[stack_keys[-1]] += frame.time
    for child in children:
        walk(child, stack_keys, self_times, incl_times, calls)


def label(key: tuple) -> str:
    function, path, line = key
    path = path.replace(str(ROOT) + "/", "")
    for marker in ("site-packages/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{function}  ({path}:{line})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=DEFAULT_WORK / "index-shipped",
                    help=f"index folder (default {DEFAULT_WORK / 'index-shipped'}; built from "
                         "--content when missing)")
    ap.add_argument("--content", type=Path, default=ROOT / "content")
    ap.add_argument("--questions", type=Path, default=ROOT / "content" / "questions.yaml")
    ap.add_argument("--passes", type=int, default=3, help="profiled passes over the set (default 3)")
    ap.add_argument("--interval", type=float, default=0.0005, help="sampling interval in s (default 0.0005)")
    ap.add_argument("--limit", type=int, default=0,
                    help="use only the first N questions of the set (default all; for big corpora)")
    ap.add_argument("--top", type=int, default=20, help="rows per table (default 20)")
    ap.add_argument("--http", action="store_true",
                    help="profile whole GET /api/ask requests through Flask's test client")
    ap.add_argument("--text", type=Path, help="also write pyinstrument's call tree to this file")
    ap.add_argument("--cached", action="store_true",
                    help="keep the answer cache (profiled passes are then cache hits); by default "
                         "it is emptied before every question, so every answer is computed")
    args = ap.parse_args(argv)

    try:
        from pyinstrument import Profiler
    except ImportError:
        ap.error("pyinstrument is missing: .venv/bin/pip install pyinstrument")
    from faqbot.index import build_index, index_exists

    if not index_exists(args.index):
        print(f"building {args.index} from {args.content} ...", flush=True)
        build_index(args.content, args.index)
    qs = load_questions(args.questions)
    if args.limit:
        qs = qs[:args.limit]

    if args.http:
        instance = tempfile.mkdtemp(prefix="faqbot-profile-")
        os.environ.update({"FAQBOT_INSTANCE_PATH": instance, "FAQBOT_RATE_LIMIT": "off",
                           "FAQBOT_INDEX_DIR": str(args.index),
                           "FAQBOT_CONTENT_DIR": str(args.content)})
        from faqbot import create_app, db, settings

        db.upgrade(settings.resolve()["DATABASE_URL"])
        client = create_app().test_client()
        urls = ["/api/ask?q=" + quote(q, safe="") + "".join("&history=" + quote(h, safe="") for h in hist)
                for q, hist in qs]

        engine = client.application.extensions["faqbot"].engine

        def one_pass() -> None:
            for url in urls:
                if not args.cached:
                    engine.snapshot().answers.clear()
                r = client.get(url)
                assert r.status_code == 200, (url, r.status_code)
        what = "GET /api/ask (Flask test client)"
    else:
        from faqbot.ask import answer_question
        from faqbot.search import SearchEngine

        engine = SearchEngine(args.index)

        def one_pass() -> None:
            for q, hist in qs:
                if not args.cached:
                    engine.snapshot().answers.clear()
                answer_question(engine, q, list(hist))
        what = "answer_question"

    started = time.perf_counter()
    one_pass()
    print(f"warm-up: {len(qs)} questions in {time.perf_counter() - started:.2f} s", flush=True)

    profiler = Profiler(interval=args.interval)
    started = time.perf_counter()
    profiler.start()
    for _ in range(args.passes):
        one_pass()
    profiler.stop()
    wall = time.perf_counter() - started
    calls_made = len(qs) * args.passes
    print(f"profiled {what}: {calls_made} calls in {wall:.2f} s "
          f"({wall / calls_made * 1000:.2f} ms per call with the profiler on); index {args.index}")

    session = profiler.last_session
    root = session.root_frame()
    self_times: dict = defaultdict(float)
    incl_times: dict = defaultdict(float)
    calls: dict = defaultdict(int)
    walk(root, (), self_times, incl_times, calls)
    total = root.time or 1.0

    print(f"\ntop {args.top} by self time (share of {total:.2f} s sampled)")
    for key, t in sorted(self_times.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {t / total * 100:5.1f} %  {t / calls_made * 1000:6.2f} ms/call  {label(key)}")
    print(f"\ntop {args.top} by inclusive time")
    for key, t in sorted(incl_times.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {t / total * 100:5.1f} %  {t / calls_made * 1000:6.2f} ms/call  {label(key)}")
    print("\npipeline steps (inclusive; steps nest: rank contains search, fuzzy_scores, coverage)")
    for step in STEPS:
        t = sum(v for k, v in incl_times.items() if k[0] == step and "faqbot" in k[1])
        if step in ("jsonify",):
            t = sum(v for k, v in incl_times.items() if k[0] == step)
        if t:
            print(f"  {t / total * 100:5.1f} %  {t / calls_made * 1000:6.2f} ms/call  {step}")
    if args.text:
        args.text.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
        print(f"\ncall tree written to {args.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
