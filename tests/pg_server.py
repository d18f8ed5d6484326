"""A throwaway PostgreSQL server for the tests and benchmarks: a fresh cluster in a temporary directory,
listening on 127.0.0.1 at a free port (no Unix socket), trust authentication, stopped and deleted at the end.

Debian's binaries live in ``/usr/lib/postgresql/<version>/bin/`` (``apt-get install postgresql``); ``initdb``
or ``pg_config`` on the ``PATH`` work too. PostgreSQL refuses to run as root: run as root, the cluster belongs
to the ``postgres`` OS user and the server runs as that user. The server is started with ``fsync=off``
(a test cluster is thrown away anyway), and dies with the process that started it (``PR_SET_PDEATHSIG`` on
Linux, and an ``atexit`` handler), so a killed test run leaves no server behind.

``find_binaries()`` says why no server can be started (``None`` when one can); ``PostgresServer().start()``
starts one. Used by ``tests/conftest.py`` (the session fixture ``pg_server``) and ``benchmarks/bench_postgres.py``.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

__all__ = ["PostgresServer", "find_binaries", "missing_reason"]

_PR_SET_PDEATHSIG = 1


def find_binaries() -> Path | None:
    """The directory holding ``initdb`` and ``postgres`` (the newest Debian version first), or None."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
        reverse=True,
    )
    found = shutil.which("initdb")
    if found:
        candidates.append(found)
    config = shutil.which("pg_config")
    if config:
        try:
            bindir = subprocess.run([config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
            candidates.append(os.path.join(bindir, "initdb"))
        except (OSError, subprocess.CalledProcessError):
            pass
    for c in candidates:
        d = Path(c).parent
        if (d / "initdb").is_file() and (d / "postgres").is_file() and (d / "pg_ctl").is_file():
            return d
    return None


def missing_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'agentforum_nb[postgres]')"
    if find_binaries() is None:
        return (
            "PostgreSQL is not installed (no initdb/postgres in /usr/lib/postgresql/*/bin or on PATH; "
            "on Debian: apt-get install postgresql)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' OS user to run the server as"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


class PostgresServer:
    """One throwaway cluster. ``start()``, ``url(db)``, ``create_database()``, ``restart()``, ``stop()``."""

    def __init__(self, *, fsync: bool = False) -> None:
        bindir = find_binaries()
        if bindir is None:
            raise RuntimeError(missing_reason() or "PostgreSQL binaries not found")
        self.bindir = bindir
        self.fsync = fsync
        self.port = 0
        self.root = Path(tempfile.mkdtemp(prefix="af-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._as_root = os.geteuid() == 0
        self._user: str | None = "postgres" if self._as_root else None
        atexit.register(self.stop)

    # -- running as the postgres user ----------------------------------------------------------------------
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args), user=self._user, capture_output=True, text=True, check=check, cwd=self.root, timeout=120
        )

    def start(self) -> PostgresServer:
        if self._as_root:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "postgres", "postgres")
        res = self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "-N",
            check=False,
        )
        if res.returncode != 0:
            raise RuntimeError(f"initdb failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
        self.launch()
        return self

    def launch(self) -> None:
        """Start the server on the cluster (on its port again, after ``halt()``); waits until it accepts."""
        for _attempt in range(5):  # another process may take the free port between its lookup and the bind
            self.port = self.port or free_port()
            log = open(self.log, "ab")  # noqa: SIM115 - handed to the server process
            try:
                self.proc = subprocess.Popen(
                    [
                        str(self.bindir / "postgres"),
                        "-D",
                        str(self.data),
                        "-p",
                        str(self.port),
                        "-c",
                        "listen_addresses=127.0.0.1",
                        "-c",
                        "unix_socket_directories=",
                        "-c",
                        f"fsync={'on' if self.fsync else 'off'}",
                        "-c",
                        "max_connections=100",
                        "-c",
                        "shared_buffers=64MB",
                    ],
                    user=self._user,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    cwd=self.root,
                    preexec_fn=_die_with_parent,
                )
            finally:
                log.close()
            if self._wait_ready():
                return
            self.port = 0
        raise RuntimeError(f"the PostgreSQL server did not start; its log:\n{self.log.read_text(errors='replace')}")

    def _wait_ready(self, timeout: float = 30.0) -> bool:
        import psycopg

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return True
            except psycopg.OperationalError:
                time.sleep(0.05)
        self.halt()
        return False

    # -- using it ----------------------------------------------------------------------------------------
    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> list[tuple[object, ...]]:
        """Run one statement as the superuser (autocommit); its rows, if any."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cur = conn.execute(statement)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def restart(self, mode: str = "fast") -> None:
        """Stop the server (``mode``: fast, or immediate = a crash) and start it again on the same port."""
        self.halt(signal.SIGQUIT if mode == "immediate" else signal.SIGINT)
        self.launch()

    # -- stopping ----------------------------------------------------------------------------------------
    def halt(self, sig: int = signal.SIGINT) -> None:
        """Stop the server (the cluster stays; ``launch()`` starts it again on the same port)."""
        proc = self.proc
        self.proc = None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)  # SIGINT: fast shutdown (rolls back open transactions, disconnects everyone)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)

    def stop(self) -> None:
        """Stop the server and delete the cluster (idempotent)."""
        self.halt()
        with contextlib.suppress(OSError):
            shutil.rmtree(self.root)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
