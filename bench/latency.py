#!/usr/bin/env python3
"""In-process speed of faqbot: answer latency, reindex time and peak memory, per corpus.

For each corpus (the shipped content/ and the synthetic 20,000-passage corpus of
bench/synthetic.py) this script, each step in a fresh subprocess so that memory and caches
do not carry over:

1. full reindex: faqbot.index.build_index into an empty index folder (timed around the call);
2. one-file change: one FAQ file gets a sentence more, build_index again into the same folder
   (faqbot has no incremental indexing: this is a full build as well); the file is restored;
3. for the shipped corpus also the editors' command `faqbot reindex` end to end (interpreter
   start, build, and the quality gate that runs the staff question set before and after);
4. latency: a process opens the index, answers every staff question once (the first pass;
   its peak RSS from /proc/self/status VmHWM is the memory figure), then answers the set
   again and again, timing each answer_question call, until --repeat passes or the time budget.

faqbot caches answers per index generation (``Snapshot.answers``): with the cache on, the
first pass is the real work (every question is new to the cache) and the repeated passes are
cache hits. Both are reported, labelled. With --no-cache the answer cache is emptied before
every call (outside the timed region), so every timed answer is computed; the per-snapshot
caches of the analyser and of document frequencies stay warm, as in a long-running server.

Targets (issue 6): p99 <= 20 ms (shipped), <= 150 ms (20k); full reindex of shipped <= 5 s.
Indexes are built under --work (default build/bench), never in ./index.

    .venv/bin/python bench/latency.py                   # both corpora, all steps
    .venv/bin/python bench/latency.py --corpus shipped  # the shipped corpus only
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchlib import (DEFAULT_SYNTHETIC, DEFAULT_WORK, ROOT, busy_cores, cpu_sample, emit,  # noqa: E402
                      load_questions, machine, mib, parse_emitted, percentile, proc_status,
                      python, wait_quiet)

TARGET_P99_MS = {"shipped": 20.0, "synthetic": 150.0}
TARGET_REINDEX_S = {"shipped": 5.0}
CHANGED_FILE = "faq/antrag-stellen.md"     # exists in both corpora
CHANGE = "\n\nDieser Satz wurde für den Benchmark angefügt.\n"


# --- workers (run in their own process) ------------------------------------------------------

def worker_build(content: Path, index: Path) -> None:
    """Time one build_index call; report seconds, passages and the process's peak RSS."""
    from faqbot.index import build_index

    before = proc_status()
    sample, cpu0 = cpu_sample(), time.process_time()
    started = time.perf_counter()
    result = build_index(content, index)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    others = max(0.0, busy_cores(sample, cpu_sample()) - cpu / seconds)
    emit("BUILD", {"seconds": seconds, "cpu_s": cpu, "passages": result.passages,
                   "items": result.items, "others_cores": others,
                   "rss_before_kib": before.get("VmHWM"), "peak_rss_kib": proc_status().get("VmHWM")})


def worker_latency(index: Path, questions: Path, repeat: int, budget: float,
                   no_cache: bool = False) -> None:
    """Open the index, answer all questions once (first pass), then time repeated passes.
    With ``no_cache`` the answer cache is emptied before every call (not timed)."""
    from faqbot.ask import answer_question
    from faqbot.search import SearchEngine

    qs = load_questions(questions)
    base = proc_status().get("VmHWM")
    engine = SearchEngine(index)
    started = time.perf_counter()
    engine.snapshot()                      # opens the index, reads stored passages
    open_s = time.perf_counter() - started

    def drop_answers() -> None:
        if no_cache:
            snap = engine.snapshot()
            snap.answers = type(snap.answers)()

    cold: list[float] = []
    cold_cpu: list[float] = []
    answered = 0
    for q, history in qs:
        drop_answers()
        c0 = time.thread_time_ns()
        t0 = time.perf_counter_ns()
        a = answer_question(engine, q, list(history))
        cold.append((time.perf_counter_ns() - t0) / 1e6)
        cold_cpu.append((time.thread_time_ns() - c0) / 1e6)
        answered += a.answered
    peak_after_all = proc_status().get("VmHWM")

    times: list[float] = []
    cpu_times: list[float] = []            # CPU time of the answering thread: the work itself
    passes = 0
    deadline = time.perf_counter() + budget
    gc.collect()
    sample, cpu0, wall0 = cpu_sample(), time.process_time(), time.perf_counter()
    while passes < repeat and (passes == 0 or time.perf_counter() < deadline):
        for q, history in qs:
            drop_answers()
            c0 = time.thread_time_ns()
            t0 = time.perf_counter_ns()
            answer_question(engine, q, list(history))
            times.append((time.perf_counter_ns() - t0) / 1e6)
            cpu_times.append((time.thread_time_ns() - c0) / 1e6)
        passes += 1
    wall = time.perf_counter() - wall0
    others = max(0.0, busy_cores(sample, cpu_sample()) - (time.process_time() - cpu0) / wall)
    times.sort()
    cpu_times.sort()
    cold_sorted = sorted(cold)
    cold_cpu.sort()
    emit("LATENCY", {
        "no_cache": no_cache,
        "questions": len(qs), "answered": answered, "passes": passes, "samples": len(times),
        "open_s": open_s, "cold_first_ms": cold[0], "cold_p50_ms": percentile(cold_sorted, 50),
        "cold_p95_ms": percentile(cold_sorted, 95), "cold_p99_ms": percentile(cold_sorted, 99),
        "cold_max_ms": cold_sorted[-1], "cold_total_s": sum(cold) / 1000,
        "cold_mean_ms": sum(cold) / len(cold),
        "cold_cpu_p50_ms": percentile(cold_cpu, 50), "cold_cpu_p95_ms": percentile(cold_cpu, 95),
        "cold_cpu_p99_ms": percentile(cold_cpu, 99), "cold_cpu_max_ms": cold_cpu[-1],
        "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
        "p99_ms": percentile(times, 99), "max_ms": times[-1],
        "mean_ms": sum(times) / len(times),
        "cpu_p50_ms": percentile(cpu_times, 50), "cpu_p95_ms": percentile(cpu_times, 95),
        "cpu_p99_ms": percentile(cpu_times, 99), "cpu_max_ms": cpu_times[-1],
        "others_cores": others,
        "rss_imports_kib": base, "peak_rss_kib": peak_after_all,
        "peak_rss_end_kib": proc_status().get("VmHWM"),
        "rss_anon_end_kib": proc_status().get("RssAnon"), "rss_file_end_kib": proc_status().get("RssFile"),
    })


# --- the parent ------------------------------------------------------------------------------

def run_worker(args: list[str], timeout: float) -> tuple[str, float]:
    started = time.perf_counter()
    proc = subprocess.run([python(), str(Path(__file__).resolve()), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"worker {args[:2]} failed with exit code {proc.returncode}")
    return proc.stdout, wall


QUIET = {"max_wait": 0.0}


def build(content: Path, index: Path, timeout: float) -> dict:
    wait_quiet(QUIET["max_wait"])
    out, wall = run_worker(["--worker", "build", "--content", str(content), "--index", str(index)],
                           timeout)
    data = parse_emitted(out, "BUILD")[0]
    data["wall_s"] = wall
    return data


def cli_reindex(content: Path, index: Path, timeout: float) -> float:
    """Wall time of `faqbot reindex --quiet` (quality gate included)."""
    faqbot = ROOT / ".venv" / "bin" / "faqbot"
    cmd = [str(faqbot)] if faqbot.exists() else [python(), "-m", "faqbot.cli"]
    # A private instance folder: whatever the command records goes there, not to ./instance.
    env = {**os.environ, "FAQBOT_INSTANCE_PATH": str(index.parent / "instance-bench")}
    subprocess.run([*cmd, "db", "upgrade"], cwd=ROOT, capture_output=True, env=env, check=True)
    wait_quiet(QUIET["max_wait"])
    started = time.perf_counter()
    proc = subprocess.run([*cmd, "reindex", "--quiet", "--content", str(content),
                           "--index", str(index)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"faqbot reindex failed with exit code {proc.returncode}")
    return wall


@contextmanager
def one_file_changed(content: Path) -> Iterator[None]:
    """One FAQ file of ``content`` gets a sentence more, and is restored afterwards."""
    changed = content / CHANGED_FILE
    original = changed.read_bytes()
    try:
        changed.write_bytes(original + CHANGE.encode())
        yield
    finally:
        changed.write_bytes(original)


def bench_corpus(name: str, content: Path, args: argparse.Namespace) -> dict:
    work: Path = args.work
    index = work / f"index-{name}"
    result: dict = {"corpus": name, "content": str(content)}
    if not args.skip_reindex:
        if index.exists():
            shutil.rmtree(index)
        full = build(content, index, args.timeout)
        result["reindex_full"] = full
        print(f"[{name}] full reindex (build_index): {full['seconds']:.2f} s "
              f"(CPU {full['cpu_s']:.2f} s) for {full['passages']} passages; process wall "
              f"{full['wall_s']:.2f} s; peak RSS {mib(full['peak_rss_kib'])}; other load "
              f"{full['others_cores']:.2f} cores", flush=True)
        with one_file_changed(content):
            one = build(content, index, args.timeout)
        result["reindex_one_file"] = one
        print(f"[{name}] reindex after a one-file change: {one['seconds']:.2f} s "
              f"(CPU {one['cpu_s']:.2f} s; process wall {one['wall_s']:.2f} s; other load "
              f"{one['others_cores']:.2f} cores)", flush=True)
        if name == "shipped" and not args.skip_cli:
            cli_index = work / "index-shipped-cli"
            if cli_index.exists():
                shutil.rmtree(cli_index)
            first = cli_reindex(content, cli_index, args.timeout)
            with one_file_changed(content):
                second = cli_reindex(content, cli_index, args.timeout)
            result["cli_reindex_empty_s"] = first
            result["cli_reindex_one_file_s"] = second
            print(f"[{name}] `faqbot reindex` wall (gate after only, empty index): {first:.2f} s; "
                  f"after a one-file change (gate before and after): {second:.2f} s", flush=True)
    elif not (index / "current").exists():
        build(content, index, args.timeout)
    if not args.skip_latency:
        repeat = args.repeat if args.repeat else (5 if name == "shipped" else 2)
        wait_quiet(QUIET["max_wait"])
        out, _ = run_worker(["--worker", "latency", "--index", str(index), "--questions",
                             str(args.questions), "--repeat", str(repeat), "--budget",
                             str(args.budget), *(["--no-cache"] if args.no_cache else [])],
                            args.timeout)
        lat = parse_emitted(out, "LATENCY")[0]
        result["latency"] = lat
        target = TARGET_P99_MS[name]
        print(f"[{name}] index open {lat['open_s']:.2f} s; first pass {lat['cold_total_s']:.1f} s "
              f"(first answer {lat['cold_first_ms']:.0f} ms, slowest {lat['cold_max_ms']:.0f} ms)",
              flush=True)
        print(f"[{name}] first pass, {lat['questions']} answers (answer cache cold: every answer "
              f"computed): p50 {lat['cold_p50_ms']:.1f} ms, p95 {lat['cold_p95_ms']:.1f} ms, "
              f"p99 {lat['cold_p99_ms']:.1f} ms, max {lat['cold_max_ms']:.1f} ms, mean "
              f"{lat['cold_mean_ms']:.1f} ms; CPU p50 {lat['cold_cpu_p50_ms']:.1f} ms, p99 "
              f"{lat['cold_cpu_p99_ms']:.1f} ms", flush=True)
        kind = ("answer cache emptied before each call: every answer computed" if args.no_cache
                else "answer cache ON: repeats are cache hits, not the cost of an answer")
        print(f"[{name}] timed passes ({kind}): latency over {lat['samples']} answers ({lat['passes']} passes of "
              f"{lat['questions']}): p50 {lat['p50_ms']:.1f} ms, p95 {lat['p95_ms']:.1f} ms, "
              f"p99 {lat['p99_ms']:.1f} ms, max {lat['max_ms']:.1f} ms, mean {lat['mean_ms']:.1f} ms "
              f"-> target p99 <= {target:.0f} ms {'MET' if lat['p99_ms'] <= target else 'MISSED'}",
              flush=True)
        print(f"[{name}] CPU time per answer: p50 {lat['cpu_p50_ms']:.1f} ms, p95 "
              f"{lat['cpu_p95_ms']:.1f} ms, p99 {lat['cpu_p99_ms']:.1f} ms, max {lat['cpu_max_ms']:.1f} ms; "
              f"other processes kept {lat['others_cores']:.2f} of {machine()['nproc']} cores busy",
              flush=True)
        print(f"[{name}] peak RSS: {mib(lat['rss_imports_kib'])} after imports, "
              f"{mib(lat['peak_rss_kib'])} after opening the index and answering every question "
              f"once, {mib(lat['peak_rss_end_kib'])} at the end", flush=True)
    return result


def summary(results: list[dict]) -> None:
    print("\nsummary")
    print("timed passes: " + ("answer cache emptied before each answer (computed answers)"
                              if results and results[0].get("latency", {}).get("no_cache")
                              else "answer cache on (repeats are cache hits; see the first-pass lines)"))
    print(f"{'corpus':<10} {'passages':>8} {'reindex s':>9} {'1-file s':>8} {'p50 ms':>7} "
          f"{'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'cpu p99':>7} {'others':>6} {'peak RSS':>9}")
    for r in results:
        full, one, lat = r.get("reindex_full", {}), r.get("reindex_one_file", {}), r.get("latency", {})
        fmt = lambda v, f="{:.2f}": f.format(v) if v is not None else "-"  # noqa: E731
        print(f"{r['corpus']:<10} {full.get('passages', '-'):>8} {fmt(full.get('seconds')):>9} "
              f"{fmt(one.get('seconds')):>8} {fmt(lat.get('p50_ms'), '{:.1f}'):>7} "
              f"{fmt(lat.get('p95_ms'), '{:.1f}'):>7} {fmt(lat.get('p99_ms'), '{:.1f}'):>7} "
              f"{fmt(lat.get('max_ms'), '{:.1f}'):>7} {fmt(lat.get('cpu_p99_ms'), '{:.1f}'):>7} "
              f"{fmt(lat.get('others_cores')):>6} {mib(lat.get('peak_rss_kib')):>9}")
    for r in results:
        full = r.get("reindex_full")
        if full and r["corpus"] in TARGET_REINDEX_S:
            t = TARGET_REINDEX_S[r["corpus"]]
            print(f"full reindex of {r['corpus']}: {full['seconds']:.2f} s -> target <= {t:.0f} s "
                  f"{'MET' if full['seconds'] <= t else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", choices=("shipped", "synthetic", "both"), default="both")
    ap.add_argument("--content", type=Path, default=ROOT / "content",
                    help="the shipped content (copied to --work before the one-file change)")
    ap.add_argument("--synthetic", type=Path, default=DEFAULT_SYNTHETIC,
                    help=f"synthetic corpus folder (default {DEFAULT_SYNTHETIC}; made with "
                         "bench/synthetic.py when missing)")
    ap.add_argument("--questions", type=Path, default=ROOT / "content" / "questions.yaml",
                    help="the staff question set (default content/questions.yaml)")
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"scratch folder (default {DEFAULT_WORK})")
    ap.add_argument("--repeat", type=int, default=0,
                    help="timed passes over the question set (default 5 shipped, 2 synthetic)")
    ap.add_argument("--budget", type=float, default=120.0,
                    help="stop timed passes after this many seconds per corpus (default 120; at least one pass)")
    ap.add_argument("--timeout", type=float, default=600.0, help="limit for each subprocess (s)")
    ap.add_argument("--skip-reindex", action="store_true", help="latency and memory only")
    ap.add_argument("--skip-latency", action="store_true", help="reindex times only")
    ap.add_argument("--skip-cli", action="store_true", help="skip the `faqbot reindex` end-to-end timing")
    ap.add_argument("--no-cache", action="store_true",
                    help="empty the answer cache (Snapshot.answers) before every answer, so the "
                         "timed passes measure computed answers, not cache hits")
    ap.add_argument("--wait-quiet", type=float, default=60.0,
                    help="before each measured step wait up to this many seconds for other "
                         "processes to leave the CPUs idle (default 60; 0: do not wait)")
    ap.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    # Internal: the subprocess workers.
    ap.add_argument("--worker", choices=("build", "latency"), help=argparse.SUPPRESS)
    ap.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker == "build":
        worker_build(args.content, args.index)
        return 0
    if args.worker == "latency":
        worker_latency(args.index, args.questions, args.repeat, args.budget, args.no_cache)
        return 0

    QUIET["max_wait"] = args.wait_quiet
    args.work.mkdir(parents=True, exist_ok=True)
    print("machine:", json.dumps(machine()), flush=True)
    results = []
    if args.corpus in ("shipped", "both"):
        # A private copy: the one-file change must not touch the editors' content.
        shipped = args.work / "content-shipped"
        if shipped.exists():
            shutil.rmtree(shipped)
        shutil.copytree(args.content, shipped)
        results.append(bench_corpus("shipped", shipped, args))
    if args.corpus in ("synthetic", "both"):
        if not (args.synthetic / "faq").is_dir():
            print(f"making the synthetic corpus in {args.synthetic} ...", flush=True)
            subprocess.run([python(), str(HERE / "synthetic.py"), "--out", str(args.synthetic)],
                           check=True, cwd=ROOT, timeout=args.timeout)
        results.append(bench_corpus("synthetic", args.synthetic, args))
    summary(results)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
