"""The scale-out job store: PostgreSQL shared by an API tier and workers on many machines.

Claims take the next job with ``FOR UPDATE SKIP LOCKED``, so workers never wait on each other's row
locks; apps with a concurrency limit also take a transaction-scoped advisory lock, so two claims cannot
both see room under the limit. Times come from the database's clock (``clock_timestamp()``), so clock
skew between machines cannot expire a lease early. Two notification channels carry wake-ups:
``QUEUED_CHANNEL`` (a job became claimable: idle workers) and ``CHANGED_CHANNEL`` (a job's status, logs
or events changed, payload its id: status streams and waiting ``/run`` calls).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from psycopg import Connection
from psycopg.types.json import Json

from soundstage.errors import AlreadyCompleted, NotFound
from soundstage.jobs.models import (
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
from soundstage.jobs.sqlite import (
    CANCELLED_ERROR,
    DELIVERY_LEASE_SECONDS,
    START_TIMEOUT_ERROR,
    WORKER_DIED_ERROR,
    app_stats,
)
from soundstage.pgdb import PgDatabase, PgListener

__all__ = ["CHANGED_CHANNEL", "QUEUED_CHANNEL", "PgBell", "PostgresJobStore"]

QUEUED_CHANNEL = "soundstage_queued"
CHANGED_CHANNEL = "soundstage_changed"
NOW = "extract(epoch from clock_timestamp())"
UNLIMITED = 1 << 30  # max_attempts for a graceful release: never fails the job

# The best claimable job of the worker's apps, by (priority, submit order). It is taken at once if its
# app has no concurrency limit; a limited app's job is taken only with %(locked)s, once the caller holds
# that app's advisory lock (so two claims cannot both count room under the limit). The last column says
# which case it was.
CLAIM = (
    "WITH allowed AS (SELECT * FROM unnest(%(apps)s::text[], %(caps)s::int[]) AS a(app_id, lim)),"
    " busy AS (SELECT app_id, count(*) AS n FROM jobs WHERE state = 'running'"
    "          AND app_id = ANY(%(apps)s::text[]) GROUP BY app_id),"
    " open_apps AS (SELECT a.app_id, a.lim FROM allowed a LEFT JOIN busy b ON b.app_id = a.app_id"
    "               WHERE a.lim IS NULL OR coalesce(b.n, 0) < a.lim),"
    " pick AS (SELECT j.seq, o.lim FROM jobs j JOIN open_apps o ON o.app_id = j.app_id"
    " WHERE j.state = 'queued'"
    f"          AND (j.start_deadline IS NULL OR j.start_deadline > {NOW})"
    "          ORDER BY j.priority, j.seq LIMIT 1 FOR UPDATE OF j SKIP LOCKED),"
    " taken AS (UPDATE jobs j SET state = 'running', lease_owner = %(worker)s,"
    f" lease_expires = {NOW} + %(lease)s,"
    f"           started_at = coalesce(started_at, {NOW}), attempts = attempts + 1"
    "           FROM pick WHERE j.seq = pick.seq AND (pick.lim IS NULL OR %(locked)s) RETURNING j.*)"
    " SELECT taken.*, pick.lim AS picked_limit,"
    f" CASE WHEN taken.id IS NOT NULL THEN pg_notify('{CHANGED_CHANNEL}', taken.id) END AS notified"
    " FROM pick LEFT JOIN taken ON taken.seq = pick.seq"
)
def _error_json(error: JobError | None) -> str | None:
    if error is None:
        return None
    return json.dumps({"status": error.status, "message": error.message, "error_type": error.error_type,
                       "detail": error.detail})


def _job(row: Mapping[str, Any]) -> Job:
    return Job(
        id=row["id"], owner=row["owner"], app_id=row["app_id"], endpoint_id=row["endpoint_id"],
        state=JobState(row["state"]), priority=Priority(row["priority"]), input=row["input"],
        created_at=row["created_at"], started_at=row["started_at"], finished_at=row["finished_at"],
        start_deadline=row["start_deadline"], attempts=row["attempts"],
        cancel_requested=row["cancel_requested"], result=row["result"],
        error=None if row["error"] is None else JobError(**json.loads(row["error"])),
        inference_time=row["inference_time"], progress=row["progress"], webhook_url=row["webhook_url"],
        base_url=row["base_url"],
    )


POSITION = ("SELECT count(*) AS n FROM jobs j, jobs me WHERE me.id = %s AND j.state = 'queued'"
            " AND j.app_id = me.app_id"
            " AND (j.priority < me.priority OR (j.priority = me.priority AND j.seq < me.seq))")
LOGS = "SELECT seq, message, level, ts FROM job_logs WHERE job_id = %s AND seq > %s ORDER BY seq"
EVENTS = "SELECT seq, data FROM job_events WHERE job_id = %s AND seq > %s ORDER BY seq"
VERSIONS = ("SELECT j.id, j.state, j.progress, j.cancel_requested,"
            " (SELECT max(seq) FROM job_logs l WHERE l.job_id = j.id) AS logs,"
            " (SELECT max(seq) FROM job_events e WHERE e.job_id = j.id) AS events"
            " FROM jobs j WHERE j.id = ANY(%s::text[])")

# Finishing: the outcome, the webhook outbox row and the notification in one statement. lease_owner is kept:
# it tells a retried ``finish`` of the same worker that its first try landed.
FINISH = (
    "WITH done AS (UPDATE jobs SET state = %(state)s, result = %(result)s, error = %(error)s,"
    f" inference_time = %(seconds)s, finished_at = {NOW}, lease_expires = NULL WHERE {{where}} RETURNING *),"
    " hook AS (INSERT INTO deliveries (job_id, owner, url, next_at)"
    " SELECT id, owner, webhook_url, finished_at"
    "          FROM done WHERE webhook_url IS NOT NULL AND webhook_url <> '' ON CONFLICT (job_id) DO NOTHING)"
    f" SELECT *, pg_notify('{CHANGED_CHANNEL}', id) AS notified FROM done"
)


def _outcome(state: JobState, result: Any, error: JobError | None, seconds: float | None) -> dict[str, Any]:
    return {"state": state.value, "result": None if result is None else Json(result),
            "error": _error_json(error), "seconds": seconds}


def _changed(db: Connection[Any], job_id: str) -> None:
    db.execute("SELECT pg_notify(%s, %s)", (CHANGED_CHANNEL, job_id))


def _queued(db: Connection[Any]) -> None:
    db.execute("SELECT pg_notify(%s, '')", (QUEUED_CHANNEL,))


class PostgresJobStore:
    """Satisfies ``JobStore``. Safe to share between threads (a connection pool); one per process."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def close(self) -> None:
        self.db.close()

    # -- Submissions -------------------------------------------------------------------------
    def submit(self, job: NewJob) -> Job:
        # The id is made here, so a submit retried after a lost reply finds its job instead of adding one.
        job_id = str(uuid.uuid4())
        row = self.db.one(
            "INSERT INTO jobs (id, owner, app_id, endpoint_id, state, priority, input, created_at,"
            f" start_deadline, webhook_url, base_url) VALUES (%s,%s,%s,%s,'queued',%s,%s,{NOW},%s,%s,%s)"
            f" ON CONFLICT (id) DO NOTHING RETURNING *, pg_notify('{QUEUED_CHANNEL}', '') AS notified",
            (job_id, job.owner, job.app_id, job.endpoint_id, int(job.priority), Json(job.input),
             job.start_deadline, job.webhook_url, job.base_url),
        ) or self.db.one("SELECT * FROM jobs WHERE id = %s", (job_id,))
        assert row is not None
        return _job(row)

    def get(self, owner: str, job_id: str) -> Job:
        row = self.db.one("SELECT * FROM jobs WHERE id = %s AND owner = %s", (job_id, owner))
        if row is None:
            raise NotFound(f"Request {job_id!r} not found")
        return _job(row)

    def queue_position(self, job: Job) -> int:
        if job.state is not JobState.QUEUED:
            return 0
        row = self.db.one(POSITION, (job.id,))
        return int(row["n"]) if row else 0

    def logs(self, job_id: str, after: int = 0) -> list[LogLine]:
        return [LogLine(r["seq"], r["message"], r["level"], r["ts"])
                for r in self.db.query(LOGS, (job_id, after))]

    def events(self, job_id: str, after: int = 0) -> list[tuple[int, Any]]:
        return [(r["seq"], r["data"]) for r in self.db.query(EVENTS, (job_id, after))]

    def versions(self, job_ids: Sequence[str]) -> dict[str, Hashable]:
        rows = self.db.query(VERSIONS, (list(job_ids),)) if job_ids else []
        return {r["id"]: (r["state"], r["progress"], r["cancel_requested"], r["logs"], r["events"])
                for r in rows}

    def cancel(self, owner: str, job_id: str) -> Job:
        with self.db.transaction() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = %s AND owner = %s FOR UPDATE",
                             (job_id, owner)).fetchone()
            if row is None:
                raise NotFound(f"Request {job_id!r} not found")
            state = JobState(row["state"])
            if state.finished:
                raise AlreadyCompleted(f"Request {job_id!r} has already completed")
            if state is JobState.QUEUED:
                row = self._finish_row(db, job_id, JobState.CANCELLED, None, CANCELLED_ERROR, None)
            else:
                row = db.execute("UPDATE jobs SET cancel_requested = true WHERE id = %s RETURNING *",
                                 (job_id,)).fetchone()
                _changed(db, job_id)
        assert row is not None
        return _job(row)

    # -- WorkQueue ---------------------------------------------------------------------------
    def claim(self, worker_id: str, limits: Mapping[str, int | None], lease_seconds: float) -> Claim | None:
        if not limits:
            return None
        args = {"apps": list(limits), "caps": list(limits.values()), "worker": worker_id,
                "lease": lease_seconds, "locked": False}
        row = self.db.one(CLAIM, args)  # the common case: one statement, one round trip
        if row is not None and row["id"] is None:  # the next job's app has a limit: claim under its lock
            with self.db.transaction() as db:
                for app in sorted(a for a, lim in limits.items() if lim is not None):
                    db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (app,))
                row = db.execute(CLAIM, {**args, "locked": True}).fetchone()
        if row is None or row["id"] is None:
            return None
        return Claim(job=_job(row), worker_id=worker_id, lease_expires=row["lease_expires"])

    def renew(self, claim: Claim, lease_seconds: float) -> bool | None:
        row = self.db.one(
            f"UPDATE jobs SET lease_expires = {NOW} + %s WHERE id = %s AND lease_owner = %s"
            " AND state = 'running'"
            " RETURNING cancel_requested", (lease_seconds, claim.job.id, claim.worker_id))
        return None if row is None else bool(row["cancel_requested"])

    def record(self, claim: Claim, *, log: tuple[str, str] | None = None, progress: float | None = None,
               event: Any = None) -> None:
        # One statement: bumping the counters row-locks the job, so concurrent records number their lines
        # in turn.
        self.db.query(
            "WITH c AS (UPDATE jobs SET log_count = log_count + %(l)s, event_count = event_count + %(e)s,"
            "           progress = coalesce(%(p)s, progress) WHERE id = %(id)s"
            " RETURNING id, log_count, event_count),"
            " lg AS (INSERT INTO job_logs (job_id, seq, message, level, ts)"
            " SELECT id, log_count, %(msg)s, %(lvl)s,"
            f"        {NOW} FROM c WHERE %(l)s = 1),"
            " ev AS (INSERT INTO job_events (job_id, seq, data) SELECT id, event_count, %(data)s FROM c"
            " WHERE %(e)s = 1)"
            f" SELECT pg_notify('{CHANGED_CHANNEL}', id) AS notified FROM c",
            {"id": claim.job.id, "l": int(log is not None), "e": int(event is not None), "p": progress,
             "msg": log[0] if log else None, "lvl": log[1] if log else None,
             "data": None if event is None else Json(event)})

    def finish(self, claim: Claim, result: Any = None, error: JobError | None = None,
               inference_time: float | None = None) -> bool:
        if error is None:
            state = JobState.SUCCEEDED
        else:
            state = JobState.CANCELLED if error.error_type == CANCELLED_ERROR.error_type else JobState.FAILED
        done = self.db.one(
            FINISH.format(where="id = %(id)s AND lease_owner = %(worker)s AND state = 'running'"),
            {"id": claim.job.id, "worker": claim.worker_id, **_outcome(state, result, error, inference_time)})
        if done is not None:
            return True
        # Finished by this same lease already (lease_owner is kept): a retry after a lost reply, not
        # another run.
        held = self.db.one("SELECT state FROM jobs WHERE id = %s AND lease_owner = %s",
                           (claim.job.id, claim.worker_id))
        return held is not None and held["state"] == state.value

    def _finish_row(self, db: Connection[Any], job_id: str, state: JobState, result: Any,
                    error: JobError | None, inference_time: float | None) -> dict[str, Any]:
        row = db.execute(FINISH.format(where="id = %(id)s"),
                         {"id": job_id, **_outcome(state, result, error, inference_time)}).fetchone()
        assert row is not None
        return row

    def sweep(self, now: float, max_attempts: int) -> int:
        """``now`` is ignored: the database's clock decides, the same for every machine."""
        with self.db.transaction() as db:
            late = db.execute(f"SELECT id FROM jobs WHERE state = 'queued' AND start_deadline <= {NOW}"
                              " FOR UPDATE SKIP LOCKED").fetchall()
            for row in late:
                self._finish_row(db, row["id"], JobState.FAILED, None, START_TIMEOUT_ERROR, None)
            lost = db.execute("SELECT id, attempts FROM jobs WHERE state = 'running'"
                              f" AND lease_expires < {NOW}"
                              " FOR UPDATE SKIP LOCKED").fetchall()
            return len(late) + self._requeue(db, lost, max_attempts)

    def release_worker(self, worker_id: str, max_attempts: int | None = None) -> int:
        with self.db.transaction() as db:
            rows = db.execute("SELECT id, attempts FROM jobs WHERE state = 'running' AND lease_owner = %s"
                              " FOR UPDATE", (worker_id,)).fetchall()
            return self._requeue(db, rows, max_attempts or UNLIMITED)

    def _requeue(self, db: Connection[Any], rows: Sequence[Mapping[str, Any]], max_attempts: int) -> int:
        for row in rows:
            if row["attempts"] >= max_attempts:
                self._finish_row(db, row["id"], JobState.FAILED, None, WORKER_DIED_ERROR, None)
            else:
                db.execute("UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = NULL,"
                           " progress = NULL WHERE id = %s", (row["id"],))
                _changed(db, row["id"])
        if rows:
            _queued(db)
        return len(rows)

    # -- Outbox ------------------------------------------------------------------------------
    def due(self, now: float, limit: int = 20) -> Sequence[Delivery]:
        # Taking a delivery pushes its next_at out by a lease, so two API processes never send it twice.
        rows = self.db.query(
            "UPDATE deliveries SET next_at = %s WHERE job_id IN (SELECT job_id FROM deliveries"
            " WHERE done = 0 AND next_at <= %s ORDER BY next_at LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING *",
            (now + DELIVERY_LEASE_SECONDS, now, limit))
        return [Delivery(r["job_id"], r["owner"], r["url"], r["attempts"], r["next_at"]) for r in rows]

    def delivered(self, job_id: str) -> None:
        self.db.query("UPDATE deliveries SET done = 1, attempts = attempts + 1 WHERE job_id = %s RETURNING 1",
                      (job_id,))

    def retry_later(self, job_id: str, next_at: float | None, error: str) -> None:
        self.db.query(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = %s, next_at = coalesce(%s, next_at),"
            " done = CASE WHEN %s::double precision IS NULL THEN 2 ELSE 0 END WHERE job_id = %s RETURNING 1",
            (error, next_at, next_at, job_id))

    # -- Telemetry ---------------------------------------------------------------------------
    def heartbeat(self, worker_id: str, apps: Sequence[str]) -> None:
        self.db.query(
            f"INSERT INTO workers (id, apps, started_at, last_seen) VALUES (%s, %s, {NOW}, {NOW})"
            f" ON CONFLICT (id) DO UPDATE SET last_seen = {NOW}, apps = excluded.apps RETURNING 1",
            (worker_id, ",".join(apps)))

    def forget_worker(self, worker_id: str) -> None:
        self.db.query("DELETE FROM workers WHERE id = %s RETURNING 1", (worker_id,))

    def stats(self) -> StoreStats:
        rows = self.db.query(
            "SELECT app_id, state, count(*) AS n, count(inference_time) AS runs,"
            " coalesce(sum(inference_time), 0) AS seconds FROM jobs GROUP BY app_id, state"
            " ORDER BY app_id, state")
        workers = self.db.query("SELECT * FROM workers ORDER BY id")
        return StoreStats(apps=app_stats(rows), workers=tuple(
            WorkerBeat(w["id"], tuple(filter(None, w["apps"].split(","))), w["started_at"], w["last_seen"])
            for w in workers))

    def ping(self) -> None:
        self.db.one("SELECT 1")



class PgBell:
    """Satisfies ``doorbell.Bell``: ``submit`` notifies in its own transaction, so ringing is a no-op, and
    an idle worker (on any machine) listens on ``QUEUED_CHANNEL``."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def ring(self) -> None:
        return None

    def listen(self, name: str) -> PgListener:
        return self.db.listener(QUEUED_CHANNEL)

