#!/usr/bin/env python3
"""Scale across processes: uncached /api/ask requests per second with one faqbot server and
with two behind nginx, in one run, on the fleet of scripts/fleet.py (PostgreSQL, Redis,
waitress processes, nginx with TLS, all on loopback; docs/deploy.md).

Every request is a new question (a staff question plus a suffix of filler words, as in
`bench/http_load.py --distinct`), so every answer is computed. The rate limit is raised out of
the way but still counted in Redis on every request, and the question log writes to
PostgreSQL, as in production. Each round measures, with wrk for --duration seconds:

  one      wrk -> server A directly (HTTP): one waitress process, no proxy
  proxy-1  wrk -> nginx (HTTPS) -> server A only (nginx reloaded with one upstream)
  proxy-2  wrk -> nginx (HTTPS) -> servers A and B

and reports requests/s, latency, errors and the cores used by faqbot, nginx, Redis,
PostgreSQL, wrk and everyone else (the machine may be shared; --wait-quiet waits for a quiet
moment before each run). The figure to quote: proxy-2 / one (target >= 1.6 on two cores).

    .venv/bin/python bench/fleet.py --duration 20 --rounds 2 --wait-quiet 30
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchlib import ROOT, busy_cores, cpu_sample, machine, parse_emitted, wait_quiet  # noqa: E402
from http_load import DISTINCT_LUA, FILLER, SUFFIX_WORDS, ask_paths, cpu_seconds  # noqa: E402

_spec = importlib.util.spec_from_file_location("fleet_script", ROOT / "scripts" / "fleet.py")
fleet_script = importlib.util.module_from_spec(_spec)
sys.modules["fleet_script"] = fleet_script
_spec.loader.exec_module(fleet_script)

TARGET = 1.6
SHIPPED_TODAY = "2026-12-01"


# Rounds of the question set one run may take (at 500 req/s, 20 s: 30 rounds of 335): each run
# starts its suffixes this many rounds after the previous one, so that no question is asked
# twice in the whole benchmark (the answer cache would answer it: not what is measured).
ROUNDS_PER_RUN = 60
_runs = [0]


def distinct_script(paths: list[str], folder: Path) -> Path:
    """http_load's distinct-question script, its suffixes starting after the previous run's."""
    line = "local m = math.floor(n / #paths) * 8 + (tid or 0)"
    assert line in DISTINCT_LUA
    offset = _runs[0] * ROUNDS_PER_RUN
    _runs[0] += 1
    if (offset + ROUNDS_PER_RUN) * 8 > len(FILLER) ** SUFFIX_WORDS:
        raise SystemExit("too many runs for distinct questions: use fewer --rounds")
    text = DISTINCT_LUA.replace(line, f"local m = ({offset} + math.floor(n / #paths)) * 8 + (tid or 0)")
    path = folder / f"ask-distinct-{offset}.lua"
    path.write_text(text % {"paths": ",\n".join(f'  "{p}"' for p in paths),
                            "words": ", ".join(f'"{w}"' for w in FILLER), "nsuffix": SUFFIX_WORDS})
    return path


def descendants(roots: list[int]) -> set[int]:
    """The processes under ``roots`` (nginx workers, PostgreSQL backends), with the roots."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = set(), [r for r in roots if r]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def groups(fleet) -> dict[str, list[int]]:
    postmaster = int((Path(fleet.s.postgres_data) / "postmaster.pid").read_text().split()[0])
    return {"faqbot": [s.pid for s in fleet.servers], "nginx": [fleet.s.nginx_pid],
            "redis": [fleet.s.redis_pid], "postgresql": [postmaster]}


def cpu_by_group(fleet) -> dict[str, float]:
    return {name: sum(cpu_seconds(p) for p in descendants(roots))
            for name, roots in groups(fleet).items()}


def children_cpu() -> float:
    """CPU seconds of this script's finished children (the wrk runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(fleet, url: str, script: Path, connections: int, duration: float) -> dict:
    before, sample, wrk0, wall0 = cpu_by_group(fleet), cpu_sample(), children_cpu(), time.perf_counter()
    proc = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{int(duration)}s",
                           "--timeout", "10s", "-s", str(script), url],
                          capture_output=True, text=True, timeout=duration + 60)
    wall = time.perf_counter() - wall0
    after, busy = cpu_by_group(fleet), busy_cores(sample, cpu_sample())
    found = parse_emitted(proc.stdout, "WRK")
    if proc.returncode != 0 or not found:
        raise SystemExit(f"wrk failed (exit {proc.returncode}): {proc.stdout}{proc.stderr}")
    r = found[0]
    cores = {name: (after[name] - before[name]) / wall for name in before}
    cores["wrk"] = (children_cpu() - wrk0) / wall
    seconds = r["duration_us"] / 1e6
    return {"rps": r["requests"] / seconds, "requests": r["requests"],
            "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
            "errors": r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"],
            "cores": {k: round(v, 2) for k, v in cores.items()},
            "others_cores": round(max(0.0, busy - sum(cores.values())), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20, help="seconds per wrk run (default 20)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the three runs (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--wait-quiet", type=float, default=30,
                        help="wait up to this long for a quiet machine before each run (default 30 s)")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    work = Path(tempfile.mkdtemp(prefix="faqbot-bench-fleet-"))
    fleet = fleet_script.Fleet(work / "state")
    print("starting the fleet (PostgreSQL, Redis, 2 servers, nginx) ...", flush=True)
    fleet.start(servers=2, content=ROOT / "content", rate_limit="1000000/minute",
                today=SHIPPED_TODAY)
    results: dict[str, list[dict]] = {"one": [], "proxy-1": [], "proxy-2": []}
    try:
        paths = ask_paths(ROOT / "content" / "questions.yaml", q_last=True)
        a = fleet.servers[0]
        runs = {"one": (a.url, None), "proxy-1": (fleet.proxy, [a.name]),
                "proxy-2": (fleet.proxy, [s.name for s in fleet.servers])}
        for n in range(args.rounds):
            for label, (url, upstreams) in runs.items():
                if upstreams is not None:
                    fleet.reload_nginx(upstreams)
                # Warm up this path (connections, TLS sessions), then measure.
                run_wrk(fleet, url, distinct_script(paths, work), args.connections, 3)
                wait_quiet(args.wait_quiet, label=f"[{label}] ")
                r = run_wrk(fleet, url, distinct_script(paths, work), args.connections, args.duration)
                results[label].append(r)
                print(f"round {n + 1} {label:8s} {r['rps']:7.1f} req/s  p50 {r['p50_ms']:6.1f} ms  "
                      f"p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}  cores {r['cores']}  "
                      f"others {r['others_cores']}", flush=True)
    finally:
        fleet.stop()
    shutil.rmtree(work, ignore_errors=True)   # kept (with every piece's log) when a run failed
    best = {label: max(runs_, key=lambda r: r["rps"]) for label, runs_ in results.items()}
    median = {label: statistics.median(r["rps"] for r in runs_) for label, runs_ in results.items()}
    ratio = median["proxy-2"] / median["one"]
    summary = {"machine": machine(), "duration": args.duration, "rounds": args.rounds,
               "connections": args.connections, "results": results,
               "median_rps": median, "ratio_two_behind_nginx_to_one": ratio,
               "ratio_two_to_one_behind_nginx": median["proxy-2"] / median["proxy-1"],
               "target": TARGET}
    print(json.dumps({"median_rps": {k: round(v, 1) for k, v in median.items()},
                      "ratio_two_behind_nginx_to_one": round(ratio, 2),
                      "ratio_two_to_one_behind_nginx": round(summary["ratio_two_to_one_behind_nginx"], 2),
                      "best_p99_ms": {k: v["p99_ms"] for k, v in best.items()}}))
    print(f"two behind nginx / one: {ratio:.2f} (target >= {TARGET}: "
          f"{'met' if ratio >= TARGET else 'missed'})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
