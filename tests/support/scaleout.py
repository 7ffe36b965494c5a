"""The scale-out topology on one machine: an API process with no workers, and worker processes each with
its own empty data directory (as if on other machines), sharing only PostgreSQL and the object store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import procs
from tests.support.s3 import S3_ENV
from tests.support.server import OTHER_KEY, ROOT, TEST_KEY, Server, headers

__all__ = ["WorkerProcess", "api_server", "scaleout_env", "wait_completed"]


def scaleout_env(database: str, s3_endpoint: str, bucket: str, **extra: str) -> dict[str, str]:
    return {"SOUNDSTAGE_DATABASE": database, "SOUNDSTAGE_STORAGE": f"s3://{bucket}/soundstage",
            "AWS_ENDPOINT_URL": s3_endpoint, **S3_ENV, "SOUNDSTAGE_ALLOW_PRIVATE_URLS": "true", **extra}


def api_server(data_dir: Path, env: dict[str, str]) -> Server:
    """``soundstage serve --workers 0``: an API only."""
    return Server(data_dir, workers=0, env=env)


class WorkerProcess:
    """``soundstage worker`` with a data directory of its own."""

    def __init__(self, data_dir: Path, env: dict[str, str], worker_id: str | None = None) -> None:
        self.data_dir, self.worker_id = data_dir, worker_id or data_dir.name
        data_dir.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "SOUNDSTAGE_DATA_DIR": str(data_dir),
                    "SOUNDSTAGE_APPS": "tests.support.apps:APPS",
                    "SOUNDSTAGE_API_KEYS": f"{TEST_KEY},{OTHER_KEY}", "SOUNDSTAGE_LEASE_SECONDS": "2",
                    "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", **env}
        self.log = data_dir / "worker.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        cmd = [sys.executable, "-m", "soundstage", "worker", "--worker-id", self.worker_id]
        self.proc = procs.spawn(cmd, env=self.env, cwd=ROOT, log=self.log)  # a process group of its own
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill9(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        assert self.proc is not None
        self.proc.wait()

    def stop(self) -> None:
        """SIGTERM; having to SIGKILL it, or anything it started, fails the test (issue 15)."""
        if self.proc is None:
            return
        killed = procs.stop(self.proc)
        if killed:
            raise AssertionError(f"worker {self.worker_id} did not stop cleanly; killed:\n  "
                                 + "\n  ".join(killed))


def wait_completed(base_url: str, path: str, ids: list[str], timeout: float = 120) -> None:
    """Poll each job's status until COMPLETED; errors while a backend restarts are tolerated."""
    pending, deadline = set(ids), time.monotonic() + timeout
    with httpx.Client(headers=headers(), timeout=10) as client:
        while pending and time.monotonic() < deadline:
            for job_id in list(pending):
                try:
                    r = client.get(f"{base_url}/queue/{path}/requests/{job_id}/status")
                except httpx.HTTPError:
                    continue
                if r.status_code == 200 and r.json()["status"] == "COMPLETED":
                    pending.discard(job_id)
            time.sleep(0.2)
    assert not pending, f"{len(pending)} of {len(ids)} jobs never completed"
