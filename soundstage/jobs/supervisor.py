"""Runs N local worker processes next to the API, replaces any that die, and requeues their jobs.

Workers are separate processes (``soundstage worker``) so inference never blocks the API's event
loop and a crash loses at most one attempt. They die with the supervisor (PR_SET_PDEATHSIG) so a
killed server leaves no orphan claiming jobs.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

from soundstage.jobs.store import WorkQueue
from soundstage.settings import Settings

__all__ = ["Supervisor", "new_worker_id"]

log = logging.getLogger("soundstage.supervisor")

PR_SET_PDEATHSIG = 1
CHECK_SECONDS = 0.2
RESTART_BACKOFF_MAX = 10.0


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: workers notice the parent is gone by polling getppid instead


class Supervisor:
    def __init__(self, settings: Settings, queue: WorkQueue, count: int) -> None:
        self.settings, self.queue, self.count = settings, queue, count
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)

    def _spawn(self) -> None:
        worker_id = new_worker_id()
        env = {**os.environ, **self.settings.to_env(), "SOUNDSTAGE_PARENT_PID": str(os.getpid())}
        cmd = [sys.executable, "-m", "soundstage", "worker", "--worker-id", worker_id]
        self.procs[worker_id] = subprocess.Popen(cmd, env=env, preexec_fn=_die_with_parent)  # noqa: PLW1509

    def start(self) -> None:
        for _ in range(self.count):
            self._spawn()
        self._thread.start()

    def _watch(self) -> None:
        backoff = 0.0
        while not self._stop.wait(CHECK_SECONDS):
            for worker_id, proc in list(self.procs.items()):
                code = proc.poll()
                if code is None or self._stop.is_set():
                    continue
                del self.procs[worker_id]
                requeued = self.queue.release_worker(worker_id, self.settings.max_attempts)
                log.warning("worker %s exited with %s; %d job(s) requeued; starting a new one",
                            worker_id, code, requeued)
                self.restarts += 1
                time.sleep(backoff)
                backoff = min(RESTART_BACKOFF_MAX, backoff * 2 or 0.5)
                self._spawn()
            if all(p.poll() is None for p in self.procs.values()):
                backoff = max(0.0, backoff - CHECK_SECONDS)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for proc in self.procs.values():
            proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
