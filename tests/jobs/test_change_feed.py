"""The SQLite change feed (issue 9, review item 4): one poller for every watcher, instead of each status
stream polling the store every 50 ms; it wakes exactly the watchers of the jobs that changed."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping, Sequence

from soundstage.jobs.aio import PollingFeed

INTERVAL = 0.01


class Versions:
    """A fake store's ``versions``: the test bumps a job's token; every look is recorded."""

    def __init__(self) -> None:
        self.tokens: dict[str, int] = {}
        self.looks: list[list[str]] = []

    async def __call__(self, job_ids: Sequence[str]) -> Mapping[str, Hashable]:
        self.looks.append(sorted(job_ids))
        return {j: self.tokens.get(j, 0) for j in job_ids}


async def _woken(feed: PollingFeed, versions: Versions) -> None:
    async with feed.watch("a") as a1, feed.watch("a") as a2, feed.watch("b") as b:
        # A job's first look wakes its watchers once: a change may fall before it.
        assert await a1.wait(1.0) and await a2.wait(1.0) and await b.wait(1.0)
        looks = len(versions.looks)
        assert not await b.wait(5 * INTERVAL)  # nothing changed: nobody is woken
        assert len(versions.looks) > looks
        assert all(look == ["a", "b"] for look in versions.looks)  # one look covers every watched job
        versions.tokens["a"] = 1
        assert await a1.wait(1.0) and await a2.wait(1.0)
        assert not await b.wait(5 * INTERVAL)
    await asyncio.sleep(5 * INTERVAL)
    looks = len(versions.looks)
    await asyncio.sleep(5 * INTERVAL)
    assert len(versions.looks) == looks  # no watchers: no looks


def test_one_poller_wakes_only_the_watchers_of_changed_jobs() -> None:
    async def main() -> None:
        feed, versions = PollingFeed(INTERVAL), Versions()
        await feed.start(versions)
        try:
            await _woken(feed, versions)
        finally:
            await feed.stop()

    asyncio.run(main())
