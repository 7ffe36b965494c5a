"""Scale-out benchmark (issue 13): PostgreSQL against SQLite on the same machine.

    python bench/scaleout.py            # prints a table; nothing is asserted

- no-op jobs per second with 1, 2 and 4 local workers: 600 jobs put into the store in one transaction,
  timed from the first start to the last finish in the store's own clock;
- submit-to-complete overhead, one job at a time with idle workers, two ways: server-side (created_at to
  finished_at minus the app's time) and client-side (``POST /run/test/noop``, the whole round trip);
- status requests per second on PostgreSQL (wrk when installed, else an asyncio httpx client).

PostgreSQL is a throwaway cluster (Debian's binaries, Unix socket, fsync off like the test cluster, so
these are CPU figures, not disk figures); objects stay local (storage plays no part in no-op jobs).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serving import OWNER, percentile, status_rps
from soundstage.jobs.postgres import PostgresJobStore
from soundstage.jobs.sqlite import SQLiteJobStore
from soundstage.jobs.store import JobStore
from soundstage.pgdb import PgDatabase
from tests.support.pg import PgCluster, fresh_database
from tests.support.server import Server, headers

THROUGHPUT_JOBS = 600
OVERHEAD_JOBS = 200


def bulk_submit(store: JobStore, count: int) -> list[str]:
    """``count`` queued no-op jobs in one transaction, so the workers find the whole batch at once (submitted
    one by one, the batch would measure the submitting process, not the workers)."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    now = time.time()
    if isinstance(store, PostgresJobStore):
        with store.db.transaction() as db:
            db.cursor().executemany(
                "INSERT INTO jobs (id, owner, app_id, endpoint_id, state, priority, input, created_at)"
                " VALUES (%s, %s, 'test/noop', 'test/noop', 'queued', 0, '{}', %s)",
                [(i, OWNER, now) for i in ids])
            db.execute("SELECT pg_notify('soundstage_queued', '')")
    else:
        assert isinstance(store, SQLiteJobStore)
        with store.db.write() as db:
            db.executemany("INSERT INTO jobs (id, owner, app_id, endpoint_id, state, priority, input,"
                           " created_at) VALUES (?, ?, 'test/noop', 'test/noop', 'queued', 0, '{}', ?)",
                           [(i, OWNER, now) for i in ids])
    return ids


def throughput(store: JobStore, count: int) -> float:
    """Jobs per second the running workers drain, from the first start to the last finish."""
    ids = bulk_submit(store, count)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not store.get(OWNER, ids[-1]).state.finished:
        time.sleep(0.2)
    time.sleep(1.0)  # the last few of other workers
    jobs = [store.get(OWNER, i) for i in ids]
    assert all(j.state.finished for j in jobs), "jobs left unfinished"
    first = min(j.started_at or 0.0 for j in jobs)
    last = max(j.finished_at or 0.0 for j in jobs)
    return count / (last - first)


def overhead(srv: Server, store: JobStore, count: int) -> tuple[list[float], list[float]]:
    """(server-side ms, client round-trip ms) per no-op job, one at a time."""
    server, client_ms = [], []
    with httpx.Client(headers=headers(), timeout=30) as client:
        for _ in range(count):
            started = time.perf_counter()
            r = client.post(f"{srv.url}/run/test/noop", json={})
            client_ms.append((time.perf_counter() - started) * 1000)
            job = store.get(OWNER, r.headers["x-fal-request-id"])
            assert job.finished_at is not None
            server.append((job.finished_at - job.created_at - (job.inference_time or 0.0)) * 1000)
            time.sleep(0.02)  # idle workers again
    return server, client_ms


def run_backend(name: str, env: dict[str, str], open_store: Callable[[Path], JobStore]) -> None:
    print(f"\n== {name}")
    for workers in (1, 2, 4):
        data = Path(tempfile.mkdtemp()) / "data"
        with Server(data, workers=workers, env=env) as srv:
            store = open_store(data)
            time.sleep(2.0 + workers)  # workers up and idle
            rate = throughput(store, THROUGHPUT_JOBS)
            print(f"  {workers} worker(s): {rate:,.0f} no-op jobs/s ({THROUGHPUT_JOBS} jobs)")
            if workers == 1:
                server, client = overhead(srv, store, OVERHEAD_JOBS)
                print(f"  overhead, 1 idle worker, n={OVERHEAD_JOBS}: server p50"
                      f" {statistics.median(server):.1f} ms p99 {percentile(server, 0.99):.1f} ms; /run round"
                      f" trip p50 {statistics.median(client):.1f} ms p99 {percentile(client, 0.99):.1f} ms"
                      " (target p50 < 20 ms)")
                sub = httpx.post(f"{srv.url}/queue/test/echo", json={"text": "x"}, headers=headers()).json()
                rps, how = status_rps(srv, sub["status_url"], seconds=8)
                print(f"  status requests/s: {rps:,.0f} ({how}; target >= 1,000)")
            store.close()


def main() -> None:
    run_backend("SQLite (embedded)", {"SOUNDSTAGE_LOG_LEVEL": "warning"},
                lambda data: SQLiteJobStore(data / "soundstage.db"))
    cluster = PgCluster().start()
    try:
        database = fresh_database(cluster.url)

        def postgres(_: Path) -> JobStore:
            return PostgresJobStore(PgDatabase(database))

        env = {"SOUNDSTAGE_LOG_LEVEL": "warning", "SOUNDSTAGE_DATABASE": database}
        run_backend("PostgreSQL (one database for the three runs)", env, postgres)
    finally:
        cluster.cleanup()


if __name__ == "__main__":
    main()
