#!/usr/bin/env python3
"""The console's "Fragen der Bürger" page with many stored questions, and the citizens while
it renders.

The script fills a fresh SQLite database with --questions stored questions (default 50,000),
each a distinct wording: a question of the staff set or the holdout set with one change (a word
dropped, a letter dropped, a filler word added) and a number, spread over the last 80 days,
about a fifth declined and a tenth rated. That is the worst case for grouping: no two stored
questions alike. It then starts `faqbot serve` on a free loopback port with the shipped content,
signs in and

  1. loads /konsole/fragen (each selection: alle, abgelehnt, nicht-hilfreich) --repeat times
     and prints the first and the median time of each;
  2. runs --citizens threads asking distinct questions on GET /api/ask (each waiting --pause
     seconds between two) for --seconds seconds, alone and then while one staff member
     reloads /konsole/fragen without pause, and prints the citizens' p50/p99 in both runs.

All traffic goes to 127.0.0.1 only; every loop is bounded by --seconds. The machine is
shared: the script reports how many cores other processes kept busy during each run.

    .venv/bin/python bench/questions_page.py
    .venv/bin/python bench/questions_page.py --questions 5000 --seconds 10
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchlib import (DEFAULT_WORK, ROOT, busy_cores, cpu_sample, emit, free_port,  # noqa: E402
                      load_questions, machine, percentile, wait_quiet)

HOST = "127.0.0.1"
PASSWORD = "benchmark-passwort"
FILLERS = "bitte also doch mal eigentlich genau jetzt noch schon ganz".split()
TARGET_PAGE_SECONDS = 2.0


def wordings(count: int, seed: int = 20261201) -> list[str]:
    """``count`` distinct wordings of real questions."""
    base = [q for q, _ in load_questions(ROOT / "content" / "questions.yaml")]
    base += [q for q, _ in load_questions(HERE / "holdout-2026.yaml")]
    rnd = random.Random(seed)
    out = []
    for n in range(count):
        words = rnd.choice(base).split()
        change = rnd.random()
        if change < 0.3 and len(words) > 3:
            del words[rnd.randrange(len(words))]
        elif change < 0.6:
            i = rnd.randrange(len(words))
            if len(words[i]) > 3:
                j = rnd.randrange(len(words[i]))
                words[i] = words[i][:j] + words[i][j + 1:]
        else:
            words.insert(rnd.randrange(len(words) + 1), rnd.choice(FILLERS))
        out.append(" ".join(words) + f" {n}")
    return out


def fill(database_url: str, count: int) -> None:
    import sqlalchemy as sa

    from faqbot import accounts, db

    db.upgrade(database_url)
    engine = db.get_engine(database_url)
    accounts.add_user(engine, "bench", "editor", PASSWORD)
    rnd = random.Random(7)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    rows = []
    for text in wordings(count):
        answered = rnd.random() > 0.2
        vote = rnd.random()
        rows.append({"asked_at": now - dt.timedelta(seconds=rnd.randrange(80 * 86400)),
                     "question": text, "answered": answered, "confidence": rnd.random(),
                     "answer_ids": "faq/regelbedarf-hoehe faq/minijob" if answered else "",
                     "channel": rnd.choice(("chat", "widget", "api")),
                     "helpful": None if vote > 0.1 else vote < 0.05,
                     "feedback_at": None if vote > 0.1 else now})
    with engine.begin() as conn:
        conn.execute(sa.insert(db.questions), rows)


class Server:
    """`faqbot serve` in a subprocess on a free loopback port."""

    def __init__(self, work: Path, index: Path, threads: int):
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        env = dict(os.environ, FAQBOT_INSTANCE_PATH=str(work / "instance"), FAQBOT_RATE_LIMIT="off",
                   FAQBOT_LOGIN_RATE_LIMIT="off", FAQBOT_LOG_QUESTIONS="False")
        faqbot = Path(sys.executable).with_name("faqbot")
        self.proc = subprocess.Popen(
            [str(faqbot), "serve", "--host", HOST, "--port", str(self.port), "--threads", str(threads),
             "--content", str(ROOT / "content"), "--index", str(index)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("the server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def staff_session(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/konsole/anmelden", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    data = urllib.parse.urlencode({"name": "bench", "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(base + "/konsole/anmelden", data=data, timeout=30).read()
    return opener


def load_page(opener, base: str, kind: str) -> float:
    started = time.perf_counter()
    with opener.open(f"{base}/konsole/fragen?art={kind}", timeout=300) as response:
        body = response.read().decode()
    elapsed = time.perf_counter() - started
    if "<table" not in body:
        raise SystemExit(f"/konsole/fragen?art={kind} shows no groups")
    return elapsed


def citizens(base: str, threads: int, seconds: float, questions: list[str], pause: float,
             while_running=None) -> dict:
    """Latencies of citizens asking distinct questions for ``seconds``; ``while_running``
    (if given) runs in its own thread meanwhile and returns its own figures."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    counter = iter(range(10**9))

    def ask() -> None:
        while time.monotonic() < stop_at:
            n = next(counter)
            q = f"{questions[n % len(questions)]} {FILLERS[n % len(FILLERS)]} {n}"
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{base}/api/ask?q={urllib.parse.quote(q)}", timeout=30) as r:
                    r.read()
            except OSError:
                with lock:
                    errors[0] += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - started)
            time.sleep(pause)

    other: dict = {}
    workers = [threading.Thread(target=ask) for _ in range(threads)]
    if while_running is not None:
        workers.append(threading.Thread(target=lambda: other.update(while_running(stop_at))))
    before = cpu_sample()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    latencies.sort()
    return {"requests": len(latencies), "errors": errors[0],
            "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "busy_cores": round(busy_cores(before, cpu_sample()), 2), **other}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=int, default=50_000, help="stored questions to fill in")
    ap.add_argument("--repeat", type=int, default=5, help="page loads per selection")
    ap.add_argument("--citizens", type=int, default=4, help="citizens asking at once")
    ap.add_argument("--seconds", type=float, default=20, help="length of each citizens' run")
    ap.add_argument("--pause", type=float, default=0.1, help="seconds each citizen waits between questions")
    ap.add_argument("--threads", type=int, default=6, help="waitress threads")
    ap.add_argument("--wait-quiet", type=float, default=60,
                    help="wait up to this many seconds for other processes to quiet down before each run")
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK / "questions-page",
                    help="scratch folder (emptied first)")
    args = ap.parse_args()

    from faqbot.index import build_index, index_exists

    shutil.rmtree(args.work / "instance", ignore_errors=True)
    (args.work / "instance").mkdir(parents=True)
    index = args.work / "index"
    if not index_exists(index):
        build_index(ROOT / "content", index)
    started = time.perf_counter()
    fill(f"sqlite:///{args.work / 'instance' / 'faqbot.sqlite3'}", args.questions)
    print(f"machine: {machine()}")
    print(f"{args.questions} stored questions written in {time.perf_counter() - started:.1f} s")

    server = Server(args.work, index, args.threads)
    try:
        staff = staff_session(server.base)
        pages = {}
        for kind in ("alle", "abgelehnt", "nicht-hilfreich"):
            wait_quiet(args.wait_quiet)
            before = cpu_sample()
            times = [load_page(staff, server.base, kind) for _ in range(args.repeat)]
            pages[kind] = {"first_s": round(times[0], 3), "median_s": round(statistics.median(times), 3),
                           "max_s": round(max(times), 3), "busy_cores": round(busy_cores(before, cpu_sample()), 2)}
            print(f"/konsole/fragen?art={kind}: first {times[0]:.2f} s, median {statistics.median(times):.2f} s, "
                  f"max {max(times):.2f} s (target < {TARGET_PAGE_SECONDS:.0f} s; "
                  f"{pages[kind]['busy_cores']} cores busy in all)")

        questions = [q for q, _ in load_questions(ROOT / "content" / "questions.yaml")]

        def reload_page(stop_at: float) -> dict:
            times = []
            while time.monotonic() < stop_at:
                times.append(load_page(staff, server.base, "alle"))
            return {"page_loads": len(times), "page_median_s": round(statistics.median(times), 3)
                    if times else None}

        wait_quiet(args.wait_quiet)
        alone = citizens(server.base, args.citizens, args.seconds, questions, args.pause)
        print(f"citizens alone:              p50 {alone['p50_ms']} ms, p99 {alone['p99_ms']} ms, "
              f"{alone['requests']} answers, {alone['errors']} errors, {alone['busy_cores']} cores busy")
        wait_quiet(args.wait_quiet)
        rendering = citizens(server.base, args.citizens, args.seconds, questions, args.pause,
                             while_running=reload_page)
        print(f"citizens while it renders:   p50 {rendering['p50_ms']} ms, p99 {rendering['p99_ms']} ms, "
              f"{rendering['requests']} answers, {rendering['errors']} errors, {rendering['busy_cores']} cores busy; "
              f"{rendering['page_loads']} page loads, median {rendering['page_median_s']} s")
        emit("QUESTIONS_PAGE", {"questions": args.questions, "pages": pages, "citizens_alone": alone,
                                "citizens_while_rendering": rendering})
    finally:
        server.stop()


if __name__ == "__main__":
    main()
