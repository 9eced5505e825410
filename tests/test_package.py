"""faqbot as a package: every import declared, the locks split, and the wheel, installed into a
fresh virtual environment, checks, indexes and serves every page on its own."""
from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from support import free_port, wait_until

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "faqbot"
DEV_ONLY = {"playwright", "pytest", "hypothesis", "schemathesis", "bm25s", "pyinstrument",
            "pystemmer", "pip-tools"}


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return normalised(re.match(r"[A-Za-z0-9._-]+", requirement).group(0))


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def locked(lock: str) -> dict[str, str]:
    """name -> version of every package pinned in a lock file."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    return {normalised(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.MULTILINE)}


def imported_modules() -> set[str]:
    """Top-level names of every absolute import in faqbot's source, including imports inside
    functions."""
    names = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"faqbot", "__future__"}


def test_every_module_faqbot_imports_comes_from_a_declared_dependency():
    declared = {requirement_name(r) for r in project()["dependencies"]}
    providers = importlib.metadata.packages_distributions()
    undeclared = {}
    for module in sorted(imported_modules()):
        distributions = {normalised(d) for d in providers.get(module, [])}
        assert distributions, f"no installed distribution provides '{module}'"
        if not distributions & declared:
            undeclared[module] = sorted(distributions)
    assert undeclared == {}
    assert "numpy" in imported_modules()          # the module that was once forgotten


def test_the_runtime_lock_holds_the_dependencies_and_no_dev_tool():
    runtime = locked("requirements.lock")
    for requirement in project()["dependencies"]:
        name = requirement_name(requirement)
        assert runtime.get(name) == requirement.split("==")[1], requirement
    assert DEV_ONLY & set(runtime) == set()


def test_the_dev_lock_adds_the_dev_extra_with_the_runtime_versions():
    runtime, dev = locked("requirements.lock"), locked("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
    for requirement in project()["optional-dependencies"]["dev"]:
        assert dev.get(requirement_name(requirement)) == requirement.split("==")[1], requirement
    assert DEV_ONLY <= set(dev)


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_package_carries_hashes(lock):
    entries = re.split(r"\n(?=[A-Za-z0-9._-]+==)", (ROOT / lock).read_text(encoding="utf-8"))
    pinned = [e for e in entries if re.match(r"[A-Za-z0-9._-]+==", e)]
    assert pinned and all("--hash=sha256:" in e for e in pinned)


# --- the wheel in a fresh virtual environment ---------------------------------------------

def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=300,
                            **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the runtime lock and faqbot's wheel, built from a copy of this
    checkout's package (its htmx copied in by ./run setup)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(SOURCE, source / "src" / "faqbot",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", work / "dist", source])
    wheel = next((work / "dist").glob("faqbot-*.whl"))
    venv = work / "venv"
    run([sys.executable, "-m", "venv", venv])
    pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "install", "--quiet", "--require-hashes", "-r", ROOT / "requirements.lock"])
    run([*pip, "install", "--quiet", "--no-deps", "--no-index", wheel])
    return venv


def environment(work: Path) -> dict[str, str]:
    """Only what a service would have: no PYTHONPATH, settings through FAQBOT_*."""
    return {"PATH": os.environ["PATH"], "HOME": str(work), "LANG": "C.UTF-8",
            "FAQBOT_CONTENT_DIR": str(ROOT / "content"), "FAQBOT_INDEX_DIR": str(work / "index"),
            "FAQBOT_INSTANCE_PATH": str(work / "instance"), "FAQBOT_RATE_LIMIT": "off"}


def test_the_wheel_installs_no_dev_tool_and_runs_from_site_packages(installed):
    listed = run([installed / "bin" / "python", "-m", "pip", "list", "--format=json"]).stdout
    names = {normalised(p["name"]) for p in json.loads(listed)}
    assert "faqbot" in names and "numpy" in names
    assert DEV_ONLY & names == set()
    where = run([installed / "bin" / "python", "-c", "import faqbot; print(faqbot.__file__)"],
                cwd=installed).stdout
    assert where.startswith(str(installed))
    models = run([installed / "bin" / "python", "-c",
                  "from faqbot.wording import load_model; from faqbot.ranking import load_ranker; "
                  "print(load_model() is not None, bool(load_ranker().weights))"], cwd=installed).stdout
    assert models.split() == ["True", "True"]


def test_the_installed_wheel_migrates_checks_indexes_and_serves_every_page(installed, tmp_path):
    faqbot = installed / "bin" / "faqbot"
    env = environment(tmp_path)
    migrated = run([faqbot, "db", "upgrade"], env=env, cwd=tmp_path)
    assert "auf dem neuesten Stand" in migrated.stdout
    checked = run([faqbot, "check"], env=env, cwd=tmp_path)
    assert "Inhalte in Ordnung" in checked.stdout
    indexed = run([faqbot, "reindex", "--quiet"], env=env, cwd=tmp_path)
    assert "ist live" in indexed.stdout

    port = free_port()
    server = subprocess.Popen([str(faqbot), "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            return 0, b""

    try:
        assert wait_until(lambda: get("/healthz")[0] == 200, timeout=60), server.stdout.read1()
        status, page = get("/")
        assert status == 200 and "Bürgergeld".encode() in page
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.decode())
        assert any("vendor/htmx.min.js" in a for a in assets)
        for asset in assets:
            assert get(asset)[0] == 200, asset
        status, body = get("/api/ask?q=" + urllib.parse.quote("Wie hoch ist der Regelbedarf?"))
        assert status == 200 and json.loads(body)["answers"][0]["id"] == "faq/regelbedarf-hoehe"
        status, page = get("/inhalt/faq/regelbedarf-hoehe")
        assert status == 200 and "Regelbedarf".encode() in page
    finally:
        server.terminate()
        server.wait(timeout=20)
