#!/usr/bin/env python3
"""A faqbot fleet on loopback: PostgreSQL, Redis, several faqbot servers (waitress) and nginx
in front, put together the way docs/deploy.md describes, from the files in deploy/.

    ./run fleet                 start (two servers) and print {"proxy": URL, "servers": [URL, URL]}
    ./run fleet stop            stop everything the start started
    .venv/bin/python scripts/fleet.py start --servers 3 --content DIR --state DIR
    .venv/bin/python scripts/fleet.py nginx-conf --upstream 127.0.0.1:8001 ... > faqbot.conf
    .venv/bin/python scripts/fleet.py env --database-url ... > /etc/faqbot/faqbot.env

Each server stands for a machine of its own: its own copy of the content (as a deploy would
check out the same git commit on every machine), index folder and instance folder. They share
one database, one Redis and one secret key. Everything lives in the state folder (default
.fleet/, git-ignored): pids, sockets, logs, the database cluster (or, when run as root and the
postgres user cannot reach the state folder, a folder under /tmp named in fleet.json).

The proxy speaks HTTPS with a self-signed certificate (``<state>/tls/cert.pem``), as nginx does
in production; its plain HTTP port only redirects. Run as root (CI, a container), the script
installs what it needs from Debian (nginx, redis-server, postgresql) the way ``./run test``
installs chromium; otherwise it says what to install.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
DEFAULT_STATE = ROOT / ".fleet"
# Where docs/deploy.md installs the checkout; the units' command lines name it.
INSTALL_PREFIX = "/srv/faqbot"
HOST = "127.0.0.1"
DEBIAN_PACKAGES = {"nginx": "nginx", "redis-server": "redis-server", "pg_ctlcluster": "postgresql",
                   "openssl": "openssl"}


class FleetError(RuntimeError):
    """Something the fleet could not start; the message says what and where the log is."""


# Rendering the files of deploy/ ------------------------------------------------------------

def render(template: Path, fields: dict[str, str]) -> str:
    """``template`` with every ``@NAME@`` replaced; a field without a value is an error."""
    text = template.read_text(encoding="utf-8")
    missing = sorted(set(re.findall(r"@([A-Z_]+)@", text)) - set(fields))
    if missing:
        raise FleetError(f"{template}: no value for @{missing[0]}@")
    return re.sub(r"@([A-Z_]+)@", lambda m: str(fields[m.group(1)]), text)


def nginx_site(upstreams: list[str], *, https_listen: str, http_listen: str, certificate: str,
               certificate_key: str, access_log: str, server_name: str = "_",
               https_port: int = 443) -> str:
    """deploy/nginx/faqbot.conf for these upstream servers."""
    servers = "\n".join(f"    server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    return render(DEPLOY / "nginx" / "faqbot.conf", {
        "UPSTREAM_SERVERS": servers, "HTTPS_LISTEN": https_listen, "HTTP_LISTEN": http_listen,
        "SERVER_NAME": server_name, "CERTIFICATE": certificate, "CERTIFICATE_KEY": certificate_key,
        "ACCESS_LOG": access_log, "HTTPS_PORT_SUFFIX": "" if https_port == 443 else f":{https_port}"})


def env_file(*, database_url: str, redis_url: str, secret_key: str, content_dir: str,
             index_dir: str, instance_dir: str, rate_limit: str = "30/minute;300/hour") -> str:
    """deploy/faqbot.env with these values."""
    return render(DEPLOY / "faqbot.env", {
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": secret_key,
        "CONTENT_DIR": content_dir, "INDEX_DIR": index_dir, "INSTANCE_DIR": instance_dir,
        "RATE_LIMIT": rate_limit})


def parse_env(text: str) -> dict[str, str]:
    """The variables of an EnvironmentFile (KEY=value lines, # comments)."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def unit_command(unit: str, instance: str = "") -> list[str]:
    """The ExecStart command of a unit in deploy/systemd, for this checkout: the install
    prefix becomes the repository, ``%i`` the instance."""
    for line in (DEPLOY / "systemd" / unit).read_text(encoding="utf-8").splitlines():
        if line.startswith("ExecStart="):
            command = line[len("ExecStart="):].replace("%i", instance)
            return [part.replace(INSTALL_PREFIX, str(ROOT)) for part in shlex.split(command)]
    raise FleetError(f"deploy/systemd/{unit} has no ExecStart")


# Small helpers -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def is_root() -> bool:
    return os.geteuid() == 0


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child (ours, not yet reaped) is gone for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return True


def wait_for(predicate, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    hint = f"; see {log}" if log else ""
    raise FleetError(f"{what} not ready after {timeout:.0f} s{hint}")


def get_json(url: str, timeout: float = 2.0) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read())
        except ValueError:
            return exc.code, {}
    except (OSError, ValueError):
        return 0, {}


def ensure_debian_packages() -> None:
    """Install nginx, redis-server and postgresql from Debian when missing (as root)."""
    missing = [pkg for cmd, pkg in DEBIAN_PACKAGES.items() if not shutil.which(cmd)
               and not (cmd == "pg_ctlcluster" and postgres_bindir())]
    if not missing:
        return
    if not is_root():
        raise FleetError(f"missing: {' '.join(missing)} (sudo apt-get install {' '.join(missing)})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def postgres_bindir() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                      key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return versions[-1].parent if versions else None


# The fleet ---------------------------------------------------------------------------------

@dataclass
class Server:
    name: str
    port: int
    root: str
    pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def content(self) -> Path:
        return Path(self.root) / "content"

    @property
    def index(self) -> Path:
        return Path(self.root) / "index"

    @property
    def log(self) -> Path:
        return Path(self.root) / "server.log"


@dataclass
class State:
    state: str
    running: bool = False
    postgres_data: str = ""
    postgres_port: int = 0
    postgres_temp: bool = False
    postgres_password: str = ""
    database_url: str = ""
    admin_dsn: str = ""
    redis_port: int = 0
    redis_pid: int | None = None
    redis_url: str = ""
    secret_key: str = ""
    rate_limit: str = "30/minute;300/hour"
    today: str = ""
    content: str = ""
    https_port: int = 0
    http_port: int = 0
    nginx_pid: int | None = None
    servers: list[Server] = field(default_factory=list)

    @property
    def proxy(self) -> str:
        return f"https://{HOST}:{self.https_port}"


class Fleet:
    """Starts and stops the pieces; its state is kept in ``<state>/fleet.json``."""

    def __init__(self, state: Path | str = DEFAULT_STATE):
        self.dir = Path(state).resolve()
        self.file = self.dir / "fleet.json"
        self.s = self._load()

    # State -----------------------------------------------------------------------------------

    def _load(self) -> State:
        if self.file.exists():
            data = json.loads(self.file.read_text(encoding="utf-8"))
            data["servers"] = [Server(**s) for s in data.get("servers", [])]
            return State(**data)
        return State(state=str(self.dir))

    def _save(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.file.write_text(json.dumps(asdict(self.s), indent=2), encoding="utf-8")

    @property
    def proxy(self) -> str:
        return self.s.proxy

    @property
    def servers(self) -> list[Server]:
        return self.s.servers

    @property
    def certificate(self) -> Path:
        return self.dir / "tls" / "cert.pem"

    @property
    def access_log(self) -> Path:
        return self.dir / "nginx" / "access.log"

    def server(self, name: str) -> Server:
        return next(s for s in self.s.servers if s.name == name)

    def summary(self) -> dict:
        return {"proxy": self.proxy, "servers": [s.url for s in self.s.servers]}

    # Start -----------------------------------------------------------------------------------

    def start(self, servers: int = 2, content: Path = ROOT / "content",
              rate_limit: str = "30/minute;300/hour", today: str = "") -> dict:
        if self.s.running and any(alive(s.pid) for s in self.s.servers):
            raise FleetError(f"a fleet is running from {self.dir} already (stop it first)")
        ensure_debian_packages()
        if self.dir.exists():
            self.stop()            # whatever is left of an earlier fleet in this folder
            self._remove_state()
        self.dir.mkdir(parents=True)
        self.s = State(state=str(self.dir), secret_key=secrets.token_hex(32), rate_limit=rate_limit,
                       today=today, content=str(Path(content).resolve()), running=True)
        self._save()
        try:
            self._start_postgres()
            self._start_redis()
            self.migrate(self.s.database_url)
            for n in range(servers):
                self.add_server(chr(ord("a") + n), start=False)
            for server in self.s.servers:
                self.start_server(server.name, wait=False)
            for server in self.s.servers:
                self.wait_healthy(server)
            self._start_nginx()
            self.wait_in_step()
        except BaseException:
            self.stop()
            raise
        return self.summary()

    def _start_postgres(self) -> None:
        bindir = postgres_bindir()
        if bindir is None:
            raise FleetError("PostgreSQL binaries not found (apt-get install postgresql)")
        data = self.dir / "postgres"
        run_as: list[str] = []
        if is_root():
            run_as = ["runuser", "-u", "postgres", "--"]
            data.mkdir()
            shutil.chown(data, "postgres", "postgres")
            reachable = subprocess.run([*run_as, "test", "-w", str(data)]).returncode == 0
            if not reachable:
                data.rmdir()
                data = Path(tempfile.mkdtemp(prefix="faqbot-fleet-pg-"))
                shutil.chown(data, "postgres", "postgres")
                self.s.postgres_temp = True
            data.chmod(0o700)
        self.s.postgres_data = str(data)
        self.s.postgres_port = free_port()
        self._save()
        self.s.postgres_password = secrets.token_hex(16)
        log = data / "postgres.log"
        subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                        "-E", "UTF8", "--no-locale", "--auth-local=trust",
                        "--auth-host=scram-sha-256"], check=True, stdout=subprocess.DEVNULL)
        # The settings of deploy/postgresql, copied in (the postgres user may not read the
        # checkout); port, socket and address on the command line.
        conf = data / "faqbot.conf"
        shutil.copy(DEPLOY / "postgresql" / "faqbot.conf", conf)
        with open(data / "postgresql.conf", "a", encoding="utf-8") as f:
            f.write("\ninclude 'faqbot.conf'\n")
        if is_root():
            shutil.chown(conf, "postgres", "postgres")
        options = f"-p {self.s.postgres_port} -k {data} -c listen_addresses={HOST}"
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log),
                        "-o", options, "-w", "-t", "60", "start"], check=True,
                       stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        self.s.admin_dsn = f"host={data} port={self.s.postgres_port} user=postgres dbname=postgres"
        self._save()
        self._admin(f"CREATE ROLE faqbot LOGIN PASSWORD '{self.s.postgres_password}'")
        self.s.database_url = self.create_database("faqbot")
        self._save()

    def _admin(self, sql: str) -> None:
        import psycopg
        with psycopg.connect(self.s.admin_dsn, autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str) -> str:
        """A new, empty database owned by the faqbot role; returns its URL."""
        self._admin(f'CREATE DATABASE "{name}" OWNER faqbot')
        return (f"postgresql+psycopg://faqbot:{self.s.postgres_password}@{HOST}:"
                f"{self.s.postgres_port}/{name}")

    def _start_redis(self) -> None:
        folder = self.dir / "redis"
        folder.mkdir()
        self.s.redis_port = free_port()
        password = secrets.token_hex(16)
        log = folder / "redis.log"
        command = [shutil.which("redis-server") or "redis-server", str(DEPLOY / "redis" / "faqbot.conf"),
                   "--port", str(self.s.redis_port), "--bind", HOST, "--dir", str(folder),
                   "--requirepass", password, "--daemonize", "no", "--logfile", str(log)]
        self.s.redis_pid = self._spawn(command, log)
        self.s.redis_url = f"redis://:{password}@{HOST}:{self.s.redis_port}/0"
        self._save()

        def pong() -> bool:
            try:
                with socket.create_connection((HOST, self.s.redis_port), timeout=0.5) as s:
                    s.sendall(f"AUTH {password}\r\nPING\r\n".encode())
                    reply = b""
                    while b"\r\n" not in reply.partition(b"\r\n")[2]:
                        chunk = s.recv(100)
                        if not chunk:
                            break
                        reply += chunk
                    return b"+PONG" in reply
            except OSError:
                return False
        wait_for(pong, 20, "redis", log)

    def _spawn(self, command: list[str], log: Path, env: dict | None = None) -> int:
        """Start a process of its own session (it outlives this script), output to ``log``."""
        with open(log, "ab") as out:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                    start_new_session=True)
        return proc.pid

    def server_env(self, server: Server, database_url: str | None = None) -> dict[str, str]:
        """The environment of a server: deploy/faqbot.env filled in, over this environment."""
        text = env_file(database_url=database_url or self.s.database_url, redis_url=self.s.redis_url,
                        secret_key=self.s.secret_key, content_dir=str(server.content),
                        index_dir=str(server.index), instance_dir=str(Path(server.root) / "instance"),
                        rate_limit=self.s.rate_limit)
        (Path(server.root) / "faqbot.env").write_text(text, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")}
        env.update(parse_env(text))
        if self.s.today:
            env["FAQBOT_TODAY"] = self.s.today
        return env

    def migrate(self, database_url: str) -> str:
        """Run deploy/systemd/faqbot-migrate.service's command; returns its output."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")}
        env["FAQBOT_DATABASE_URL"] = database_url
        result = subprocess.run(unit_command("faqbot-migrate.service"), env=env, cwd=ROOT,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise FleetError(f"faqbot db upgrade failed: {result.stderr[-2000:]}")
        return result.stdout

    def add_server(self, name: str, *, start: bool = True, content: Path | None = None) -> Server:
        """A new server with its own copy of the content (a machine of its own)."""
        root = self.dir / "servers" / name
        root.mkdir(parents=True)
        shutil.copytree(content or self.s.content, root / "content")
        server = Server(name=name, port=free_port(), root=str(root))
        self.s.servers.append(server)
        self._save()
        if start:
            self.start_server(name)
        return server

    def server_command(self, server: Server, database_url: str | None = None,
                       migrate: bool = False) -> tuple[list[str], dict[str, str]]:
        """The command and environment of a server (deploy/systemd/faqbot@.service); with
        ``migrate``, preceded by faqbot-migrate.service's command, as on a machine of its own."""
        command = unit_command("faqbot@.service", str(server.port))
        if migrate:
            command = ["sh", "-c", f"{shlex.join(unit_command('faqbot-migrate.service'))} && exec {shlex.join(command)}"]
        return command, self.server_env(server, database_url)

    def start_server(self, name: str, *, wait: bool = True, database_url: str | None = None,
                     migrate: bool = False) -> Server:
        server = self.server(name)
        command, env = self.server_command(server, database_url, migrate)
        server.pid = self._spawn(command, server.log, env)
        self._save()
        if wait:
            self.wait_healthy(server)
        return server

    def wait_healthy(self, server: Server, timeout: float = 90) -> None:
        def up() -> bool:
            if not alive(server.pid):
                raise FleetError(f"server {server.name} exited; see {server.log}")
            return get_json(server.url + "/healthz")[0] == 200
        wait_for(up, timeout, f"server {server.name}", server.log)

    def stop_server(self, name: str, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
        server = self.server(name)
        _terminate(server.pid, sig, timeout)
        server.pid = None
        self._save()

    def remove_server(self, name: str) -> None:
        """Stop a server and forget it (its folder stays, for its log)."""
        self.stop_server(name)
        self.s.servers = [s for s in self.s.servers if s.name != name]
        self._save()

    def wait_in_step(self, timeout: float = 60) -> str:
        """Wait until every running server serves the published generation; returns it."""
        found: dict = {}

        def in_step() -> bool:
            reports = [get_json(s.url + "/healthz")[1] for s in self.s.servers if alive(s.pid)]
            generations = {(r.get("index") or {}).get("generation") for r in reports}
            published = {(r.get("published") or {}).get("generation") for r in reports}
            if reports and len(generations) == 1 and generations == published and None not in generations:
                found["generation"] = generations.pop()
                return True
            return False
        wait_for(in_step, timeout, "servers on one generation")
        return found["generation"]

    def _start_nginx(self) -> None:
        folder = self.dir / "nginx"
        (folder / "tmp").mkdir(parents=True)
        tls = self.dir / "tls"
        tls.mkdir()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "7", "-subj", f"/CN={HOST}",
                        "-addext", f"subjectAltName=IP:{HOST}", "-keyout", str(tls / "key.pem"),
                        "-out", str(self.certificate)], check=True, capture_output=True)
        self.s.https_port, self.s.http_port = free_port(), free_port()
        self.write_nginx_conf()
        main = folder / "nginx.conf"
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        test = subprocess.run([nginx, "-t", "-q", "-c", str(main), "-p", str(folder)],
                              capture_output=True, text=True)
        if test.returncode != 0:
            raise FleetError(f"nginx configuration: {test.stderr.strip()}")
        log = folder / "error.log"
        self.s.nginx_pid = self._spawn([nginx, "-c", str(main), "-p", str(folder), "-g", "daemon off;"], log)
        self._save()
        context = ssl.create_default_context(cafile=str(self.certificate))

        def up() -> bool:
            try:
                with urllib.request.urlopen(self.proxy + "/healthz", timeout=2, context=context) as r:
                    return r.status == 200
            except (OSError, ValueError):
                return False
        wait_for(up, 20, "nginx", log)

    def write_nginx_conf(self, names: list[str] | None = None) -> None:
        """Render nginx's files for the servers named (default: all)."""
        folder = self.dir / "nginx"
        servers = [s for s in self.s.servers if names is None or s.name in names]
        site = nginx_site([f"{HOST}:{s.port}" for s in servers],
                          https_listen=f"{HOST}:{self.s.https_port}", http_listen=f"{HOST}:{self.s.http_port}",
                          certificate=str(self.certificate), certificate_key=str(self.dir / "tls" / "key.pem"),
                          access_log=str(self.access_log), https_port=self.s.https_port)
        (folder / "faqbot.conf").write_text(site, encoding="utf-8")
        temp = folder / "tmp"
        # What Debian's /etc/nginx/nginx.conf provides around a site, for a private instance.
        main = f"""# Written by scripts/fleet.py: a private nginx around deploy/nginx/faqbot.conf.
{"user root root;" if is_root() else ""}
worker_processes auto;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    default_type application/octet-stream;
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {folder / "faqbot.conf"};
}}
"""
        (folder / "nginx.conf").write_text(main, encoding="utf-8")

    def reload_nginx(self, names: list[str] | None = None) -> None:
        """Send requests only to the servers named (e.g. while one is updated)."""
        self.write_nginx_conf(names)
        os.kill(self.s.nginx_pid, signal.SIGHUP)
        time.sleep(0.5)   # the old workers finish their requests, new ones take over

    # Stop ------------------------------------------------------------------------------------

    def stop(self) -> None:
        """End every process this fleet started (by the pids it recorded)."""
        _terminate(self.s.nginx_pid, signal.SIGQUIT)
        for server in self.s.servers:
            _terminate(server.pid)
            server.pid = None
        self.s.nginx_pid = None
        self.stop_redis()
        self.stop_postgres()
        if self.s.postgres_data and self.s.postgres_temp:
            shutil.rmtree(self.s.postgres_data, ignore_errors=True)
        self.s.running = False
        if self.dir.exists():
            self._save()

    def stop_redis(self) -> None:
        _terminate(self.s.redis_pid)
        self.s.redis_pid = None

    def stop_postgres(self) -> None:
        data = Path(self.s.postgres_data) if self.s.postgres_data else None
        if data is not None and (data / "postmaster.pid").exists():
            run_as = ["runuser", "-u", "postgres", "--"] if is_root() else []
            subprocess.run([*run_as, str(postgres_bindir() / "pg_ctl"), "-D", str(data), "-m", "fast",
                            "-w", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _remove_state(self) -> None:
        old = self._load()
        if old.postgres_temp and old.postgres_data:
            shutil.rmtree(old.postgres_data, ignore_errors=True)
        shutil.rmtree(self.dir)


def _terminate(pid: int | None, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    if not alive(pid):
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # Reap it if it is our child (the tests start servers themselves).
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            pass
        if not alive(pid):
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


# Command line ------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    start = sub.add_parser("start", help="start the fleet and print its URLs as one JSON line")
    start.add_argument("--servers", type=int, default=2, help="number of faqbot servers (default 2)")
    start.add_argument("--content", type=Path, default=ROOT / "content", help="content folder each server gets a copy of")
    start.add_argument("--rate-limit", default="30/minute;300/hour", help="FAQBOT_RATE_LIMIT of the servers")
    start.add_argument("--today", default=os.environ.get("FAQBOT_TODAY", ""), help="FAQBOT_TODAY of the servers")
    for name, p in (("start", start), ("stop", sub.add_parser("stop", help="stop what start started"))):
        p.add_argument("--state", type=Path, default=DEFAULT_STATE, help="state folder (default .fleet/)")
    conf = sub.add_parser("nginx-conf", help="print deploy/nginx/faqbot.conf filled in")
    conf.add_argument("--upstream", action="append", required=True, metavar="HOST:PORT")
    conf.add_argument("--server-name", default="_")
    conf.add_argument("--listen", default="443", help="HTTPS listen address (default 443)")
    conf.add_argument("--http-listen", default="80")
    conf.add_argument("--certificate", required=True)
    conf.add_argument("--certificate-key", required=True)
    conf.add_argument("--access-log", default="/var/log/nginx/faqbot.access.log")
    env = sub.add_parser("env", help="print deploy/faqbot.env filled in")
    for option in ("database-url", "redis-url", "secret-key"):
        env.add_argument(f"--{option}", required=option != "secret-key")
    env.add_argument("--content-dir", default=f"{INSTALL_PREFIX}/content")
    env.add_argument("--index-dir", default="/var/lib/faqbot/index")
    env.add_argument("--instance-dir", default="/var/lib/faqbot/instance")
    env.add_argument("--rate-limit", default="30/minute;300/hour")
    args = parser.parse_args(argv or ["start"])

    try:
        if args.command == "start":
            fleet = Fleet(args.state)
            print(json.dumps(fleet.start(servers=args.servers, content=args.content,
                                         rate_limit=args.rate_limit, today=args.today)), flush=True)
        elif args.command == "stop":
            Fleet(args.state).stop()
        elif args.command == "nginx-conf":
            port = int(args.listen.rsplit(":", 1)[-1])
            print(nginx_site(args.upstream, https_listen=args.listen, http_listen=args.http_listen,
                             certificate=args.certificate, certificate_key=args.certificate_key,
                             access_log=args.access_log, server_name=args.server_name,
                             https_port=port), end="")
        elif args.command == "env":
            print(env_file(database_url=args.database_url, redis_url=args.redis_url,
                           secret_key=args.secret_key or secrets.token_hex(32),
                           content_dir=args.content_dir, index_dir=args.index_dir,
                           instance_dir=args.instance_dir, rate_limit=args.rate_limit), end="")
    except (FleetError, subprocess.CalledProcessError) as exc:
        print(f"fleet: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
