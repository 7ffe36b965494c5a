"""A real soundstage server in a subprocess on loopback, for integration tests."""

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
            "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "soundstage", "serve", "--port", str(self.port), "--workers",
               str(self.workers), *self.args]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.wait_ready()
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
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], check=False, capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def kill9(self) -> None:
        """The server and, through the parent-death signal, its workers."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def headers(key: str = TEST_KEY) -> dict[str, str]:
    return {"Authorization": f"Key {key}"}
