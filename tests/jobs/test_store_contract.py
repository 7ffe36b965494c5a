"""The JobStore contract (soundstage/jobs/store.py), written once and run against every backend."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from soundstage.errors import AlreadyCompleted, NotFound
from soundstage.jobs.models import JobError, JobState, NewJob, Priority
from soundstage.jobs.sqlite import SQLiteJobStore
from soundstage.jobs.store import JobStore

APP = "acme/app"
LIMITS: dict[str, int | None] = {APP: None}


def new(owner: str = "alice", priority: Priority = Priority.NORMAL, **kw: object) -> NewJob:
    return NewJob(owner=owner, app_id=APP, endpoint_id=APP, input={"n": 1}, priority=priority, **kw)  # type: ignore[arg-type]


class StoreContract:
    @pytest.fixture
    def store(self, tmp_path: Path) -> JobStore:
        raise NotImplementedError

    def test_submit_is_queued_and_owner_scoped(self, store: JobStore) -> None:
        job = store.submit(new())
        assert store.get("alice", job.id).state is JobState.QUEUED
        with pytest.raises(NotFound):
            store.get("bob", job.id)

    def test_priority_then_submit_order(self, store: JobStore) -> None:
        low = store.submit(new(priority=Priority.LOW))
        first = store.submit(new())
        second = store.submit(new())
        assert store.queue_position(store.get("alice", second.id)) == 1
        assert store.queue_position(store.get("alice", low.id)) == 2
        order = [store.claim("w", LIMITS, 10) for _ in range(3)]
        assert [c.job.id for c in order if c] == [first.id, second.id, low.id]

    def test_each_job_is_claimed_once_under_contention(self, store: JobStore) -> None:
        ids = {store.submit(new()).id for _ in range(40)}
        claimed: list[str] = []
        lock = threading.Lock()

        def grab(worker: str) -> None:
            while (claim := store.claim(worker, LIMITS, 10)) is not None:
                with lock:
                    claimed.append(claim.job.id)

        threads = [threading.Thread(target=grab, args=(f"w{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(claimed) == sorted(ids)

    def test_per_app_concurrency_limit(self, store: JobStore) -> None:
        store.submit(new())
        store.submit(new())
        assert store.claim("w1", {APP: 1}, 10) is not None
        assert store.claim("w2", {APP: 1}, 10) is None
        assert store.claim("w2", {APP: 2}, 10) is not None

    def test_expired_lease_is_requeued_then_fails_after_max_attempts(self, store: JobStore) -> None:
        job = store.submit(new())
        for attempt in range(1, 3):
            claim = store.claim("w", LIMITS, 0.01)
            assert claim is not None and claim.job.attempts == attempt
            time.sleep(0.02)
            store.sweep(time.time(), max_attempts=2)
        final = store.get("alice", job.id)
        assert final.state is JobState.FAILED and final.error is not None
        assert final.error.error_type == "runner_disconnected"

    def test_finish_needs_the_lease(self, store: JobStore) -> None:
        store.submit(new())
        stale = store.claim("w1", LIMITS, 0.01)
        assert stale is not None
        time.sleep(0.02)
        store.sweep(time.time(), max_attempts=5)
        fresh = store.claim("w2", LIMITS, 10)
        assert fresh is not None and fresh.job.id == stale.job.id
        assert store.renew(stale, 10) is None
        assert store.finish(stale, {"late": True}) is False
        assert store.finish(fresh, {"ok": True}) is True
        assert store.get("alice", fresh.job.id).result == {"ok": True}

    def test_cancel_queued_running_and_finished(self, store: JobStore) -> None:
        queued = store.submit(new())
        assert store.cancel("alice", queued.id).state is JobState.CANCELLED
        running = store.submit(new())
        claim = store.claim("w", LIMITS, 10)
        assert claim is not None and claim.job.id == running.id
        assert store.cancel("alice", running.id).cancel_requested
        assert store.renew(claim, 10) is True
        store.finish(claim, error=JobError(499, "Request cancelled", "cancelled"))
        assert store.get("alice", running.id).state is JobState.CANCELLED
        with pytest.raises(AlreadyCompleted):
            store.cancel("alice", running.id)
        with pytest.raises(NotFound):
            store.cancel("bob", running.id)

    def test_start_deadline(self, store: JobStore) -> None:
        job = store.submit(new(start_deadline=time.time() - 1))
        assert store.claim("w", LIMITS, 10) is None
        store.sweep(time.time(), max_attempts=3)
        final = store.get("alice", job.id)
        assert final.state is JobState.FAILED and final.error is not None and final.error.status == 504

    def test_logs_progress_and_events(self, store: JobStore) -> None:
        store.submit(new())
        claim = store.claim("w", LIMITS, 10)
        assert claim is not None
        store.record(claim, log=("one", "INFO"), progress=0.5)
        store.record(claim, log=("two", "WARN"), event={"partial": 1})
        assert [(line.seq, line.message) for line in store.logs(claim.job.id)] == [(1, "one"), (2, "two")]
        assert [line.message for line in store.logs(claim.job.id, after=1)] == ["two"]
        assert store.get("alice", claim.job.id).progress == 0.5
        assert store.events(claim.job.id) == [(1, {"partial": 1})]

    def test_versions_change_with_state_progress_logs_and_events(self, store: JobStore) -> None:
        """What the SQLite change poller compares (issue 9): one call for many jobs, new tokens on changes."""
        watched, other = store.submit(new()), store.submit(new())
        seen = [store.versions([watched.id, other.id, "no-such-job"])]
        assert set(seen[0]) == {watched.id, other.id}
        claim = store.claim("w", LIMITS, 10)
        assert claim is not None and claim.job.id == watched.id
        seen.append(store.versions([watched.id]))
        for change in ({"progress": 0.5}, {"log": ("one", "INFO")}, {"event": {"partial": 1}}):
            store.record(claim, **change)  # type: ignore[arg-type]
            seen.append(store.versions([watched.id]))
        store.renew(claim, 10)  # a lease renewal is no change to a watcher
        assert store.versions([watched.id]) == seen[-1]
        store.cancel("alice", watched.id)
        seen.append(store.versions([watched.id]))
        tokens = [v[watched.id] for v in seen]
        assert len(set(tokens)) == len(tokens)
        assert store.versions([other.id]) == {other.id: seen[0][other.id]}
        assert store.versions([]) == {}

    def test_outbox_hands_each_delivery_to_one_taker(self, store: JobStore) -> None:
        store.submit(new(webhook_url="https://example.com/hook"))
        claim = store.claim("w", LIMITS, 10)
        assert claim is not None
        store.finish(claim, {"ok": True})
        now = time.time()
        first = store.due(now)
        assert [d.job_id for d in first] == [claim.job.id]
        assert store.due(now) == []  # leased to the first taker
        store.retry_later(claim.job.id, now, "HTTP 500")
        again = store.due(now)
        assert again[0].attempts == 1
        store.delivered(claim.job.id)
        assert store.due(now + 10_000) == []

    def test_release_worker(self, store: JobStore) -> None:
        job = store.submit(new())
        assert store.claim("dead", LIMITS, 60) is not None
        assert store.release_worker("dead") == 1
        assert store.get("alice", job.id).state is JobState.QUEUED


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> JobStore:
        return SQLiteJobStore(tmp_path / "jobs.db")

    def test_durable_across_reopen(self, tmp_path: Path) -> None:
        first = SQLiteJobStore(tmp_path / "jobs.db")
        job = first.submit(new())
        first.close()
        assert SQLiteJobStore(tmp_path / "jobs.db").get("alice", job.id).state is JobState.QUEUED
