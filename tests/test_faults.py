"""Faults: reindexing under load, a deleted or damaged live index, slow clients."""
from __future__ import annotations

import json
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from faqbot import create_app
from faqbot.index import build_index, current_build

from support import LiveServer, wait_until

# Questions of the small test content with the item that must come first.
EXPECTED = {
    "wie hoch ist der regelsatz": "faq/regelbedarf-hoehe",
    "weiterbewilligungsantrag stellen": "faq/weiterbewilligung",
    "wieviel erspartes darf ich haben": "faq/vermoegen",
    "darf ich einen minijob haben": "faq/minijob",
}


def get(url: str, timeout: float = 10) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def ask_url(server: LiveServer, question: str) -> str:
    return server.url + "/api/ask?q=" + urllib.parse.quote(question)


def test_answers_stay_right_while_reindexing_every_second(small_live_server, content_dir, index_dir):
    stop = threading.Event()
    failures: list[str] = []
    asked = [0]

    def client(seed: int) -> None:
        questions = list(EXPECTED)
        n = seed
        while not stop.is_set():
            question = questions[n % len(questions)]
            n += 1
            try:
                status, data = get(ask_url(small_live_server, question))
            except Exception as exc:  # noqa: BLE001 - any transport error is a failure
                failures.append(f"{question}: {exc}")
                continue
            asked[0] += 1
            if status != 200 or not data["answered"] or data["answers"][0]["id"] != EXPECTED[question]:
                failures.append(f"{question}: {status} {data}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    generations = set()
    try:
        for _ in range(6):
            generations.add(build_index(content_dir, index_dir).generation)
            time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=20)
    assert len(generations) == 6
    assert asked[0] > 50
    assert failures == []


def staff_health(server, app) -> tuple[int, dict]:
    """``/konsole/healthz`` (with the error texts) as signed-in staff."""
    from faqbot import accounts
    from test_console import PASSWORD, Browser

    accounts.add_user(app.extensions["faqbot.db"], "stefan", "staff", PASSWORD)
    browser = Browser(server.url)
    browser.sign_in("stefan")
    status, _, text = browser.request("/konsole/healthz")
    return status, json.loads(text)


def test_deleted_live_index_is_reported_and_rebuilt(small_live_server, index_dir):
    status, _ = get(ask_url(small_live_server, "wie hoch ist der regelsatz"))
    assert status == 200
    shutil.rmtree(current_build(index_dir))
    status, data = get(ask_url(small_live_server, "wie hoch ist der regelsatz"))
    assert status == 503 and "Suchindex" in data["error"]
    status, health = get(small_live_server.url + "/healthz")
    assert status in (200, 503)
    assert wait_until(lambda: get(small_live_server.url + "/healthz")[0] == 200)
    status, data = get(ask_url(small_live_server, "wie hoch ist der regelsatz"))
    assert status == 200 and data["answers"][0]["id"] == "faq/regelbedarf-hoehe"


def test_damaged_index_is_reported_on_healthz_and_rebuilt(content_dir, index_dir, tmp_path):
    build = current_build(index_dir)
    for path in build.iterdir():
        if path.suffix in (".seg", ".trm", ".pst", ".toc") or path.name.startswith("_MAIN"):
            path.write_bytes(b"\x00garbage" * 10)
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                      "INSTANCE_PATH": str(tmp_path / "instance"), "RATE_LIMIT": "off"})
    with LiveServer(app) as server:
        status, health = staff_health(server, app)
        assert status == 503
        assert health["status"] in ("rebuilding", "error") and "nicht lesbar" in health["error"]
        status, health = get(server.url + "/healthz")
        assert status == 200 or set(health) == {"status", "index"}
        status, data = get(ask_url(server, "darf ich einen minijob haben"))
        assert status in (200, 503)
        assert wait_until(lambda: get(server.url + "/healthz")[0] == 200)
        assert current_build(index_dir) != build
        status, data = get(ask_url(server, "darf ich einen minijob haben"))
        assert status == 200 and data["answers"][0]["id"] == "faq/minijob"


def test_index_of_an_older_format_is_rebuilt_by_the_running_server(content_dir, index_dir, tmp_path):
    build = current_build(index_dir)
    shutil.rmtree(build / "scores")              # as built before the score table existed
    meta = json.loads((build / "meta.json").read_text(encoding="utf-8"))
    del meta["format"]
    (build / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                      "INSTANCE_PATH": str(tmp_path / "instance"), "RATE_LIMIT": "off"})
    with LiveServer(app) as server:
        status, health = staff_health(server, app)
        assert status == 503 and "älteres Indexformat" in health["error"]
        assert wait_until(lambda: get(server.url + "/healthz")[0] == 200)
        status, data = get(ask_url(server, "darf ich einen minijob haben"))
        assert status == 200 and data["answers"][0]["id"] == "faq/minijob"


def test_slow_clients_do_not_tie_up_the_server(small_live_server):
    slow = []
    try:
        for _ in range(30):
            s = socket.create_connection(("127.0.0.1", small_live_server.port), timeout=5)
            s.sendall(b"GET /api/ask?q=miete HTTP/1.1\r\nHost: x\r\n")   # headers never end
            slow.append(s)
        started = time.perf_counter()
        status, data = get(ask_url(small_live_server, "wie hoch ist der regelsatz"), timeout=5)
        assert status == 200
        assert time.perf_counter() - started < 2
    finally:
        for s in slow:
            s.close()
