"""A throwaway PostgreSQL cluster for the tests, ``make demo-venue`` and the benchmarks.

``LocalPostgres(dir).start()`` runs ``initdb`` and ``postgres`` from Debian's
``postgresql`` package (or whatever ``pg_config --bindir``/``$PG_BINDIR`` names) on a
free loopback port. PostgreSQL refuses to run as root, and CI runs as root: then the
cluster runs as the unprivileged user ``nobody`` (``setpriv``), its folder owned by that
user. The database ``kiosk`` is owned by the role ``kiosk`` with a password (scram over
TCP, as a venue's screens connect); :attr:`url` has no password, :attr:`password_file`
holds it. :meth:`stop` ends the server (fast shutdown) and removes nothing the caller did
not create; :meth:`kill`/:meth:`restart` act out a database host that goes away.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "kiosk"
DATABASE = "kiosk"


class Unavailable(RuntimeError):
    """PostgreSQL cannot be run here (why, for a skip message)."""


def bindir() -> Path:
    env = os.environ.get("PG_BINDIR")
    if env:
        return Path(env)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("postgres")
    if exe:
        return Path(exe).parent
    raise Unavailable("PostgreSQL is not installed (Debian: apt-get install postgresql)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalPostgres:
    def __init__(self, root: Path | str | None = None, *, port: int | None = None) -> None:
        # the server's user must reach its folder: a fresh one in /tmp unless given
        self.root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.owns_root = root is None
        self.data = self.root / "data"
        self.port = port or free_port()
        self.password = secrets.token_urlsafe(18)
        self.password_file = self.root / "password"
        self.bin = bindir()
        self._proc: subprocess.Popen[bytes] | None = None
        self._as: list[str] = []
        self._uid: int | None = None
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                raise Unavailable("running as root and setpriv (util-linux) is missing to drop to 'nobody'")
            pw = pwd.getpwnam("nobody")
            self._uid = pw.pw_uid
            self._as = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *cmd: str, input: str | None = None) -> str:
        out = subprocess.run([*self._as, *cmd], input=input, check=False, capture_output=True, text=True, timeout=120,
                             cwd="/")
        if out.returncode != 0:
            raise Unavailable(f"{Path(cmd[0]).name} failed: {out.stderr.strip()[-400:]}")
        return out.stdout

    def start(self) -> LocalPostgres:
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.data.exists():
            self.data.mkdir()
            if self._uid is not None:
                os.chown(self.data, self._uid, -1)
                os.chmod(self.root, 0o755)
            os.chmod(self.data, 0o700)
            pwfile = self.root / "initdb-pw"
            pwfile.write_text(self.password)
            if self._uid is not None:
                os.chown(pwfile, self._uid, -1)
            try:
                self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
                          "-A", "scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync")
            finally:
                pwfile.unlink(missing_ok=True)
            self.password_file.write_text(self.password + "\n")
            os.chmod(self.password_file, 0o600)
            with open(self.data / "postgresql.conf", "a", encoding="utf-8") as f:
                # a test cluster: fast, small, loopback only (durability is not tested here)
                f.write("\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                        "shared_buffers = 16MB\nmax_connections = 100\nlisten_addresses = '127.0.0.1'\n"
                        f"unix_socket_directories = '{self.data}'\nlog_min_messages = warning\n")
        else:
            self.password = self.password_file.read_text().strip()
        self._spawn()
        self._wait_ready()
        has = self._run(str(self.bin / "psql"), "-h", str(self.data), "-p", str(self.port), "-U", USER, "-d",
                        "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{DATABASE}'").strip()
        if not has:
            self._run(str(self.bin / "createdb"), "-h", str(self.data), "-p", str(self.port), "-U", USER, DATABASE)
        return self

    def _spawn(self) -> None:
        log = open(self.root / "server.log", "ab")   # noqa: SIM115 - the server's own log, open while it runs
        self._proc = subprocess.Popen([*self._as, str(self.bin / "postgres"), "-D", str(self.data),
                                       "-p", str(self.port)], stdout=log, stderr=subprocess.STDOUT, cwd="/",
                                      start_new_session=True)
        log.close()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                tail = (self.root / "server.log").read_text(errors="replace")[-400:]
                raise Unavailable(f"postgres exited: {tail}")
            r = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                               check=False, capture_output=True, timeout=10)
            if r.returncode == 0:
                return
            time.sleep(0.1)
        raise Unavailable("postgres did not become ready in time")

    def psql(self, sql: str) -> str:
        return self._run(str(self.bin / "psql"), "-h", str(self.data), "-p", str(self.port), "-U", USER, "-d",
                         DATABASE, "-v", "ON_ERROR_STOP=1", "-tAc", sql)

    def stop(self, *, mode: str = "fast") -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            import signal

            sig = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}[mode]
            os.kill(self._proc.pid, sig)
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
        self._proc = None

    def remove(self) -> None:
        """Stop and delete a cluster this object created (its own temporary folder)."""
        self.stop(mode="immediate")
        if self.owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def restart(self) -> None:
        self._spawn()
        self._wait_ready()

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
