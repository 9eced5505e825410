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

from faqbot.index import build_index, current_build

from support import LiveServer, make_app, wait_until

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

    accounts.add_user(app.extensions["faqbot"].db, "stefan", "staff", PASSWORD)
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
    app = make_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                      "INSTANCE_PATH": str(tmp_path / "instance"), "RATE_LIMIT": "off"})
    with LiveServer(app) as server:
        status, health = staff_health(server, app)
        assert status == 503
        assert health["status"] in ("rebuilding", "error") and "nicht lesbar" in health["error"]
        status, health = get(server.url + "/healthz")
        assert status == 200 or set(health) == {"status", "index", "recovery"}
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
    app = make_app({"TESTING": True, "CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
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


# --- a fault is not a broken index; a broken index is rebuilt through the gate ---------------

def fault_in_ranking(monkeypatch, build=None) -> None:
    """Searching raises (in the snapshot of ``build`` only, when given): a bug inside the
    engine, or what reading a damaged file would do."""
    from faqbot.search import Snapshot

    search = Snapshot.search

    def failing(self, terms, limit=20, day=None):
        if build is None or self.build == build:
            raise RuntimeError("Programmfehler beim Ranking (Test)")
        return search(self, terms, limit, day)
    monkeypatch.setattr(Snapshot, "search", failing)


def post_form(url: str, fields: dict) -> tuple[int, str]:
    data = urllib.parse.urlencode(fields).encode()
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def audit_rows(app) -> list:
    from faqbot import history
    return history.reindex_history(app.extensions["faqbot"].db)


def test_an_exception_in_ranking_is_a_logged_500_and_no_rebuild(monkeypatch, caplog, content_dir,
                                                                index_dir, tmp_path):
    app = make_app({"CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                    "INSTANCE_PATH": str(tmp_path / "instance"), "RATE_LIMIT": "off"})
    before = current_build(index_dir)
    with LiveServer(app) as server:
        assert get(ask_url(server, "darf ich einen minijob haben"))[0] == 200
        fault_in_ranking(monkeypatch)
        status, data = get(ask_url(server, "wie viel darf ich dazuverdienen"))
        assert status == 500
        assert "interner Fehler" in data["error"] and "protokolliert" in data["error"]
        status, page = post_form(server.url + "/frage", {"frage": "wie viel darf ich dazuverdienen"})
        assert status == 500 and "interner Fehler" in page and "<html" in page
        status, health = get(server.url + "/healthz")
        assert status == 200 and health["status"] == "ok"
        assert health["recovery"]["attempts"] == 0
    assert current_build(index_dir) == before
    assert app.extensions["faqbot"].recovery.attempts == 0
    assert audit_rows(app) == []
    logged = [r for r in caplog.records if r.levelname == "ERROR" and r.exc_info]
    assert any("Programmfehler beim Ranking" in str(r.exc_info[1]) for r in logged)


def test_a_damaged_file_found_while_ranking_gives_503_and_a_rebuild(monkeypatch, content_dir, index_dir,
                                                                    tmp_path):
    app = make_app({"CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                    "INSTANCE_PATH": str(tmp_path / "instance"), "RATE_LIMIT": "off"})
    build = current_build(index_dir)
    with LiveServer(app) as server:
        assert get(ask_url(server, "darf ich einen minijob haben"))[0] == 200
        fault_in_ranking(monkeypatch, build)
        (build / "lexicon.json").write_text("{}", encoding="utf-8")    # damaged in place
        status, _ = get(ask_url(server, "wie viel darf ich dazuverdienen"))
        assert status == 503
        assert wait_until(lambda: current_build(index_dir) not in (None, build))
        assert wait_until(lambda: get(server.url + "/healthz")[0] == 200)
    runs = audit_rows(app)
    assert [(r.trigger, r.status) for r in runs] == [("recovery", "live")]
    assert "beschädigt" in runs[0].reason


def test_a_deleted_live_index_gives_503_and_a_gated_audited_backed_off_rebuild(content_dir, index_dir,
                                                                              tmp_path):
    app = make_app({"CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir),
                    "INSTANCE_PATH": str(tmp_path / "instance"), "RATE_LIMIT": "off",
                    "RECOVERY_PAUSE": 1})
    recovery = app.extensions["faqbot"].recovery
    qfile = content_dir / "questions.yaml"
    thresholds = qfile.read_text(encoding="utf-8")
    # A content change the gate refuses: the rebuilt index must not go live unaudited.
    qfile.write_text(thresholds.replace("hit_at_1: ", "hit_at_1: 1.01 #"), encoding="utf-8")
    with LiveServer(app) as server:
        shutil.rmtree(current_build(index_dir))
        status, data = get(ask_url(server, "wie hoch ist der regelsatz"))
        assert status == 503 and "Suchindex" in data["error"]
        assert wait_until(lambda: recovery.failures == 1)

        # Refused by the gate, recorded, and no second attempt during the pause.
        assert current_build(index_dir) is None
        status, health = get(server.url + "/healthz")
        assert status == 503 and health["recovery"]["failures"] == 1
        assert 0 < health["recovery"]["next_attempt_in"] <= 1
        assert "rebuild_error" not in health and "last_error" not in health["recovery"]
        status, details = staff_health(server, app)
        assert "Schwellen" in details["rebuild_error"]
        for _ in range(5):
            assert get(ask_url(server, "wie hoch ist der regelsatz"))[0] == 503
        assert recovery.attempts == 1
        (refused,) = audit_rows(app)
        assert (refused.trigger, refused.status, refused.user) == ("recovery", "refused", "automatisch")
        assert "Unter den Schwellen" in refused.message and "nächster Versuch" in refused.message
        assert "Kein Index" in refused.reason

        # After the pause the next request tries again; a second failure doubles the pause.
        assert wait_until(lambda: get(ask_url(server, "x"))[0] == 503 and recovery.attempts == 2)
        assert wait_until(lambda: recovery.failures == 2)
        assert 1 < get(server.url + "/healthz")[1]["recovery"]["next_attempt_in"] <= 2

        # The content fixed: the next attempt passes the gate and goes live.
        qfile.write_text(thresholds, encoding="utf-8")
        assert wait_until(lambda: get(ask_url(server, "x"))[0] in (200, 503) and recovery.attempts == 3)
        assert wait_until(lambda: get(server.url + "/healthz")[0] == 200)
        status, data = get(ask_url(server, "wie hoch ist der regelsatz"))
        assert status == 200 and data["answers"][0]["id"] == "faq/regelbedarf-hoehe"
    runs = audit_rows(app)
    assert [(r.trigger, r.status) for r in runs] == [("recovery", "live"), ("recovery", "refused"),
                                                     ("recovery", "refused")]
    assert runs[0].hit_at_1_after >= 0.8 and runs[0].generation == current_build(index_dir).name
    assert recovery.failures == 0
