"""The JobStore contract on PostgreSQL, plus what only a network database has: migrations, LISTEN/NOTIFY
wake-ups, and a ``finish`` retried after its reply was lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from soundstage.jobs.models import JobState
from soundstage.jobs.postgres import CHANGED_CHANNEL, QUEUED_CHANNEL, PostgresJobStore
from soundstage.jobs.store import JobStore
from soundstage.pgdb import MIGRATIONS, PgDatabase
from tests.jobs.test_store_contract import LIMITS, StoreContract, new


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[PostgresJobStore]:
    db = PgDatabase(pg_url)
    db.upgrade()
    store = PostgresJobStore(db)
    yield store
    store.close()


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, pg_store: PostgresJobStore) -> JobStore:
        return pg_store


def test_migrations_are_versioned_and_idempotent(pg_url: str) -> None:
    first, second = PgDatabase(pg_url), PgDatabase(pg_url)
    results: list[int] = []
    threads = [threading.Thread(target=lambda db=db: results.append(len(db.upgrade())))
               for db in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, len(MIGRATIONS)]  # two processes starting at once: one migrates
    assert first.version() == MIGRATIONS[-1].version
    assert first.upgrade() == []
    first.close()
    second.close()


def test_submit_notifies_idle_workers_and_claims_notify_watchers(pg_store: PostgresJobStore) -> None:
    queued = pg_store.db.listener(QUEUED_CHANNEL)
    changed = pg_store.db.listener(CHANGED_CHANNEL)
    assert queued.wait(0.05) is False  # connects and listens
    changed.wait(0.01)
    started = time.perf_counter()
    threading.Timer(0.2, lambda: pg_store.submit(new())).start()
    assert queued.wait(5) is True
    assert time.perf_counter() - started < 1.0
    assert pg_store.claim("w", LIMITS, 10) is not None
    assert changed.wait(2) is True
    queued.close()
    changed.close()


def test_finish_retried_after_a_lost_reply_still_counts(pg_store: PostgresJobStore) -> None:
    job = pg_store.submit(new())
    claim = pg_store.claim("w", LIMITS, 10)
    assert claim is not None
    assert pg_store.finish(claim, {"ok": 1}) is True
    assert pg_store.finish(claim, {"ok": 1}) is True  # the same lease's second try: not someone else's run
    assert pg_store.get("alice", job.id).state is JobState.SUCCEEDED


def test_stats_and_heartbeats(pg_store: PostgresJobStore) -> None:
    pg_store.submit(new())
    claim = pg_store.claim("w1", LIMITS, 10)
    assert claim is not None
    pg_store.finish(claim, {"ok": 1}, inference_time=0.25)
    pg_store.submit(new())
    pg_store.heartbeat("w1", ["acme/app"])
    stats = pg_store.stats()
    (app,) = stats.apps
    assert dict(app.states) == {JobState.QUEUED: 1, JobState.SUCCEEDED: 1}
    assert (app.runs, app.run_seconds) == (1, 0.25)
    assert [w.id for w in stats.workers] == ["w1"] and stats.workers[0].apps == ("acme/app",)


def test_api_keys_live_in_the_same_database(pg_store: PostgresJobStore) -> None:
    from soundstage.keys import PostgresKeyStore

    keys = PostgresKeyStore(pg_store.db, static_keys=("static-secret",))
    key, secret = keys.create("studio")
    assert keys.owner_of(secret) == key.id and keys.count() == 1
    assert keys.owner_of("static-secret") is not None and keys.owner_of("nope") is None
    keys.revoke(key.id)
    assert keys.owner_of(secret) is None and [k.revoked_at is not None for k in keys.list()] == [True]
    row = pg_store.db.one("SELECT count(*) AS n FROM api_keys WHERE digest <> %s", (secret,))
    assert row is not None and row["n"] == 1  # stored as a digest, never in clear


def test_db_upgrade_command_is_idempotent(pg_url: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from soundstage.cli import main

    for _ in range(2):
        assert main(["db", "upgrade", "--database", pg_url, "--data-dir", str(tmp_path)]) == 0
    assert "schema is current (PostgreSQL)" in capsys.readouterr().out
    db = PgDatabase(pg_url)
    assert db.version() == MIGRATIONS[-1].version
    db.close()
