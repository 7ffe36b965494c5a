"""A throwaway PostgreSQL cluster for tests: Debian's binaries, a Unix socket in a temp dir, trust auth.

CI (``.ci/run``) installs Debian's ``postgresql`` and starts one cluster for the run, passing its URL in
``SOUNDSTAGE_TEST_DATABASE_URL``; without it the tests start a cluster of their own. Tests that restart
the server always start their own. Each test gets a fresh database of the shared server.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests.support.server import free_port

__all__ = ["PgCluster", "fresh_database", "pg_bin"]

CLUSTER_USER = "postgres"  # initdb refuses to run as root; Debian's package creates this user


def pg_bin() -> Path | None:
    """The newest Debian PostgreSQL bin directory, or None when the package is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _as_cluster_user() -> list[str]:
    return ["runuser", "-u", CLUSTER_USER, "--"] if os.geteuid() == 0 else []


class PgCluster:
    """``start``, ``restart``, ``stop``; ``database()`` creates a fresh database and returns its URL."""

    def __init__(self) -> None:
        bin_dir = pg_bin()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="soundstage-pg-"))
        self.data, self.socket_dir = self.root / "data", self.root / "sock"
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam(CLUSTER_USER)
            for path in (self.root, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        self.port = free_port()
        self.log = self.root / "server.log"

    def _run(self, *args: str) -> None:
        subprocess.run([*_as_cluster_user(), *args], check=True, capture_output=True, cwd=self.root)

    def start(self) -> PgCluster:
        if not self.data.exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", CLUSTER_USER, "-A", "trust",
                      "--no-sync", "-E", "UTF8")
        # No TCP at all; fsync off: a test cluster trades durability across OS crashes for speed.
        options = f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' -F -c max_connections=200"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "start")
        return self

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run([*_as_cluster_user(), str(self.bin / "pg_ctl"), "-D", str(self.data), "-m",
                            "immediate", "-w", "stop"], check=False, capture_output=True, cwd=self.root)

    def restart(self, down_seconds: float = 0.0) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        time.sleep(down_seconds)
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://{CLUSTER_USER}@/postgres?host={self.socket_dir}&port={self.port}"


def fresh_database(server_url: str) -> str:
    """Create an empty database on the server of ``server_url`` (its maintenance database); its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
