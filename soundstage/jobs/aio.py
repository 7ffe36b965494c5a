"""The API's one async boundary over the job store (review item 4).

Every store call from an event loop goes through ``AsyncJobs``: the blocking call runs on the facade's own
threads (reads and writes apart, so a status read never queues behind writers waiting for SQLite's write
lock), and the loop only awaits it. Waiting for a job to change goes through a ``ChangeFeed``: on PostgreSQL a
``LISTEN`` connection wakes exactly the watchers of the job that changed; on SQLite (workers in other
processes, no notifications) one poller looks at every watched job at once and wakes the watchers of those
that changed, so 200 status streams cost one query per poll, not 200 (issue 9: status p99 under load).

Key lookups are cached only where the store announces revocations (PostgreSQL: a notification on
``KEYS_CHANNEL`` clears every API process's cache, as does a lost listening connection); on SQLite, where
``soundstage keys revoke`` runs in another process with no way to tell, every request looks its key up.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from soundstage.errors import SoundstageError
from soundstage.jobs.doorbell import Bell
from soundstage.jobs.models import Delivery, Job, LogLine, NewJob, StoreStats
from soundstage.jobs.store import JobStore
from soundstage.keys import Keys

__all__ = ["AsyncJobs", "ChangeFeed", "Look", "PgChangeFeed", "PollingFeed", "Snapshot", "Watch"]

log = logging.getLogger("soundstage.jobs")

T = TypeVar("T")
POLL_SECONDS = 0.05  # SQLite: how often the poller looks at the watched jobs
# Store reads in flight at once per API process: as many as the PostgreSQL pool has connections. More threads
# only queue on the pool and fight over the GIL (measured: 8 threads serve status 1.2-1.7x faster than 32, and
# faster than psycopg's async pool on the event loop).
THREADS = 8
# Writes (submit, cancel, the outbox) on threads of their own: SQLite takes one writer at a time, and a status
# read must not wait behind a burst of submissions queued for the write lock (issue 9).
WRITE_THREADS = 2
RECONNECT_SECONDS = 1.0
KEY_CACHE_SECONDS = 60.0  # a bound, should a notification be lost without the connection dropping
KEY_CACHE_SIZE = 10_000


class Watch(Protocol):
    async def wait(self, timeout: float) -> bool:
        """Return when the job may have changed (True) or after ``timeout`` seconds (False)."""
        ...


Look = Callable[[Sequence[str]], Awaitable[Mapping[str, Hashable]]]
"""The store's ``versions`` of some jobs, awaited (``AsyncJobs.versions``): what a polling feed compares."""


class ChangeFeed(Protocol):
    announces_key_changes: bool
    """Whether ``on_key_change`` callbacks run whenever an API key changes (so lookups may be cached)."""

    def watch(self, job_id: str) -> contextlib.AbstractAsyncContextManager[Watch]: ...
    def on_key_change(self, callback: Callable[[], None]) -> None: ...
    async def start(self, look: Look) -> None:
        """Begin (on the running loop); a feed without notifications polls the store through ``look``."""
        ...

    async def stop(self) -> None: ...


class _Flag:
    def __init__(self) -> None:
        self.event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.event.wait(), timeout)
        fired = self.event.is_set()
        self.event.clear()
        return fired


class _Watchers:
    """The watchers of each job, woken by a feed (on the event loop only)."""

    def __init__(self) -> None:
        self.flags: dict[str, set[_Flag]] = {}

    @contextlib.asynccontextmanager
    async def watch(self, job_id: str) -> AsyncIterator[Watch]:
        flag = _Flag()
        self.flags.setdefault(job_id, set()).add(flag)
        try:
            yield flag
        finally:
            flags = self.flags.get(job_id, set())
            flags.discard(flag)
            if not flags:
                self.flags.pop(job_id, None)

    def wake(self, job_id: str | None) -> None:
        """The watchers of ``job_id``, or every watcher (None)."""
        groups = self.flags.values() if job_id is None else [self.flags.get(job_id, set())]
        for flags in groups:
            for flag in flags:
                flag.event.set()


class PollingFeed:
    """No notifications (SQLite): one task looks at the versions of every watched job each ``interval``, in
    one store call, and wakes the watchers of the jobs whose version changed.

    A job seen for the first time wakes its watchers once (its change may fall between the watcher's own
    read and this first look); a failed look is logged and tried again, the watchers recheck on their own.
    """

    announces_key_changes = False

    def __init__(self, interval: float = POLL_SECONDS) -> None:
        self.interval = interval
        self._watchers = _Watchers()
        self._seen: dict[str, Hashable] = {}
        self._task: asyncio.Task[None] | None = None

    def on_key_change(self, callback: Callable[[], None]) -> None:
        return None

    def watch(self, job_id: str) -> contextlib.AbstractAsyncContextManager[Watch]:
        return self._watchers.watch(job_id)

    async def start(self, look: Look) -> None:
        self._task = asyncio.create_task(self._poll(look))

    async def stop(self) -> None:
        await _cancel(self._task)

    async def _poll(self, look: Look) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if not self._watchers.flags:
                self._seen.clear()
                continue
            try:
                await self._look_once(look)
            except SoundstageError as e:  # the store is away: the watchers' own rechecks report it
                log.warning("change poller: %s", e)

    async def _look_once(self, look: Look) -> None:
        ids = list(self._watchers.flags)
        versions = await look(ids)
        seen = {}
        for job_id in ids:
            version = versions.get(job_id)
            if job_id not in self._seen or self._seen[job_id] != version:
                self._watchers.wake(job_id)
            seen[job_id] = version
        self._seen = seen


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class PgChangeFeed:
    """One ``LISTEN`` connection per API process, dispatching each job's notifications to its watchers.

    A lost connection is re-opened; every watcher is then woken, since notifications sent meanwhile are lost.
    """

    announces_key_changes = True

    def __init__(self, url: str, channel: str, keys_channel: str) -> None:
        self.url, self.channel, self.keys_channel = url, channel, keys_channel
        self._watchers = _Watchers()
        self._task: asyncio.Task[None] | None = None
        self._key_callbacks: list[Callable[[], None]] = []

    def on_key_change(self, callback: Callable[[], None]) -> None:
        self._key_callbacks.append(callback)

    def _lost(self) -> None:
        """Notifications may have been missed: every watcher looks again, every cached key is dropped."""
        self._watchers.wake(None)
        for callback in self._key_callbacks:
            callback()

    def watch(self, job_id: str) -> contextlib.AbstractAsyncContextManager[Watch]:
        return self._watchers.watch(job_id)

    async def start(self, look: Look) -> None:
        self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        await _cancel(self._task)

    async def _listen(self) -> None:
        import psycopg

        while True:
            try:
                connect = psycopg.AsyncConnection.connect(self.url, autocommit=True,
                                                          application_name="soundstage-changes")
                async with await connect as conn:
                    await conn.execute(f'LISTEN "{self.channel}"')
                    await conn.execute(f'LISTEN "{self.keys_channel}"')
                    self._lost()
                    async for note in conn.notifies():
                        if note.channel == self.keys_channel:
                            for callback in self._key_callbacks:
                                callback()
                        else:
                            self._watchers.wake(note.payload)
            except psycopg.Error as e:
                log.warning("change feed: %s; listening again in %.0f s", e, RECONNECT_SECONDS)
                self._lost()
                await asyncio.sleep(RECONNECT_SECONDS)


@dataclass(frozen=True)
class Snapshot:
    job: Job
    position: int
    logs: list[LogLine] | None


class _Lane:
    """A named pool of threads, started on first use and shut down with the API (never the loop's default
    executor, which anything may fill). Its threads keep their SQLite connections for the process's life."""

    def __init__(self, name: str, threads: int) -> None:
        self.name, self.threads = name, threads
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix=f"soundstage-{self.name}")
        call = functools.partial(fn, *args) if args else fn
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    async def close(self) -> None:
        """Waits (off the loop) for the calls still running, so the store can be closed after."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(functools.partial(pool.shutdown, wait=True, cancel_futures=True))


class AsyncJobs:
    """The store's calls, awaitable; built in ``services.py``, used by every API handler.

    No store or key call made through it runs on the event loop's thread (tests/api/test_async_boundary.py).
    """

    def __init__(self, store: JobStore, keys: Keys, feed: ChangeFeed, threads: int = THREADS) -> None:
        self.store, self.keys, self.feed = store, keys, feed
        self._owners: dict[str, tuple[float, str | None]] = {}
        feed.on_key_change(self._owners.clear)
        self._reads, self._writes = _Lane("read", threads), _Lane("write", WRITE_THREADS)
        self._other = _Lane("other", threads)

    async def start(self) -> None:
        """In the API's lifespan: the change feed needs the running event loop."""
        await self.feed.start(self.versions)

    async def stop(self) -> None:
        await self.feed.stop()
        for lane in (self._reads, self._writes, self._other):
            await lane.close()

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._reads.run(fn, *args)

    async def _write(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._writes.run(fn, *args)

    async def submit(self, job: NewJob) -> Job:
        return await self._write(self.store.submit, job)

    async def enqueue(self, job: NewJob, bell: Bell) -> Snapshot:
        """Submit, ring ``bell`` (idle workers) and read the queue position: one thread hop, off the loop."""
        def write() -> Snapshot:
            new = self.store.submit(job)
            bell.ring()
            return Snapshot(new, self.store.queue_position(new), None)

        return await self._write(write)

    async def get(self, owner: str, job_id: str) -> Job:
        return await self._read(self.store.get, owner, job_id)

    async def queue_position(self, job: Job) -> int:
        return await self._read(self.store.queue_position, job)

    async def logs(self, job_id: str, after: int = 0) -> list[LogLine]:
        return await self._read(self.store.logs, job_id, after)

    async def events(self, job_id: str, after: int = 0) -> list[tuple[int, Any]]:
        return await self._read(self.store.events, job_id, after)

    async def versions(self, job_ids: Sequence[str]) -> Mapping[str, Hashable]:
        return await self._read(self.store.versions, job_ids)

    async def cancel(self, owner: str, job_id: str) -> Job:
        return await self._write(self.store.cancel, owner, job_id)

    async def snapshot(self, owner: str, job_id: str, logs_after: int | None = None) -> Snapshot:
        """A job with its queue position and (if asked) its log lines after ``logs_after``: one thread hop."""
        def read() -> Snapshot:
            job = self.store.get(owner, job_id)
            logs = None if logs_after is None else self.store.logs(job.id, logs_after)
            return Snapshot(job, self.store.queue_position(job), logs)

        return await self._read(read)

    def watch(self, job_id: str) -> contextlib.AbstractAsyncContextManager[Watch]:
        return self.feed.watch(job_id)

    async def owner_of(self, key: str) -> str | None:
        if not self.feed.announces_key_changes:
            return await self._read(self.keys.owner_of, key)
        now = time.monotonic()
        cached = self._owners.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        owner = await self._read(self.keys.owner_of, key)
        if len(self._owners) > KEY_CACHE_SIZE:
            self._owners.clear()
        self._owners[key] = (now + KEY_CACHE_SECONDS, owner)
        return owner

    # -- the webhook deliverer and operations --------------------------------------------------
    async def due(self, now: float) -> Sequence[Delivery]:
        return await self._write(self.store.due, now)

    async def delivered(self, job_id: str) -> None:
        await self._write(self.store.delivered, job_id)

    async def retry_later(self, job_id: str, next_at: float | None, error: str) -> None:
        await self._write(self.store.retry_later, job_id, next_at, error)

    async def stats(self) -> StoreStats:
        return await self._read(self.store.stats)

    async def ping(self) -> None:
        await self._read(self.store.ping)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Any other blocking call (storage, key management) on bounded threads of its own."""
        return await self._other.run(fn, *args)
