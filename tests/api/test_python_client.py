"""The unmodified official Python client (fal-client 1.0.3) against a real server on loopback."""

from __future__ import annotations

import time
from pathlib import Path

import fal_client
import httpx
import pytest

import soundstage.falclient
from tests.support.server import TEST_KEY, Server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(server: Server) -> fal_client.SyncClient:
    soundstage.falclient.use_server(server.url)
    return fal_client.SyncClient(key=TEST_KEY)


def test_subscribe_streams_logs_and_returns_the_result(client: fal_client.SyncClient) -> None:
    updates: list[object] = []
    result = client.subscribe("test/sleep", arguments={"seconds": 0.6, "steps": 3}, with_logs=True,
                              on_queue_update=updates.append)
    assert result["slept"] == 0.6
    messages = [log["message"] for u in updates if isinstance(u, fal_client.InProgress)
                for log in u.logs or []]
    assert "step 1/3" in messages and "step 3/3" in messages


def test_submit_status_result(client: fal_client.SyncClient) -> None:
    handle = client.submit("test/echo", arguments={"text": "ab", "repeat": 2, "seed": 7})
    assert isinstance(handle.status(), (fal_client.Queued, fal_client.InProgress, fal_client.Completed))
    result = handle.get()
    assert result == {"text": "abab", "seed": 7, "random": pytest.approx(result["random"])}
    final = handle.status(with_logs=True)
    assert isinstance(final, fal_client.Completed) and final.error is None
    assert final.metrics["inference_time"] > 0
    assert [log["message"] for log in final.logs] == ["echoing 2 characters"]


def test_same_seed_same_random_stream(client: fal_client.SyncClient) -> None:
    a = client.run("test/echo", arguments={"text": "x", "seed": 42})
    b = client.run("test/echo", arguments={"text": "x", "seed": 42})
    assert a["random"] == b["random"]


def test_alias_and_subpath_reach_the_same_app(client: fal_client.SyncClient) -> None:
    assert client.run("test/echo-alias", arguments={"text": "a"})["text"] == "a"
    handle = client.submit("test/echo/sub/path", arguments={"text": "b"})
    assert "/sub/path" not in handle.status_url
    assert handle.get()["text"] == "b"


def test_cancel_a_queued_job(client: fal_client.SyncClient) -> None:
    blocker = client.submit("test/single", arguments={"seconds": 3, "steps": 30})
    queued = client.submit("test/single", arguments={"seconds": 0.1})
    status = queued.status()
    assert isinstance(status, fal_client.Queued) and status.position >= 0
    queued.cancel()
    final = queued.status()
    assert isinstance(final, fal_client.Completed) and final.error == "Request cancelled"
    with pytest.raises(fal_client.client.FalClientHTTPError) as err:
        queued.get()
    assert "Request cancelled" in str(err.value)
    blocker.cancel()


def test_cancel_a_running_job_removes_its_partial_file(client: fal_client.SyncClient) -> None:
    handle = client.submit("test/sleep", arguments={"seconds": 10, "steps": 100, "write_file": True})
    partial_url = None
    deadline = time.monotonic() + 20
    while partial_url is None and time.monotonic() < deadline:
        status = handle.status(with_logs=True)
        for log in getattr(status, "logs", None) or []:
            if log["message"].startswith("wrote "):
                partial_url = log["message"][len("wrote "):]
        time.sleep(0.05)
    assert partial_url and httpx.get(partial_url).status_code == 200
    handle.cancel()
    started = time.monotonic()
    while not isinstance(status := handle.status(), fal_client.Completed):
        time.sleep(0.05)
    assert status.error == "Request cancelled"
    assert time.monotonic() - started < 5
    assert httpx.get(partial_url).status_code == 404
    with pytest.raises(fal_client.client.FalClientHTTPError) as err:
        handle.cancel()
    assert err.value.status_code == 400


def test_a_failed_job_raises_with_the_apps_error(client: fal_client.SyncClient) -> None:
    handle = client.submit("test/sleep", arguments={"seconds": 0, "fail": True})
    with pytest.raises(fal_client.client.FalClientHTTPError) as err:
        handle.get()
    assert err.value.status_code == 422
    assert isinstance(handle.status(), fal_client.Completed)


def test_validation_error_is_a_422_naming_field_value_and_limit(client: fal_client.SyncClient) -> None:
    with pytest.raises(fal_client.client.FalClientHTTPError) as err:
        client.submit("test/echo", arguments={"text": "a", "repeat": 9})
    assert err.value.status_code == 422
    detail = err.value.response.json()["detail"][0]
    assert detail["loc"] == ["body", "repeat"] and detail["input"] == 9 and detail["ctx"] == {"le": 5}


def test_run_and_stream(client: fal_client.SyncClient) -> None:
    assert client.run("test/echo", arguments={"text": "run"})["text"] == "run"
    events = list(client.stream("test/stream", arguments={"count": 3}))
    assert events == [{"partial": 0}, {"partial": 1}, {"partial": 2}, {"total": 3}]


def test_upload_file_then_use_it_as_input(client: fal_client.SyncClient, tmp_path: Path) -> None:
    path = tmp_path / "clip.wav"
    payload = bytes(range(256)) * 4000
    path.write_bytes(payload)
    url = client.upload_file(path)
    assert httpx.get(url).content == payload
    out = client.run("test/fetch", arguments={"url": url, "limit": 2 << 20})
    assert out["size"] == len(payload)


def test_data_uri_input(client: fal_client.SyncClient) -> None:
    uri = fal_client.encode(b"hello world", "text/plain")
    out = client.run("test/fetch", arguments={"url": uri})
    assert out == {"size": 11, "sha256": pytest.approx(out["sha256"]), "content_type": "text/plain"}


def test_upload_multipart_over_100_mib(client: fal_client.SyncClient, tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    with path.open("wb") as f:
        for i in range(101):
            f.write(bytes([i % 256]) * (1 << 20))
    url = client.upload_file(path)
    with httpx.stream("GET", url) as response:
        size = sum(len(chunk) for chunk in response.iter_bytes())
    assert size == 101 << 20
    ranged = httpx.get(url, headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.content == bytes([0]) * 10
