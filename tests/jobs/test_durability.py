"""kill -9 the server (with its workers) or one worker mid-run: every job completes, exactly once."""

from __future__ import annotations

import collections
import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.jobs.test_webhooks import Receiver
from tests.support.server import Server, headers

pytestmark = pytest.mark.slow

BATCH = 16  # 2 workers x 0.4 s each: the batch takes ~3 s, so a kill lands mid-run


def _submit_batch(srv: Server, receiver: Receiver, seconds: float) -> list[str]:
    ids = []
    for i in range(BATCH):
        r = httpx.post(f"{srv.url}/queue/test/sleep", params={"fal_webhook": receiver.url},
                       json={"seconds": seconds, "steps": 4}, headers=headers())
        assert r.status_code == 200
        ids.append(r.json()["request_id"])
    return ids


def _wait_running(srv: Server, ids: list[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        states = [httpx.get(f"{srv.url}/queue/test/sleep/requests/{i}/status",
                            headers=headers()).json()["status"]
                  for i in ids]
        if "IN_PROGRESS" in states:
            return
        time.sleep(0.05)
    raise AssertionError("no job started")


def _wait_all(srv: Server, ids: list[str], timeout: float = 90) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    pending = set(ids)
    while pending and time.monotonic() < deadline:
        for i in list(pending):
            if httpx.get(f"{srv.url}/queue/test/sleep/requests/{i}/status",
                         headers=headers()).json()["status"] == "COMPLETED":
                pending.discard(i)
        time.sleep(0.1)
    assert not pending, f"{len(pending)} jobs never completed"
    return [httpx.get(f"{srv.url}/queue/test/sleep/requests/{i}", headers=headers()).json() for i in ids]


def _delivered_once(receiver: Receiver, ids: list[str]) -> None:
    deadline = time.monotonic() + 20
    while len(receiver.calls) < len(ids) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    counts = collections.Counter(json.loads(body)["request_id"] for _, body in receiver.calls)
    assert set(counts) == set(ids)
    assert max(counts.values()) == 1, "a job was reported twice"


def test_kill_9_of_server_and_workers_loses_nothing(tmp_path: Path) -> None:
    receiver = Receiver(failures=0)
    env = {"SOUNDSTAGE_ALLOW_PRIVATE_URLS": "true", "SOUNDSTAGE_WEBHOOK_BASE_DELAY_SECONDS": "0.2"}
    srv = Server(tmp_path / "data", workers=2, env=env).start()
    ids = _submit_batch(srv, receiver, seconds=0.4)
    _wait_running(srv, ids)
    assert srv.proc is not None
    os.killpg(srv.proc.pid, signal.SIGKILL)  # the server and every worker, no goodbyes
    srv.proc.wait()
    restarted = Server(tmp_path / "data", workers=2, env=env)
    restarted.port = srv.port
    with restarted:
        results = _wait_all(restarted, ids)
        assert all(r.get("slept") == 0.4 for r in results), results
        _delivered_once(receiver, ids)
    receiver.httpd.shutdown()


def test_kill_9_of_one_worker_requeues_its_job(tmp_path: Path) -> None:
    receiver = Receiver(failures=0)
    env = {"SOUNDSTAGE_ALLOW_PRIVATE_URLS": "true", "SOUNDSTAGE_WEBHOOK_BASE_DELAY_SECONDS": "0.2"}
    with Server(tmp_path / "data", workers=2, env=env) as srv:
        ids = _submit_batch(srv, receiver, seconds=0.4)
        _wait_running(srv, ids)
        victim = srv.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        results = _wait_all(srv, ids)
        assert all(r.get("slept") == 0.4 for r in results), results
        assert victim not in srv.worker_pids() and len(srv.worker_pids()) == 2  # replaced
        _delivered_once(receiver, ids)
    receiver.httpd.shutdown()


def test_a_job_that_kills_every_worker_fails_instead_of_looping(tmp_path: Path) -> None:
    with Server(tmp_path / "data", workers=1) as srv:
        sub = httpx.post(f"{srv.url}/queue/test/sleep", json={"seconds": 0.2, "crash": True},
                         headers=headers()).json()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = httpx.get(sub["status_url"], headers=headers()).json()
            if status["status"] == "COMPLETED":
                break
            time.sleep(0.1)
        assert status["error_type"] == "runner_disconnected"
        ok = httpx.post(f"{srv.url}/run/test/echo", json={"text": "still alive"}, headers=headers(),
                        timeout=30)
        assert ok.json()["text"] == "still alive"
