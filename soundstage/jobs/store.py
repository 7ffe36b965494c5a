"""The job store's contract, split into the small seams each side uses.

The store is the queue (design.md, decision 2): job state, order, priority, deadlines, leases,
cancel flags, logs, results and pending webhook deliveries live in one SQL database.

Contract for every implementation (``tests/jobs/test_store_contract.py`` runs it):
- ``submit`` makes a job QUEUED and durable before it returns.
- ``claim`` hands each queued job to at most one live lease; jobs go out by (priority, submit order).
- A claim whose lease is not renewed within its lease time is queued again by ``sweep``; after
  ``max_attempts`` claims it fails instead.
- ``finish`` takes effect only while the caller still holds the lease; it returns False otherwise,
  and the caller must then throw its outputs away (someone else runs the job).
- Lookups take the owner: another owner's job raises ``NotFound``, never a permission error.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Protocol

from soundstage.jobs.models import Claim, Delivery, Job, JobError, LogLine, NewJob, StoreStats

__all__ = ["Changes", "JobStore", "Outbox", "Submissions", "Telemetry", "WorkQueue"]


class Submissions(Protocol):
    """What the API does with jobs on behalf of a key."""

    def submit(self, job: NewJob) -> Job: ...
    def get(self, owner: str, job_id: str) -> Job: ...
    def queue_position(self, job: Job) -> int: ...
    def logs(self, job_id: str, after: int = 0) -> list[LogLine]: ...
    def events(self, job_id: str, after: int = 0) -> list[tuple[int, Any]]: ...
    def cancel(self, owner: str, job_id: str) -> Job:
        """Queued: cancelled at once. Running: flagged, the worker stops it. Finished: AlreadyCompleted."""
        ...


class Changes(Protocol):
    """What a change feed without notifications (SQLite) compares from one look to the next."""

    def versions(self, job_ids: Sequence[str]) -> dict[str, Hashable]:
        """A token per job that differs whenever its state, progress, cancel flag, log lines or events do, in
        one query for all of them; jobs that do not exist are left out. (A queued job's position is not in it:
        watchers recheck that on their own.)"""
        ...


class WorkQueue(Protocol):
    """What a worker does with the jobs it runs."""

    def claim(self, worker_id: str, limits: Mapping[str, int | None], lease_seconds: float) -> Claim | None:
        """The next runnable job of the given apps (app id -> max running at once, None: no limit)."""
        ...

    def renew(self, claim: Claim, lease_seconds: float) -> bool | None:
        """Extend the lease. Returns whether cancellation was requested, or None if the lease is lost."""
        ...

    def record(self, claim: Claim, *, log: tuple[str, str] | None = None, progress: float | None = None,
               event: Any = None) -> None:
        """Append a log line (message, level), set progress (0..1), or append a stream event."""
        ...

    def finish(self, claim: Claim, result: Any = None, error: JobError | None = None,
               inference_time: float | None = None) -> bool: ...

    def sweep(self, now: float, max_attempts: int) -> int:
        """Fail queued jobs past their start deadline; requeue (or fail) jobs whose lease expired."""
        ...

    def release_worker(self, worker_id: str, max_attempts: int | None = None) -> int:
        """Requeue the jobs of a worker that stopped: gracefully (no limit), or crashed (a job that has
        now been claimed ``max_attempts`` times fails, so that a job killing every worker ends)."""
        ...


class Outbox(Protocol):
    """Webhook deliveries, persisted with the job's completion so a restart drops none."""

    def due(self, now: float, limit: int = 20) -> Sequence[Delivery]: ...
    def delivered(self, job_id: str) -> None: ...
    def retry_later(self, job_id: str, next_at: float | None, error: str) -> None:
        """Schedule another try, or give up when ``next_at`` is None."""
        ...


class Telemetry(Protocol):
    """Health and metrics: worker heartbeats and counts, read by ``/ready`` and ``/metrics``."""

    def heartbeat(self, worker_id: str, apps: Sequence[str]) -> None:
        """Record that a worker serving ``apps`` is alive (its first call also records its start)."""
        ...

    def forget_worker(self, worker_id: str) -> None: ...
    def stats(self) -> StoreStats: ...
    def ping(self) -> None:
        """Raise (``StoreUnavailable`` for a network store) unless the store answers."""
        ...


class JobStore(Submissions, Changes, WorkQueue, Outbox, Telemetry, Protocol):
    """One database behind all three seams."""

    def close(self) -> None: ...
