"""Runs N local worker processes next to the API, replaces any that die, and requeues their jobs.

Workers are separate processes (``soundstage worker``) so inference never blocks the API's event
loop and a crash loses at most one attempt. They stop with the supervisor, however it ends: told to
(``stop``), or sent SIGTERM by the kernel when it dies (PR_SET_PDEATHSIG), or, failing both, on
seeing their parent change (``worker.StopGuard``). So a killed server leaves no orphan claiming jobs.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

from soundstage.errors import SoundstageError
from soundstage.jobs.store import WorkQueue
from soundstage.settings import Settings

__all__ = ["Supervisor", "new_worker_id"]

log = logging.getLogger("soundstage.supervisor")

PR_SET_PDEATHSIG = 1
CHECK_SECONDS = 0.2
RESTART_BACKOFF_MAX = 10.0


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


def _die_with_parent(parent: int) -> None:  # runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        return  # not Linux: workers notice the parent is gone by polling getppid instead
    if os.getppid() != parent:  # it died before prctl took effect, so no signal will come
        os._exit(1)


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
        die_with_us = functools.partial(_die_with_parent, os.getpid())
        self.procs[worker_id] = subprocess.Popen(cmd, env=env, preexec_fn=die_with_us)  # noqa: PLW1509

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
                if self._stop.wait(backoff):
                    return
                backoff = min(RESTART_BACKOFF_MAX, backoff * 2 or 0.5)
                self._spawn()
            if all(p.poll() is None for p in self.procs.values()):
                backoff = max(0.0, backoff - CHECK_SECONDS)

    def stop(self, timeout: float | None = None) -> None:
        """Stop every worker: SIGTERM, then SIGKILL after ``timeout`` (default: a lease; a worker
        gives up its job after half of one by itself). Their jobs are requeued either way."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()  # so that no worker is started behind our back
        for proc in self.procs.values():
            proc.terminate()
        deadline = time.monotonic() + (self.settings.lease_seconds if timeout is None else timeout)
        for worker_id, proc in self.procs.items():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker %s did not stop in time; killing it", worker_id)
                proc.kill()
                proc.wait()
            with contextlib.suppress(SoundstageError):  # a store that is down requeues by lease expiry
                self.queue.release_worker(worker_id)
