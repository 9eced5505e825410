#!/usr/bin/env python3
"""HTTP under load: `faqbot serve` (waitress) on a free loopback port, driven by wrk.

For one waitress thread count the script starts `faqbot serve --host 127.0.0.1 --port P
--threads T` as a subprocess, waits for /healthz, warms up, then runs wrk with 32 connections
for --duration seconds

  * against GET /api/ask?q=<question>, rotating through the staff question set (a Lua script;
    follow-ups carry their history= parameters), and
  * against GET /healthz, the floor of the stack (Flask + waitress + a trivial JSON answer),

and prints requests/s, p50/p99 latency, errors (non-2xx responses, socket errors), the ratio
ask/floor (target >= 40 %, with no errors), and the server's peak RSS (VmHWM). All traffic goes
to 127.0.0.1 only; every wrk run is bounded by --duration.

faqbot caches answers per index generation, so the rotating ask run is mostly cache hits after
the first 335 requests (what a site sees when many people ask the same things). With
--distinct a third run makes every request a distinct question: the same staff questions, each
with a rotating suffix of four German filler words that the analyser drops as stop words
("... also doch mal bitte"). The cache key (the normalised text) is new every time, so every
answer is computed, while the answer itself stays that of the plain question (checked on one
question before the run; on the shipped corpus all 335 answers are identical with and without
a suffix).

With --sweep 2,4,6,8,12 it does this for each thread count with --sweep-duration (default
15 s) and suggests the count to use (the highest ask rate; within 3 % of it, the lower p99).

The machine is shared: the script reports how many cores other processes kept busy during
each run ("others"), and with --wait-quiet waits for a quiet machine before each run.

    .venv/bin/python bench/http_load.py --threads 6 --duration 60
    .venv/bin/python bench/http_load.py --sweep 2,4,6,8,12
    .venv/bin/python bench/http_load.py --content build/bench/synthetic-20k \\
        --index build/bench/index-synthetic --duration 15
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchlib import (DEFAULT_WORK, ROOT, busy_cores, cpu_sample, free_port, load_questions,  # noqa: E402
                      machine, mib, parse_emitted, proc_status, python, wait_quiet)

TARGET_RATIO = 0.40
HOST = "127.0.0.1"

LUA = r"""
-- Rotates through the given paths; each wrk thread starts at its own offset.
local paths = {
%(paths)s
}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  idx = ((tid or 0) * 97) %% #paths
end
function request()
  idx = idx %% #paths + 1
  return wrk.format("GET", paths[idx])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, "p90_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "mean_us": %%.1f, "non2xx": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "timeout": %%d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean, e.status,
    e.connect, e.read, e.write, e.timeout))
end
"""


# Stop words of faqbot's analyser (faqbot.analysis.STOP_WORDS): a suffix made of them changes
# the question's text (so the cache key) but not its query terms.
FILLER = ("also", "bitte", "denn", "doch", "eigentlich", "halt", "ja", "mal", "noch", "nun", "schon")
SUFFIX_WORDS = 4          # 11**4 = 14,641 suffixes

DISTINCT_LUA = r"""
-- Every request a distinct question: path i of the rotation (q= last) plus a suffix of filler
-- words encoding (round * 8 + thread id), so (question, suffix) never repeats (< 1,830 rounds
-- of the question set per thread).
local paths = {
%(paths)s
}
local words = {%(words)s}
local nwords = %(nsuffix)d
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  start = ((tid or 0) * 97) %% #paths
  n = 0
end
function suffix(m)
  local parts = {}
  for k = 1, nwords do
    parts[k] = words[(m %% #words) + 1]
    m = math.floor(m / #words)
  end
  return "%%20" .. table.concat(parts, "%%20")
end
function request()
  local idx = (start + n) %% #paths + 1
  local m = math.floor(n / #paths) * 8 + (tid or 0)
  n = n + 1
  return wrk.format("GET", paths[idx] .. suffix(m))
end
""" + LUA[LUA.index("function done"):]


def filler_suffix(m: int) -> str:
    """The suffix the distinct Lua script appends for number ``m`` (URL-encoded)."""
    parts = []
    for _ in range(SUFFIX_WORDS):
        parts.append(FILLER[m % len(FILLER)])
        m //= len(FILLER)
    return "%20" + "%20".join(parts)


def distinct_script(paths: list[str], folder: Path) -> Path:
    path = folder / "ask-distinct.lua"
    path.write_text(DISTINCT_LUA % {"paths": ",\n".join(f'  "{p}"' for p in paths),
                                    "words": ", ".join(f'"{w}"' for w in FILLER),
                                    "nsuffix": SUFFIX_WORDS})
    return path


def lua_script(paths: list[str], folder: Path, name: str) -> Path:
    path = folder / f"{name}.lua"
    path.write_text(LUA % {"paths": ",\n".join(f'  "{p}"' for p in paths)})
    return path


def ask_paths(questions: Path, q_last: bool = False) -> list[str]:
    """GET /api/ask paths of the question set; with ``q_last`` the q= parameter comes last
    (so that a suffix can be appended to the question)."""
    paths = []
    for q, history in load_questions(questions):
        hist = "".join("&history=" + quote(h, safe="") for h in history)
        if q_last:
            paths.append("/api/ask?" + hist.lstrip("&") + ("&" if hist else "") + "q=" + quote(q, safe=""))
        else:
            paths.append("/api/ask?q=" + quote(q, safe="") + hist)
    return paths


def cpu_seconds(pid: int) -> float:
    """utime + stime of a running process, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class Server:
    """`faqbot serve` on a free loopback port, as a subprocess of this script."""

    def __init__(self, threads: int, content: Path, index: Path, log: Path, timeout: float,
                 env: dict[str, str]):
        self.port = free_port()
        faqbot = ROOT / ".venv" / "bin" / "faqbot"
        cmd = [str(faqbot)] if faqbot.exists() else [python(), "-m", "faqbot.cli"]
        self.log = open(log, "w")
        subprocess.run([*cmd, "db", "upgrade"], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                       env={**os.environ, **env}, check=True)
        self.proc = subprocess.Popen(
            [*cmd, "serve", "--host", HOST, "--port", str(self.port), "--threads", str(threads),
             "--content", str(content), "--index", str(index)],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **env})
        self.base = f"http://{HOST}:{self.port}"
        started = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"faqbot serve exited with {self.proc.returncode}; see {log}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() - started > timeout:
                self.stop()
                raise SystemExit(f"faqbot serve not ready after {timeout:.0f} s; see {log}")
            time.sleep(0.3)
        self.startup_s = time.monotonic() - started

    def get_json(self, path: str) -> dict:
        with urllib.request.urlopen(self.base + path, timeout=30) as r:
            return json.loads(r.read())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def run_wrk(url: str, script: Path, connections: int, wrk_threads: int, duration: float,
            server_pid: int, timeout_s: float) -> dict:
    """One wrk run; returns its figures plus CPU use of server, wrk and everyone else."""
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    sample, server_cpu0, wall0 = cpu_sample(), cpu_seconds(server_pid), time.perf_counter()
    proc = subprocess.run(
        ["wrk", "-t", str(wrk_threads), "-c", str(connections), "-d", f"{int(duration)}s",
         "--timeout", f"{int(timeout_s)}s", "-s", str(script), url],
        capture_output=True, text=True, timeout=duration + 60)
    wall = time.perf_counter() - wall0
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy = busy_cores(sample, cpu_sample())
    server_cores = (cpu_seconds(server_pid) - server_cpu0) / wall
    wrk_cores = ((after_children.ru_utime + after_children.ru_stime)
                 - (before_children.ru_utime + before_children.ru_stime)) / wall
    found = parse_emitted(proc.stdout, "WRK")
    if proc.returncode != 0 or not found:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"wrk failed (exit {proc.returncode})")
    r = found[0]
    seconds = r["duration_us"] / 1e6
    errors = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
    return {"rps": r["requests"] / seconds, "requests": r["requests"], "seconds": seconds,
            "p50_ms": r["p50_us"] / 1000, "p90_ms": r["p90_us"] / 1000,
            "p99_ms": r["p99_us"] / 1000, "max_ms": r["max_us"] / 1000,
            "mean_ms": r["mean_us"] / 1000, "non2xx": r["non2xx"],
            "socket_errors": r["connect"] + r["read"] + r["write"] + r["timeout"],
            "errors": errors, "server_cores": server_cores, "wrk_cores": wrk_cores,
            "others_cores": max(0.0, busy - server_cores - wrk_cores)}


def fmt_run(label: str, r: dict) -> str:
    return (f"{label:<8} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
            f"max {r['max_ms']:7.1f} ms  requests {r['requests']:6d}  non-2xx {r['non2xx']}  "
            f"socket errors {r['socket_errors']}  cores: server {r['server_cores']:.2f}, "
            f"wrk {r['wrk_cores']:.2f}, others {r['others_cores']:.2f}")


def measure(threads: int, duration: float, args: argparse.Namespace, scripts: dict[str, Path],
            logdir: Path) -> dict:
    """Start a server with ``threads``, run ask (and floor) for ``duration`` s, stop it."""
    # A private instance folder (question log database, secret key): nothing is written to
    # the project's instance/. The rate limit is off unless --rate-limit says otherwise: one
    # client (127.0.0.1) sends all requests, which no per-client limit would let through.
    env = {"FAQBOT_INSTANCE_PATH": str(logdir / "instance"), "FAQBOT_RATE_LIMIT": args.rate_limit,
           "FAQBOT_LOG_QUESTIONS": "false" if args.no_log_questions else "true"}
    server = Server(threads, args.content, args.index, logdir / f"serve-{threads}.log",
                    args.startup_timeout, env)
    try:
        probe = server.get_json(scripts["probe"].read_text())
        if "answered" not in probe:
            raise SystemExit(f"unexpected /api/ask answer: {probe}")
        result: dict = {"threads": threads, "startup_s": server.startup_s}
        if "distinct" in scripts:
            # The suffix must not change the answer, only the cache key.
            plain = server.get_json(scripts["distinct_probe"].read_text())
            varied = server.get_json(scripts["distinct_probe"].read_text() + filler_suffix(12345))
            same = ({k: v for k, v in plain.items() if k != "question"}
                    == {k: v for k, v in varied.items() if k != "question"})
            if not same:
                raise SystemExit("the filler suffix changes the answer; --distinct would measure "
                                 f"other work:\n{plain}\n{varied}")
        if args.warmup > 0:
            run_wrk(server.base, scripts["ask"], args.connections, args.wrk_threads,
                    args.warmup, server.proc.pid, args.request_timeout)
        wait_quiet(args.wait_quiet, label=f"[threads {threads}] ")
        result["ask"] = run_wrk(server.base, scripts["ask"], args.connections, args.wrk_threads,
                                duration, server.proc.pid, args.request_timeout)
        print(f"[threads {threads}] " + fmt_run("ask", result["ask"]), flush=True)
        if "distinct" in scripts:
            wait_quiet(args.wait_quiet, label=f"[threads {threads}] ")
            result["distinct"] = run_wrk(server.base, scripts["distinct"], args.connections,
                                         args.wrk_threads, duration, server.proc.pid,
                                         args.request_timeout)
            print(f"[threads {threads}] " + fmt_run("distinct", result["distinct"]), flush=True)
        if not args.no_floor:
            wait_quiet(args.wait_quiet, label=f"[threads {threads}] ")
            result["floor"] = run_wrk(server.base, scripts["floor"], args.connections,
                                      args.wrk_threads, duration, server.proc.pid,
                                      args.request_timeout)
            print(f"[threads {threads}] " + fmt_run("floor", result["floor"]), flush=True)
            result["ratio"] = result["ask"]["rps"] / result["floor"]["rps"]
            if "distinct" in result:
                result["ratio_distinct"] = result["distinct"]["rps"] / result["floor"]["rps"]
        status = proc_status(server.proc.pid)
        result["server_peak_rss_kib"] = status.get("VmHWM")
        result["server_rss_kib"] = status.get("VmRSS")
        result["server_rss_anon_kib"] = status.get("RssAnon")
        result["server_rss_file_kib"] = status.get("RssFile")
        return result
    finally:
        server.stop()


def verdict(result: dict) -> str:
    if "ratio" not in result:
        return ""
    errors = result["ask"]["errors"] + result["floor"]["errors"]
    ok = result["ratio"] >= TARGET_RATIO and errors == 0
    text = (f"ask/floor = {result['ratio'] * 100:.1f} % (target >= {TARGET_RATIO * 100:.0f} % with "
            f"no errors; errors {errors}) -> {'MET' if ok else 'MISSED'}")
    if "ratio_distinct" in result:
        d_errors = result["distinct"]["errors"] + result["floor"]["errors"]
        d_ok = result["ratio_distinct"] >= TARGET_RATIO and d_errors == 0
        text += (f"\ndistinct questions (no cache hits)/floor = {result['ratio_distinct'] * 100:.1f} % "
                 f"(errors {d_errors}) -> {'MET' if d_ok else 'MISSED'}")
    return text


def main(argv: list[str] | None = None) -> int:
    from faqbot.server import THREADS

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=THREADS,
                    help=f"waitress threads for a single run (default faqbot.server.THREADS = {THREADS})")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds per wrk run (default 60)")
    ap.add_argument("--sweep", help="comma-separated thread counts, e.g. 2,4,6,8,12: run each "
                                    "with --sweep-duration and suggest one")
    ap.add_argument("--sweep-duration", type=float, default=15.0, help="seconds per sweep run (default 15)")
    ap.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    ap.add_argument("--wrk-threads", type=int, default=1,
                    help="wrk threads (default 1: on 2 cores, leave the rest to the server)")
    ap.add_argument("--warmup", type=float, default=3.0, help="unrecorded wrk warm-up in s (default 3)")
    ap.add_argument("--request-timeout", type=float, default=10.0,
                    help="wrk counts slower answers as timeouts (default 10 s)")
    ap.add_argument("--content", type=Path, default=ROOT / "content", help="content folder (default ./content)")
    ap.add_argument("--index", type=Path, default=DEFAULT_WORK / "index-http",
                    help=f"index folder (default {DEFAULT_WORK / 'index-http'}; built by "
                         "`faqbot serve` when missing)")
    ap.add_argument("--questions", type=Path, default=ROOT / "content" / "questions.yaml",
                    help="the staff question set the ask requests rotate through")
    ap.add_argument("--floor-path", default="/healthz", help="the floor endpoint (default /healthz)")
    ap.add_argument("--no-floor", action="store_true", help="skip the floor runs")
    ap.add_argument("--distinct", action="store_true",
                    help="also run /api/ask with every request a distinct question (the staff "
                         "questions with a rotating suffix of stop words): no answer-cache hits")
    ap.add_argument("--startup-timeout", type=float, default=600.0,
                    help="how long to wait for the server (default 600 s; it may build the index)")
    ap.add_argument("--wait-quiet", type=float, default=30.0,
                    help="before each run wait up to this many seconds for other processes to "
                         "leave the CPUs idle (default 30; 0: do not wait)")
    ap.add_argument("--rate-limit", default="off",
                    help="FAQBOT_RATE_LIMIT for the server (default off: all load comes from one client)")
    ap.add_argument("--no-log-questions", action="store_true",
                    help="FAQBOT_LOG_QUESTIONS=false (default: on, as in production: every "
                         "/api/ask writes a row to the SQLite question log)")
    ap.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    args = ap.parse_args(argv)

    if shutil.which("wrk") is None:
        ap.error("wrk is missing: apt-get install -y wrk")
    args.index.parent.mkdir(parents=True, exist_ok=True)
    print("machine:", json.dumps(machine()), flush=True)
    logdir = Path(tempfile.mkdtemp(prefix="faqbot-http-"))
    paths = ask_paths(args.questions)
    scripts = {"ask": lua_script(paths, logdir, "ask"),
               "floor": lua_script([args.floor_path], logdir, "floor"),
               "probe": logdir / "probe.txt"}
    scripts["probe"].write_text(paths[0])
    if args.distinct:
        distinct_paths = ask_paths(args.questions, q_last=True)
        scripts["distinct"] = distinct_script(distinct_paths, logdir)
        scripts["distinct_probe"] = logdir / "distinct-probe.txt"
        scripts["distinct_probe"].write_text(distinct_paths[0])
    print(f"ask requests rotate through {len(paths)} questions of {args.questions}; "
          f"{args.connections} connections, wrk -t{args.wrk_threads}; rate limit {args.rate_limit}; "
          f"question log {'off' if args.no_log_questions else 'on'}; logs in {logdir}", flush=True)

    results = []
    if args.sweep:
        counts = [int(x) for x in args.sweep.split(",") if x.strip()]
        for threads in counts:
            results.append(measure(threads, args.sweep_duration, args, scripts, logdir))
        print(f"\nthread sweep ({args.sweep_duration:.0f} s per run, {args.connections} connections)")
        print(f"{'threads':>7} {'ask rps':>8} {'p50 ms':>7} {'p99 ms':>8} {'errors':>6} "
              f"{'floor rps':>9} {'floor p99':>9} {'ask/floor':>9} {'RSS peak':>9} {'others':>6}")
        for r in results:
            a, f = r["ask"], r.get("floor")
            print(f"{r['threads']:>7} {a['rps']:8.1f} {a['p50_ms']:7.1f} {a['p99_ms']:8.1f} "
                  f"{a['errors']:>6} {f['rps'] if f else float('nan'):9.1f} "
                  f"{f['p99_ms'] if f else float('nan'):9.1f} "
                  f"{r.get('ratio', float('nan')) * 100:8.1f}% {mib(r['server_peak_rss_kib']):>9} "
                  f"{a['others_cores']:6.2f}")
        best = max(r["ask"]["rps"] for r in results)
        close = [r for r in results if r["ask"]["rps"] >= 0.97 * best and r["ask"]["errors"] == 0]
        pick = min(close or results, key=lambda r: (r["ask"]["p99_ms"], r["threads"]))
        print(f"suggested threads: {pick['threads']} (ask {pick['ask']['rps']:.1f} req/s, "
              f"p99 {pick['ask']['p99_ms']:.1f} ms; highest rate {best:.1f} req/s; rule: within 3 % "
              f"of the highest rate and no errors, the lowest p99)")
    else:
        r = measure(args.threads, args.duration, args, scripts, logdir)
        results.append(r)
        print(f"\nthreads {r['threads']}, {args.duration:.0f} s per run, {args.connections} connections")
        print(fmt_run("ask", r["ask"]))
        if "distinct" in r:
            print(fmt_run("distinct", r["distinct"]))
        if "floor" in r:
            print(fmt_run("floor", r["floor"]))
            print(verdict(r))
        print(f"server: ready after {r['startup_s']:.1f} s; peak RSS {mib(r['server_peak_rss_kib'])}, "
              f"RSS at the end {mib(r['server_rss_kib'])} (anonymous {mib(r['server_rss_anon_kib'])}, "
              f"file-backed {mib(r['server_rss_file_kib'])})")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()},
                                         "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
