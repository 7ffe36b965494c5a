"""A worker: claim a job, run its app with a context, record the outcome; renew the lease meanwhile."""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
import zlib
from collections.abc import Callable
from typing import IO, Any, Protocol, TypeVar

import numpy as np
from pydantic import BaseModel, ValidationError

from soundstage.apps.base import App, AppEnv, OutputFile, Runner
from soundstage.apps.registry import AppRegistry
from soundstage.errors import Cancelled, InvalidInput, SoundstageError, StoreUnavailable
from soundstage.jobs.doorbell import Waiter
from soundstage.jobs.models import Claim, JobError
from soundstage.jobs.sqlite import CANCELLED_ERROR
from soundstage.jobs.store import Telemetry, WorkQueue
from soundstage.stopping import EXIT_STOP_OVERRUN, StopRequest
from soundstage.storage.base import Storage
from soundstage.storage.fetch import Fetcher
from soundstage.storage.inputs import InputReader
from soundstage.storage.urls import file_ref, file_url

__all__ = ["EXIT_STOP_OVERRUN", "JobContext", "Shutdown", "StopGuard", "Worker", "file_url"]

log = logging.getLogger("soundstage.worker")

IDLE_POLL_SECONDS = 0.5  # a lost doorbell ring costs at most this
SWEEP_SECONDS = 1.0
HEARTBEAT_SECONDS = 5.0  # how often a worker tells /metrics it is alive
STORE_RETRY_SECONDS = 0.5  # the store is unreachable: try again this often
STORE_PATIENCE_SECONDS = 30.0  # ... for this long (a database restart takes seconds), then give up
# A stopping worker lets its job run this many leases at most, so that it is gone well within the
# lease (issue 15); the job is then released for another worker, not failed.
STOP_GRACE_LEASES = 0.5
PARENT_POLL_SECONDS = 0.2  # for when PR_SET_PDEATHSIG is missing or lost a race at spawn
T = TypeVar("T")


class WorkerStore(WorkQueue, Telemetry, Protocol):
    """What a worker needs of the job store."""


def patiently(call: Callable[[], T], patience: float = STORE_PATIENCE_SECONDS) -> T:
    """``call()``, tried again while the store is unavailable, for up to ``patience`` seconds."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return call()
        except StoreUnavailable:
            if time.monotonic() > deadline:
                raise
            log.warning("job store unavailable; trying again")
            time.sleep(STORE_RETRY_SECONDS)


class Shutdown(BaseException):
    """Raised by ``check_cancelled`` in a stopping worker, which then requeues the job instead of
    failing it. A BaseException, so that apps' ``except Exception`` lets it through."""


def _seed_of(job_input: Any, job_id: str) -> int:
    seed = job_input.get("seed") if isinstance(job_input, dict) else None
    return int(seed) if isinstance(seed, int) else zlib.crc32(job_id.encode())


class JobContext:
    """The worker's ``RunContext``."""

    def __init__(self, claim: Claim, queue: WorkQueue, storage: Storage, fetcher: Fetcher,
                 file_ttl_seconds: float | None = None, base_urls: tuple[str, ...] = ()) -> None:
        self.claim = claim
        self.request_id = claim.job.id
        self.seed = _seed_of(claim.job.input, claim.job.id)
        self.rng = np.random.default_rng(self.seed)
        self.saved: list[str] = []
        self.cancel_event = threading.Event()
        self.stopping = threading.Event()
        self.stop_seen = False
        self._queue = queue
        self._storage = storage
        self._ttl = file_ttl_seconds
        # A job's own /files/ URLs (uploads, references kept at submit) are read from storage directly.
        self._inputs = InputReader(storage, fetcher, claim.job.owner, (claim.job.base_url, *base_urls))

    def log(self, message: str, level: str = "INFO") -> None:
        patiently(lambda: self._queue.record(self.claim, log=(message, level)))

    def progress(self, fraction: float, message: str | None = None) -> None:
        patiently(lambda: self._queue.record(self.claim, progress=min(max(fraction, 0.0), 1.0),
                                             log=None if message is None else (message, "INFO")))

    def cancelled(self) -> bool:
        """Also true while the worker is stopping, so that engines give up just as fast; the job then
        goes back to the queue (``cut_short``), whatever the app made of it."""
        if self.cancel_event.is_set():
            return True
        if self.stopping.is_set():
            self.stop_seen = True
            return True
        return False

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled()
        if self.stopping.is_set():
            self.stop_seen = True
            raise Shutdown()

    def cut_short(self) -> bool:
        """Whether the app saw the worker stopping, not a cancel: its outcome is not the job's."""
        return self.stop_seen and not self.cancel_event.is_set()

    def emit(self, event: Any) -> None:
        patiently(lambda: self._queue.record(self.claim, event=event))

    def save(self, data: bytes | IO[bytes], *, file_name: str, content_type: str) -> OutputFile:
        stored = self._storage.put(data, owner=self.claim.job.owner, file_name=file_name,
                                   content_type=content_type, ttl_seconds=self._ttl)
        self.saved.append(stored.id)
        # A reference, turned into a URL on the address in force whenever the result is read (storage.urls).
        return OutputFile(url=file_ref(stored.id, stored.file_name),
                          content_type=stored.content_type, file_name=stored.file_name,
                          file_size=stored.size)

    def fetch(self, url: str, *, field: str, limit: int) -> tuple[bytes, str]:
        fetched = self._inputs.fetch(url, field=field, limit=limit)
        return fetched.data, fetched.content_type

    def discard_outputs(self) -> None:
        """Best effort: a file that cannot be deleted now is unreferenced, and expires with its lifetime."""
        for file_id in self.saved:
            try:
                self._storage.delete(file_id)
            except SoundstageError as e:
                log.warning("job %s: output %s not deleted: %s", self.request_id, file_id, e)


def job_error(exc: BaseException) -> JobError:
    if isinstance(exc, Cancelled):
        return CANCELLED_ERROR
    if isinstance(exc, InvalidInput):
        return JobError(status=exc.status, message=str(exc), error_type=exc.error_type,
                        detail=[e.to_json() for e in exc.errors])
    if isinstance(exc, ValidationError):
        return JobError(status=422, message=str(exc), error_type="validation_error",
                        detail=exc.errors(include_url=False))
    if isinstance(exc, SoundstageError):
        return JobError(status=exc.status, message=str(exc), error_type=exc.error_type)
    return JobError(status=500, message=f"Internal error: {type(exc).__name__}: {exc}",
                    error_type="internal_error")


class Heartbeat(threading.Thread):
    """Renews a claim's lease; turns a cancel request (or a lost lease) into the context's cancel event,
    and the worker's stop request into its stopping event."""

    def __init__(self, claim: Claim, queue: WorkQueue, lease_seconds: float, ctx: JobContext,
                 worker_stop: StopRequest | None = None) -> None:
        super().__init__(daemon=True, name=f"lease-{claim.job.id[:8]}")
        self.claim, self.queue, self.lease_seconds, self.ctx = claim, queue, lease_seconds, ctx
        self.worker_stop = worker_stop
        self.stop = threading.Event()
        self.lost = False

    def run(self) -> None:
        # Cancellation is checked more often than the lease needs renewing, so it lands quickly.
        interval = min(self.lease_seconds / 3, 0.25)
        while not self.stop.wait(interval):
            if self.worker_stop is not None and self.worker_stop.is_set():
                self.ctx.stopping.set()
            try:
                cancel = self.queue.renew(self.claim, self.lease_seconds)
            except StoreUnavailable:
                continue  # the store decides when it is back: a lease it let expire is reported lost then
            if cancel is None:
                self.lost = True
            if cancel is None or cancel:
                self.ctx.cancel_event.set()


class Worker:
    def __init__(self, worker_id: str, queue: WorkerStore, registry: AppRegistry, storage: Storage,
                 fetcher: Fetcher, env: AppEnv, on_finish: Callable[[], None] = lambda: None) -> None:
        self.worker_id = worker_id
        self.queue, self.registry, self.storage = queue, registry, storage
        self.fetcher, self.env = fetcher, env
        self.settings = env.settings
        self.on_finish = on_finish
        self._runners: dict[str, Runner] = {}
        self._last_sweep = self._last_beat = 0.0
        self._running: JobContext | None = None
        self.limits = {app.id: app.max_concurrency for app in registry}

    def runner(self, app: App) -> Runner:
        if app.id not in self._runners:
            log.info("loading app %s", app.id)
            self._runners[app.id] = app.load(self.env)
        return self._runners[app.id]

    def run_forever(self, stop: StopRequest, listener: Waiter | None = None) -> None:
        """Run jobs until ``stop``; a job running then is left claimed, for ``release``."""
        while not stop.is_set():
            try:
                busy = self.step(stop)
            except Shutdown:
                return
            except StoreUnavailable as e:
                log.warning("%s; trying again", e)
                stop.wait(STORE_RETRY_SECONDS)
                continue
            if not busy and not stop.is_set():
                if listener is not None:  # ends on a ring or the timeout, not on a stop (PEP 475)
                    listener.wait(IDLE_POLL_SECONDS)
                else:
                    stop.wait(IDLE_POLL_SECONDS)

    def release(self) -> int:
        """Requeue this worker's job, if it holds one, for another worker."""
        return self.queue.release_worker(self.worker_id)

    def abandon(self) -> None:
        """From another thread, when the main one cannot stop in time: requeue the job, and delete
        what it saved unless it finished meanwhile."""
        ctx = self._running
        if self.release() and ctx is not None:
            ctx.discard_outputs()

    def step(self, stop: StopRequest | None = None) -> bool:
        """Claim and run at most one job; False when there was nothing to do."""
        now = time.time()
        if now - self._last_beat > HEARTBEAT_SECONDS:
            self._last_beat = now
            self.queue.heartbeat(self.worker_id, sorted(self.limits))
        if now - self._last_sweep > SWEEP_SECONDS:
            self._last_sweep = now
            self.queue.sweep(now, self.settings.max_attempts)
        claim = self.queue.claim(self.worker_id, self.limits, self.settings.lease_seconds)
        if claim is None:
            return False
        self.run_claim(claim, stop)
        return True

    def run_claim(self, claim: Claim, stop: StopRequest | None = None) -> None:
        ctx = JobContext(claim, self.queue, self.storage, self.fetcher, self.settings.file_ttl_seconds,
                         (self.settings.public_url, self.settings.files_url))
        beat = Heartbeat(claim, self.queue, self.settings.lease_seconds, ctx, stop)
        beat.start()
        self._running = ctx
        started = time.perf_counter()
        result: Any = None
        error: JobError | None = None
        try:
            result = self._execute(claim, ctx)
        except Shutdown:
            pass  # the app saw the stop: cut_short, below
        except Exception as exc:  # noqa: BLE001 - every failure becomes the job's error
            if not isinstance(exc, (SoundstageError, ValidationError)):
                log.error("job %s failed:\n%s", claim.job.id, traceback.format_exc())
            error = job_error(exc)
        finally:
            beat.stop.set()
            beat.join()
            self._running = None
        if ctx.cut_short():
            ctx.discard_outputs()
            raise Shutdown()  # to run_forever, which leaves the job to ``release``
        if error is None and ctx.cancel_event.is_set():
            error = CANCELLED_ERROR
        elapsed = time.perf_counter() - started
        if error is not None:
            ctx.discard_outputs()
        if beat.lost or not patiently(lambda: self.queue.finish(claim, result, error, elapsed)):
            log.warning("lost the lease of job %s: its outputs are discarded", claim.job.id)
            if error is None:
                ctx.discard_outputs()
        self.on_finish()

    def _execute(self, claim: Claim, ctx: JobContext) -> Any:
        app = self.registry.resolve(claim.job.endpoint_id)
        runner = self.runner(app)
        ctx.check_cancelled()
        payload = app.input.model_validate(claim.job.input)
        output = runner(payload, ctx)
        if not isinstance(output, BaseModel):
            output = app.output.model_validate(output)
        return output.model_dump(mode="json")


class StopGuard(threading.Thread):
    """Makes a worker's stop certain. Turns its parent's death into a stop request; and if the
    process still lives ``grace`` seconds after a stop (an app deep in a model call that never checks),
    requeues the job from this thread and exits on the spot."""

    def __init__(self, worker: Worker, stop: StopRequest, parent_pid: int = 0,
                 grace: float | None = None) -> None:
        super().__init__(daemon=True, name="stop-guard")
        self.worker, self.stop, self.parent_pid = worker, stop, parent_pid
        self.grace = worker.settings.lease_seconds * STOP_GRACE_LEASES if grace is None else grace

    def run(self) -> None:
        while not self.stop.wait(PARENT_POLL_SECONDS):
            if self.parent_pid and os.getppid() != self.parent_pid:
                log.warning("worker %s: the server (pid %d) is gone; stopping", self.worker.worker_id,
                            self.parent_pid)
                self.stop.request()
        time.sleep(self.grace)
        log.warning("worker %s is still running %.1f s after a stop: requeueing its job and exiting",
                    self.worker.worker_id, self.grace)
        try:
            self.worker.abandon()
        except Exception:  # exiting regardless: the lease expires, and a sweep requeues the job
            log.exception("worker %s could not requeue its job", self.worker.worker_id)
        os._exit(EXIT_STOP_OVERRUN)
