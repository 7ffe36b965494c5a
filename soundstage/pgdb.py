"""A PostgreSQL database shared by an API tier and workers on many machines: a psycopg 3 pool, versioned
migrations, and LISTEN connections for wake-ups.

Kept free of domain logic, like ``sqlitedb``: the stores bring their queries; the schema lives here because
migrations are one ordered history for the whole database (jobs, keys, worker heartbeats).

Errors: a lost or unreachable server raises ``StoreUnavailable`` (HTTP 503), chained to the driver's error.
Pooled connections are not checked when taken (that would cost a round trip per query): a single statement
(``query``/``one``) that finds its connection closed by a server restart purges the pool's dead connections
and runs once more on a live one; a ``transaction()`` raises, and its caller retries or answers 503.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from soundstage.errors import StoreUnavailable

__all__ = ["MIGRATIONS", "Migration", "PgDatabase", "PgListener", "is_postgres_url"]

log = logging.getLogger("soundstage.pgdb")

POOL_TIMEOUT_SECONDS = 10.0  # waiting for a connection longer than this means the server is gone
CONNECT_TIMEOUT_SECONDS = 5
T = TypeVar("T")
MIGRATION_LOCK = 0x50554E44  # pg_advisory lock key: one process migrates at a time


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "jobs, logs, events, webhook outbox, API keys, worker heartbeats", """
CREATE TABLE jobs (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  owner text NOT NULL,
  app_id text NOT NULL,
  endpoint_id text NOT NULL,
  state text NOT NULL,
  priority integer NOT NULL,
  input json NOT NULL,
  created_at double precision NOT NULL,
  started_at double precision,
  finished_at double precision,
  start_deadline double precision,
  attempts integer NOT NULL DEFAULT 0,
  cancel_requested boolean NOT NULL DEFAULT false,
  lease_owner text,
  lease_expires double precision,
  result json,
  error text,
  inference_time double precision,
  progress double precision,
  webhook_url text,
  base_url text NOT NULL DEFAULT '',
  log_count integer NOT NULL DEFAULT 0,
  event_count integer NOT NULL DEFAULT 0
);
CREATE INDEX jobs_queued_order ON jobs (priority, seq) WHERE state = 'queued';
CREATE INDEX jobs_queued_app ON jobs (app_id, priority, seq) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (lease_expires) WHERE state = 'running';
CREATE INDEX jobs_deadline ON jobs (start_deadline) WHERE state = 'queued' AND start_deadline IS NOT NULL;
CREATE TABLE job_logs (
  job_id text NOT NULL, seq integer NOT NULL, message text NOT NULL, level text NOT NULL,
  ts double precision NOT NULL, PRIMARY KEY (job_id, seq)
);
CREATE TABLE job_events (
  job_id text NOT NULL, seq integer NOT NULL, data json NOT NULL, PRIMARY KEY (job_id, seq)
);
CREATE TABLE deliveries (
  job_id text PRIMARY KEY, owner text NOT NULL, url text NOT NULL, attempts integer NOT NULL DEFAULT 0,
  next_at double precision NOT NULL, done integer NOT NULL DEFAULT 0, last_error text
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE done = 0;
CREATE TABLE api_keys (
  id text PRIMARY KEY, digest text NOT NULL UNIQUE, name text NOT NULL,
  created_at double precision NOT NULL, revoked_at double precision
);
CREATE TABLE workers (
  id text PRIMARY KEY, apps text NOT NULL, started_at double precision NOT NULL,
  last_seen double precision NOT NULL
);
"""),
)


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


class _Stale(Exception):
    """A pooled connection the server had closed (a restart): the statement never ran."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _unavailable(e: Exception) -> StoreUnavailable:
    return StoreUnavailable(f"The job store (PostgreSQL) is unavailable: {type(e).__name__}: {e}".strip())


class PgDatabase:
    """A pool of autocommit connections; ``transaction()`` for atomic work, ``query``/``one`` for reads."""

    def __init__(self, url: str, max_size: int = 8, name: str = "soundstage") -> None:
        self.url = url
        self.pool = ConnectionPool(
            url, min_size=1, max_size=max_size, name=name, open=False, timeout=POOL_TIMEOUT_SECONDS,
            kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                    "application_name": name},
        )
        self.pool.open(wait=False)

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        conn: psycopg.Connection[Any] | None = None
        try:
            with self.pool.connection() as conn:
                yield conn
        except PoolTimeout as e:
            raise _unavailable(e) from e
        except psycopg.OperationalError as e:
            if conn is not None and (conn.closed or conn.broken):
                self.pool.check()  # a restart closed them all: replace every dead one at once
                raise _Stale(e) from e
            raise _unavailable(e) from e

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._connection() as conn, conn.transaction():
                yield conn
        except _Stale as e:
            raise _unavailable(e.cause) from e.cause

    def _statement(self, sql: str, args: Any, fetch: Callable[[psycopg.Cursor[Any]], T]) -> T:
        """One statement (atomic on its own, in autocommit), run again once if its connection was dead."""
        for attempt in (1, 2):
            try:
                with self._connection() as conn:
                    return fetch(conn.execute(sql, args))
            except _Stale as e:
                if attempt == 2:
                    raise _unavailable(e.cause) from e.cause
        raise AssertionError("unreachable")

    def query(self, sql: str, args: Any = ()) -> list[dict[str, Any]]:
        return self._statement(sql, args, lambda cur: cur.fetchall())

    def one(self, sql: str, args: Any = ()) -> dict[str, Any] | None:
        return self._statement(sql, args, lambda cur: cur.fetchone())

    def version(self) -> int:
        """The schema version applied (0: none)."""
        row = self.one("SELECT to_regclass('soundstage_migrations') AS t")
        if row is None or row["t"] is None:
            return 0
        latest = self.one("SELECT coalesce(max(version), 0) AS v FROM soundstage_migrations")
        return int(latest["v"]) if latest else 0

    def upgrade(self) -> list[Migration]:
        """Apply the migrations not yet applied, in order, each in its own transaction. Idempotent, and safe
        when several processes start at once (an advisory lock makes them take turns)."""
        applied: list[Migration] = []
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS soundstage_migrations (version integer PRIMARY KEY,"
                         " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
            done = {r["version"]
                    for r in conn.execute("SELECT version FROM soundstage_migrations").fetchall()}
            for migration in MIGRATIONS:
                if migration.version in done:
                    continue
                conn.execute(migration.sql.encode())
                conn.execute("INSERT INTO soundstage_migrations (version, name) VALUES (%s, %s)",
                             (migration.version, migration.name))
                applied.append(migration)
                log.info("applied migration %d: %s", migration.version, migration.name)
        return applied

    def listener(self, channel: str) -> PgListener:
        return PgListener(self.url, channel)

    def close(self) -> None:
        self.pool.close()


class PgListener:
    """A connection of its own that LISTENs on one channel; ``wait`` returns when notified or timed out.

    It reconnects by itself after a server restart: a lost notification costs at most one poll interval,
    since workers poll the store anyway.
    """

    def __init__(self, url: str, channel: str) -> None:
        self.url, self.channel = url, channel
        self._conn: psycopg.Connection[Any] | None = None

    def _connect(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                   application_name="soundstage-listen")
            conn.execute(f'LISTEN "{self.channel}"')
            self._conn = conn
        return self._conn

    def wait(self, timeout: float) -> bool:
        """Block until notified or ``timeout`` seconds pass; True if notified."""
        try:
            conn = self._connect()
            for _ in conn.notifies(timeout=timeout, stop_after=1):
                return True
            return False
        except psycopg.OperationalError as e:
            log.warning("LISTEN %s: %s; reconnecting", self.channel, e)
            self.close()
            time.sleep(timeout)
            return False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
