"""Small helpers shared by the benchmark scripts in bench/ (not part of the faqbot package).

Everything here is standard library only, so the scripts can also report on a machine where
the venv is only partly set up.
"""
from __future__ import annotations

import json
import os
import platform
import re
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]          # the project folder
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_WORK = ROOT / "build" / "bench"             # indexes and synthetic corpora go here (ignored by git)
DEFAULT_SYNTHETIC = DEFAULT_WORK / "synthetic-20k"


def python() -> str:
    """The venv's interpreter when there is one, else the running one."""
    return str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


def percentile(sorted_values: list[float], p: float) -> float:
    """Percentile ``p`` (0..100) by linear interpolation between closest ranks."""
    if not sorted_values:
        return float("nan")
    if len(sorted_values) == 1:
        return sorted_values[0]
    k = (len(sorted_values) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmHWM (peak RSS), VmRSS and its anonymous and file-backed parts (RssAnon, RssFile;
    mmapped index files count in RssFile) of a process in KiB, from /proc/<pid>/status."""
    out: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return out
    for key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
        m = re.search(rf"^{key}:\s+(\d+)\s+kB", text, re.MULTILINE)
        if m:
            out[key] = int(m.group(1))
    return out


def mib(kib: int | float | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.0f} MiB"


def machine() -> dict:
    """The machine the figures were taken on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        m = re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE)
        mem_kib = int(m.group(1)) if m else 0
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "memory": f"{mem_kib / 1024 / 1024:.1f} GiB", "cpu": cpu,
            "python": platform.python_version(), "kernel": platform.release()}


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_questions(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(question, history) pairs of a staff question set, via faqbot's own loader."""
    from faqbot.evaluation import load_question_set

    qset = load_question_set(Path(path))
    return [(q.question, tuple(q.history)) for q in qset.questions]


def emit(tag: str, data: dict) -> None:
    """One machine-readable result line (parsed by the parent process)."""
    print(f"{tag} {json.dumps(data, ensure_ascii=False)}", flush=True)


def parse_emitted(text: str, tag: str) -> list[dict]:
    return [json.loads(line[len(tag) + 1:]) for line in text.splitlines()
            if line.startswith(tag + " ")]


# --- contention: other processes may run on the same 2 cores during a measurement --------

def cpu_sample() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    total = sum(fields[:8])
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return total - idle, total


def busy_cores(start: tuple[int, int], end: tuple[int, int]) -> float:
    """How many cores were busy on average between two ``cpu_sample`` calls."""
    dbusy, dtotal = end[0] - start[0], end[1] - start[1]
    return (dbusy / dtotal) * (os.cpu_count() or 1) if dtotal > 0 else 0.0


def wait_quiet(max_wait: float, threshold: float = 0.3, window: float = 2.0,
               label: str = "") -> float:
    """Wait (at most ``max_wait`` s) until fewer than ``threshold`` cores are busy over a
    ``window``; return the busy cores of the last window. Never waits when max_wait <= 0."""
    import time

    deadline = time.monotonic() + max(0.0, max_wait)
    said = False
    while True:
        start = cpu_sample()
        time.sleep(window)
        busy = busy_cores(start, cpu_sample())
        if busy < threshold or time.monotonic() >= deadline:
            if said or busy >= threshold:
                print(f"  {label}machine {'quiet' if busy < threshold else 'still busy'}: "
                      f"{busy:.2f} cores busy by other processes", flush=True)
            return busy
        if not said:
            print(f"  {label}waiting for other processes to quiet down ({busy:.2f} cores busy) ...",
                  flush=True)
            said = True
