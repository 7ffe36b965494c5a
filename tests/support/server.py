"""A real soundstage server in a subprocess on loopback, for integration tests.

The server runs in a process group of its own (``procs.spawn``), which its workers share; stopping
it fails if the server ignores SIGTERM or a worker outlives it by more than 2 s (issue 15).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import httpx

from tests.support import procs

TEST_KEY = "test-key-id:test-key-secret"
OTHER_KEY = "other-key-id:other-key-secret"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path, workers: int = 1, env: dict[str, str] | None = None,
                 args: tuple[str, ...] = (), scheme: str = "http") -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.workers = workers
        self.scheme = scheme
        self.args = args
        self.env = {
            **os.environ,
            "SOUNDSTAGE_DATA_DIR": str(data_dir),
            "SOUNDSTAGE_API_KEYS": f"{TEST_KEY},{OTHER_KEY}",
            "SOUNDSTAGE_APPS": "tests.support.apps:APPS",
            "SOUNDSTAGE_LEASE_SECONDS": "2",
            "SOUNDSTAGE_LOG_LEVEL": "warning",
            "SOUNDSTAGE_WRITER": "off",  # no 1.1 GB writer model unless a test asks for it (issue 11)
            "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "soundstage", "serve", "--port", str(self.port), "--workers",
               str(self.workers), *self.args]
        self.proc = procs.spawn(cmd, env=self.env, cwd=ROOT, log=self.log)
        try:
            self.wait_ready()
        except BaseException:
            self.stop(check=False)
            raise
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1, verify=False).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log.read_text()}")

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], check=False, capture_output=True,
                             text=True).stdout
        return [int(p) for p in out.split()]

    def worker(self, worker_id: str) -> subprocess.Popen[bytes]:
        """A ``soundstage worker`` of this server's data dir and apps, in a process group of its own
        (stop it with ``procs.stop``)."""
        cmd = [sys.executable, "-m", "soundstage", "worker", "--worker-id", worker_id]
        return procs.spawn(cmd, env=self.env, cwd=ROOT, log=self.data_dir / f"{worker_id}.log")

    def kill9(self) -> None:
        """The server and, through the parent-death signal, its workers."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, check: bool = True) -> None:
        """SIGTERM the server; anything of its group that had to be SIGKILLed fails ``check``."""
        if self.proc is None:
            return
        killed = procs.stop(self.proc)
        if killed and check:
            raise AssertionError(f"server on port {self.port} did not stop cleanly; killed:\n  "
                                 + "\n  ".join(killed))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.stop(check=kind is None)  # an error in the test itself matters more


def headers(key: str = TEST_KEY) -> dict[str, str]:
    return {"Authorization": f"Key {key}"}
