"""Issue 9 (load: status p99 under 100 ms; review item 4): the API reaches the job store, the key store and
the doorbell only through ``AsyncJobs``, whose calls never run on the event loop's thread.

Structural rather than timed (a timed assertion is flaky on a shared machine): every call on the three is
recorded with whether its thread was running an event loop, while a real app serves the queue routes,
a status stream woken by the shared change poller, and the operations routes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from soundstage.api.app import create_app
from soundstage.jobs.aio import AsyncJobs, PollingFeed
from soundstage.services import Services, build
from soundstage.settings import Settings
from tests.support.apps import APPS
from tests.support.server import TEST_KEY, headers


def _on_a_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class Recorder:
    """Forwards every method call to ``inner`` and notes (name, called on an event loop's thread)."""

    def __init__(self, inner: object, calls: list[tuple[str, bool]]) -> None:
        self._inner, self._calls = inner, calls

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self._calls.append((f"{type(self._inner).__name__}.{name}", _on_a_loop()))
            return attr(*args, **kwargs)
        return call


def _recorded(svc: Services, calls: list[tuple[str, bool]]) -> Services:
    store: Any = Recorder(svc.store, calls)
    keys: Any = Recorder(svc.keys, calls)
    bell: Any = Recorder(svc.doorbell, calls)
    return dataclasses.replace(svc, store=store, keys=keys, doorbell=bell,
                               jobs=AsyncJobs(store, keys, PollingFeed()))


def _later(seconds: float, fn: Callable[[], object]) -> None:
    threading.Timer(seconds, fn).start()


def test_store_calls_from_the_api_never_run_on_the_event_loop(tmp_path: Path) -> None:
    svc = build(Settings.from_env(data_dir=tmp_path / "data", api_keys=(TEST_KEY,)), apps=APPS)
    calls: list[tuple[str, bool]] = []
    try:
        app = create_app(_recorded(svc, calls), deliver_webhooks=False)
        with TestClient(app, headers=headers()) as client:
            submitted = client.post("/queue/test/echo", json={"text": "hi"}).json()
            assert client.get(submitted["status_url"], params={"logs": 1}).status_code == 202
            # A stream on a queued job, cancelled behind the API's back: only the shared poller can see it.
            owner = svc.keys.owner_of(TEST_KEY)
            assert owner is not None
            _later(0.3, lambda: svc.store.cancel(owner, submitted["request_id"]))
            with client.stream("GET", f"{submitted['status_url']}/stream") as stream:
                events = [line for line in stream.iter_lines() if line.startswith("data:")]
            assert '"COMPLETED"' in events[-1]
            assert client.get(submitted["response_url"]).status_code >= 400  # cancelled
            other = client.post("/queue/test/echo", json={"text": "again"}).json()
            assert client.put(other["cancel_url"]).status_code == 202
            for path in ("/health", "/ready", "/metrics"):
                assert client.get(path).status_code == 200
    finally:
        svc.close()
    names = {name for name, _ in calls}
    assert {"SQLiteJobStore.submit", "SQLiteJobStore.versions", "SQLiteJobStore.cancel", "KeyStore.owner_of",
            "Doorbell.ring", "SQLiteJobStore.stats", "SQLiteJobStore.ping"} <= names
    assert [name for name, on_loop in calls if on_loop] == []
