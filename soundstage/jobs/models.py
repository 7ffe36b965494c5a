"""Jobs as plain data: what the store holds and hands out. JSON-able values only, never pickles."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

__all__ = ["AppStats", "Claim", "Delivery", "Job", "JobError", "JobState", "LogLine", "NewJob", "Priority",
           "StoreStats", "WorkerBeat"]

JSON = Any


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED}


class Priority(enum.IntEnum):
    """Lower runs first (fal's ``X-Fal-Queue-Priority``)."""

    NORMAL = 0
    LOW = 1


@dataclass(frozen=True)
class LogLine:
    seq: int
    message: str
    level: str  # fal's RequestLog levels: INFO, WARN, ERROR, DEBUG, STDOUT, STDERR
    timestamp: float  # unix seconds


@dataclass(frozen=True)
class JobError:
    """Why a job did not succeed: its HTTP status, a message, a machine type, and an optional body."""

    status: int
    message: str
    error_type: str
    detail: JSON = None  # e.g. a 422 detail list


@dataclass(frozen=True)
class NewJob:
    owner: str
    app_id: str
    endpoint_id: str
    input: JSON
    priority: Priority = Priority.NORMAL
    start_deadline: float | None = None  # unix seconds; not started by then -> fails with 504
    webhook_url: str | None = None
    base_url: str = ""  # where the client reached us: output file URLs are built on it


@dataclass(frozen=True)
class Job:
    id: str
    owner: str
    app_id: str
    endpoint_id: str
    state: JobState
    priority: Priority
    input: JSON
    created_at: float
    started_at: float | None
    finished_at: float | None
    start_deadline: float | None
    attempts: int
    cancel_requested: bool
    result: JSON
    error: JobError | None
    inference_time: float | None
    progress: float | None
    webhook_url: str | None
    base_url: str


@dataclass(frozen=True)
class Claim:
    """A job handed to one worker, valid while its lease is renewed."""

    job: Job
    worker_id: str
    lease_expires: float


@dataclass(frozen=True)
class Delivery:
    """A pending webhook delivery (persisted: a restart drops none)."""

    job_id: str
    owner: str
    url: str
    attempts: int
    next_at: float


@dataclass(frozen=True)
class AppStats:
    """One app's jobs, for ``/metrics``: how many are in each state, and run time of the finished ones."""

    app_id: str
    states: tuple[tuple[JobState, int], ...]
    runs: int  # finished jobs with a measured run time
    run_seconds: float  # their total run time


@dataclass(frozen=True)
class WorkerBeat:
    id: str
    apps: tuple[str, ...]
    started_at: float
    last_seen: float  # unix seconds of its last heartbeat


@dataclass(frozen=True)
class StoreStats:
    apps: tuple[AppStats, ...]
    workers: tuple[WorkerBeat, ...]
