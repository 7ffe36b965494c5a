"""The embedded job store: SQLite in WAL mode, shared by the API process and local workers."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

from soundstage.errors import AlreadyCompleted, NotFound
from soundstage.jobs.models import (
    AppStats,
    Claim,
    Delivery,
    Job,
    JobError,
    JobState,
    LogLine,
    NewJob,
    Priority,
    StoreStats,
    WorkerBeat,
)
from soundstage.sqlitedb import Database

__all__ = ["CANCELLED_ERROR", "START_TIMEOUT_ERROR", "WORKER_DIED_ERROR", "SQLiteJobStore", "app_stats"]

CANCELLED_ERROR = JobError(status=499, message="Request cancelled", error_type="cancelled")
START_TIMEOUT_ERROR = JobError(status=504, message="Request timed out before it started",
                               error_type="request_timeout")
WORKER_DIED_ERROR = JobError(status=503, message="The worker running this request died too many times",
                             error_type="runner_disconnected")

DELIVERY_LEASE_SECONDS = 120.0  # longer than one delivery attempt can take
# Each job's latest log line and event come from its primary key's last entry: one index seek apiece.
VERSIONS = ("SELECT j.id, j.state, j.progress, j.cancel_requested,"
            " (SELECT max(seq) FROM job_logs l WHERE l.job_id = j.id) AS logs,"
            " (SELECT max(seq) FROM job_events e WHERE e.job_id = j.id) AS events"
            " FROM jobs j WHERE j.id IN (SELECT value FROM json_each(?))")

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  app_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL,
  input TEXT NOT NULL,
  created_at REAL NOT NULL,
  started_at REAL,
  finished_at REAL,
  start_deadline REAL,
  attempts INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires REAL,
  result TEXT,
  error TEXT,
  inference_time REAL,
  progress REAL,
  webhook_url TEXT,
  base_url TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS jobs_queued ON jobs(app_id, priority, seq) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS jobs_running ON jobs(lease_expires) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS jobs_deadline ON jobs(start_deadline)
  WHERE state = 'queued' AND start_deadline IS NOT NULL;
CREATE TABLE IF NOT EXISTS job_logs (
  job_id TEXT NOT NULL, seq INTEGER NOT NULL, message TEXT NOT NULL, level TEXT NOT NULL, ts REAL NOT NULL,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS job_events (
  job_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deliveries (
  job_id TEXT PRIMARY KEY, owner TEXT NOT NULL, url TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_at REAL NOT NULL, done INTEGER NOT NULL DEFAULT 0, last_error TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(next_at) WHERE done = 0;
CREATE TABLE IF NOT EXISTS workers (
  id TEXT PRIMARY KEY, apps TEXT NOT NULL, started_at REAL NOT NULL, last_seen REAL NOT NULL
);
"""


def _error_json(error: JobError | None) -> str | None:
    if error is None:
        return None
    return json.dumps({"status": error.status, "message": error.message,
                       "error_type": error.error_type, "detail": error.detail})


def _error_from(raw: str | None) -> JobError | None:
    return None if raw is None else JobError(**json.loads(raw))


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"], owner=row["owner"], app_id=row["app_id"], endpoint_id=row["endpoint_id"],
        state=JobState(row["state"]), priority=Priority(row["priority"]), input=json.loads(row["input"]),
        created_at=row["created_at"], started_at=row["started_at"], finished_at=row["finished_at"],
        start_deadline=row["start_deadline"], attempts=row["attempts"],
        cancel_requested=bool(row["cancel_requested"]),
        result=None if row["result"] is None else json.loads(row["result"]),
        error=_error_from(row["error"]), inference_time=row["inference_time"], progress=row["progress"],
        webhook_url=row["webhook_url"], base_url=row["base_url"],
    )


class SQLiteJobStore:
    """Satisfies ``JobStore``. Safe to share between threads; each process opens its own."""

    def __init__(self, path: Path) -> None:
        self.db = Database(path, SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- Submissions -------------------------------------------------------------------------
    def submit(self, job: NewJob) -> Job:
        with self.db.write() as db:
            row = db.execute(
                "INSERT INTO jobs (id, owner, app_id, endpoint_id, state, priority, input, created_at,"
                " start_deadline, webhook_url, base_url) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING *",
                (str(uuid.uuid4()), job.owner, job.app_id, job.endpoint_id, JobState.QUEUED.value,
                 int(job.priority), json.dumps(job.input), time.time(), job.start_deadline, job.webhook_url,
                 job.base_url),
            ).fetchone()
        return _job(row)

    def get(self, owner: str, job_id: str) -> Job:
        row = self.db.one("SELECT * FROM jobs WHERE id = ? AND owner = ?", (job_id, owner))
        if row is None:
            raise NotFound(f"Request {job_id!r} not found")
        return _job(row)

    def queue_position(self, job: Job) -> int:
        row = self.db.one(
            "SELECT seq FROM jobs WHERE id = ?", (job.id,))
        if row is None or job.state is not JobState.QUEUED:
            return 0
        ahead = self.db.one(
            "SELECT count(*) FROM jobs WHERE state = 'queued' AND app_id = ?"
            " AND (priority < ? OR (priority = ? AND seq < ?))",
            (job.app_id, int(job.priority), int(job.priority), row["seq"]),
        )
        return int(ahead[0]) if ahead else 0

    def logs(self, job_id: str, after: int = 0) -> list[LogLine]:
        rows = self.db.query(
            "SELECT seq, message, level, ts FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq",
            (job_id, after))
        return [LogLine(r["seq"], r["message"], r["level"], r["ts"]) for r in rows]

    def events(self, job_id: str, after: int = 0) -> list[tuple[int, Any]]:
        rows = self.db.query(
            "SELECT seq, data FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq", (job_id, after))
        return [(r["seq"], json.loads(r["data"])) for r in rows]

    def versions(self, job_ids: Sequence[str]) -> dict[str, Hashable]:
        rows = self.db.query(VERSIONS, (json.dumps(list(job_ids)),)) if job_ids else []
        return {r["id"]: (r["state"], r["progress"], r["cancel_requested"], r["logs"], r["events"])
                for r in rows}

    def cancel(self, owner: str, job_id: str) -> Job:
        now = time.time()
        with self.db.write() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ? AND owner = ?", (job_id, owner)).fetchone()
            if row is None:
                raise NotFound(f"Request {job_id!r} not found")
            state = JobState(row["state"])
            if state.finished:
                raise AlreadyCompleted(f"Request {job_id!r} has already completed")
            if state is JobState.QUEUED:
                row = self._finish_row(db, job_id, JobState.CANCELLED, None, CANCELLED_ERROR, None, now)
            else:
                row = db.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ? RETURNING *",
                                 (job_id,)).fetchone()
        return _job(row)

    # -- WorkQueue ---------------------------------------------------------------------------
    def claim(self, worker_id: str, limits: Mapping[str, int | None], lease_seconds: float) -> Claim | None:
        if not limits:
            return None
        now = time.time()
        values = ",".join("(?, ?)" for _ in limits)
        args: list[Any] = [x for app, lim in limits.items() for x in (app, lim)]
        with self.db.write() as db:
            pick = db.execute(
                f"WITH allowed(app_id, lim) AS (VALUES {values}),"
                " busy AS (SELECT app_id, count(*) AS n FROM jobs WHERE state = 'running' GROUP BY app_id)"
                " SELECT j.seq FROM jobs j JOIN allowed a ON a.app_id = j.app_id"
                " LEFT JOIN busy b ON b.app_id = j.app_id"
                " WHERE j.state = 'queued' AND (a.lim IS NULL OR coalesce(b.n, 0) < a.lim)"
                " AND (j.start_deadline IS NULL OR j.start_deadline > ?)"
                " ORDER BY j.priority, j.seq LIMIT 1",
                [*args, now],
            ).fetchone()
            if pick is None:
                return None
            expires = now + lease_seconds
            row = db.execute(
                "UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires = ?,"
                " started_at = coalesce(started_at, ?), attempts = attempts + 1 WHERE seq = ? RETURNING *",
                (worker_id, expires, now, pick["seq"]),
            ).fetchone()
        return Claim(job=_job(row), worker_id=worker_id, lease_expires=expires)

    def renew(self, claim: Claim, lease_seconds: float) -> bool | None:
        with self.db.write() as db:
            row = db.execute(
                "UPDATE jobs SET lease_expires = ? WHERE id = ? AND lease_owner = ? AND state = 'running'"
                " RETURNING cancel_requested",
                (time.time() + lease_seconds, claim.job.id, claim.worker_id),
            ).fetchone()
        return None if row is None else bool(row[0])

    def record(self, claim: Claim, *, log: tuple[str, str] | None = None, progress: float | None = None,
               event: Any = None) -> None:
        job_id = claim.job.id
        with self.db.write() as db:
            if log is not None:
                db.execute(
                    "INSERT INTO job_logs (job_id, seq, message, level, ts) SELECT ?,"
                    " coalesce(max(seq), 0) + 1, ?, ?, ? FROM job_logs WHERE job_id = ?",
                    (job_id, log[0], log[1], time.time(), job_id))
            if progress is not None:
                db.execute("UPDATE jobs SET progress = ? WHERE id = ?", (progress, job_id))
            if event is not None:
                db.execute(
                    "INSERT INTO job_events (job_id, seq, data) SELECT ?, coalesce(max(seq), 0) + 1, ?"
                    " FROM job_events WHERE job_id = ?", (job_id, json.dumps(event), job_id))

    def finish(self, claim: Claim, result: Any = None, error: JobError | None = None,
               inference_time: float | None = None) -> bool:
        if error is None:
            state = JobState.SUCCEEDED
        else:
            state = JobState.CANCELLED if error.error_type == CANCELLED_ERROR.error_type else JobState.FAILED
        with self.db.write() as db:
            held = db.execute("SELECT 1 FROM jobs WHERE id = ? AND lease_owner = ? AND state = 'running'",
                              (claim.job.id, claim.worker_id)).fetchone()
            if held is None:
                return False
            self._finish_row(db, claim.job.id, state, result, error, inference_time, time.time())
        return True

    def _finish_row(self, db: sqlite3.Connection, job_id: str, state: JobState, result: Any,
                    error: JobError | None, inference_time: float | None, now: float) -> sqlite3.Row:
        row = db.execute(
            "UPDATE jobs SET state = ?, result = ?, error = ?, inference_time = ?, finished_at = ?,"
            " lease_owner = NULL, lease_expires = NULL WHERE id = ? RETURNING *",
            (state.value, None if result is None else json.dumps(result), _error_json(error),
             inference_time, now, job_id),
        ).fetchone()
        if row["webhook_url"]:
            db.execute("INSERT OR IGNORE INTO deliveries (job_id, owner, url, next_at) VALUES (?,?,?,?)",
                       (job_id, row["owner"], row["webhook_url"], now))
        return row

    def sweep(self, now: float, max_attempts: int) -> int:
        changed = 0
        with self.db.write() as db:
            late = db.execute("SELECT id FROM jobs WHERE state = 'queued' AND start_deadline <= ?",
                              (now,)).fetchall()
            for row in late:
                self._finish_row(db, row["id"], JobState.FAILED, None, START_TIMEOUT_ERROR, None, now)
            lost = db.execute("SELECT id, attempts FROM jobs WHERE state = 'running' AND lease_expires < ?",
                              (now,)).fetchall()
            changed = len(late) + self._requeue(db, lost, max_attempts, now)
        return changed

    def release_worker(self, worker_id: str, max_attempts: int | None = None) -> int:
        with self.db.write() as db:
            rows = db.execute("SELECT id, attempts FROM jobs WHERE state = 'running' AND lease_owner = ?",
                              (worker_id,)).fetchall()
            return self._requeue(db, rows, max_attempts or 1 << 30, time.time())

    def _requeue(self, db: sqlite3.Connection, rows: Sequence[sqlite3.Row], max_attempts: int,
                 now: float) -> int:
        for row in rows:
            if row["attempts"] >= max_attempts:
                self._finish_row(db, row["id"], JobState.FAILED, None, WORKER_DIED_ERROR, None, now)
            else:
                db.execute("UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = NULL,"
                           " progress = NULL WHERE id = ?", (row["id"],))
        return len(rows)

    # -- Outbox ------------------------------------------------------------------------------
    def due(self, now: float, limit: int = 20) -> Sequence[Delivery]:
        # Taking a delivery pushes its next_at out by a lease, so two API processes never send it twice.
        with self.db.write() as db:
            rows = db.execute(
                "UPDATE deliveries SET next_at = ? WHERE job_id IN (SELECT job_id FROM deliveries"
                " WHERE done = 0 AND next_at <= ? ORDER BY next_at LIMIT ?) RETURNING *",
                (now + DELIVERY_LEASE_SECONDS, now, limit)).fetchall()
        return [Delivery(r["job_id"], r["owner"], r["url"], r["attempts"], r["next_at"]) for r in rows]

    def delivered(self, job_id: str) -> None:
        with self.db.write() as db:
            db.execute("UPDATE deliveries SET done = 1, attempts = attempts + 1 WHERE job_id = ?", (job_id,))

    def retry_later(self, job_id: str, next_at: float | None, error: str) -> None:
        with self.db.write() as db:
            db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?,"
                " next_at = coalesce(?, next_at),"
                " done = CASE WHEN ? IS NULL THEN 2 ELSE 0 END WHERE job_id = ?",
                (error, next_at, next_at, job_id))

    # -- Telemetry ---------------------------------------------------------------------------
    def heartbeat(self, worker_id: str, apps: Sequence[str]) -> None:
        now = time.time()
        with self.db.write() as db:
            db.execute("INSERT INTO workers (id, apps, started_at, last_seen) VALUES (?,?,?,?)"
                       " ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, apps = excluded.apps",
                       (worker_id, ",".join(apps), now, now))

    def forget_worker(self, worker_id: str) -> None:
        with self.db.write() as db:
            db.execute("DELETE FROM workers WHERE id = ?", (worker_id,))

    def stats(self) -> StoreStats:
        rows = self.db.query(
            "SELECT app_id, state, count(*) AS n, count(inference_time) AS runs,"
            " coalesce(sum(inference_time), 0) AS seconds FROM jobs GROUP BY app_id, state"
            " ORDER BY app_id, state")
        workers = self.db.query("SELECT * FROM workers ORDER BY id")
        return StoreStats(apps=app_stats([dict(r) for r in rows]), workers=tuple(
            WorkerBeat(w["id"], tuple(filter(None, w["apps"].split(","))), w["started_at"], w["last_seen"])
            for w in workers))

    def ping(self) -> None:
        self.db.one("SELECT 1")


def app_stats(rows: Sequence[Mapping[str, Any]]) -> tuple[AppStats, ...]:
    """Rows of (app_id, state, n, runs, seconds) grouped into one AppStats per app."""
    out: dict[str, AppStats] = {}
    for r in rows:
        prev = out.get(r["app_id"]) or AppStats(r["app_id"], (), 0, 0.0)
        out[r["app_id"]] = AppStats(r["app_id"], (*prev.states, (JobState(r["state"]), int(r["n"]))),
                                    prev.runs + int(r["runs"]), prev.run_seconds + float(r["seconds"]))
    return tuple(out.values())
