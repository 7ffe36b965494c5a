"""Issue 13 end to end, through fal-client: an API with no workers, two workers each with an empty data
directory of its own (as if on two machines), PostgreSQL as the store and moto (standing in for S3) as
the object store. 50 jobs with uploads and references all complete; files come from the object store;
result URLs follow the API's current address, not the one the job was submitted to."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import fal_client
import httpx
import pytest

import soundstage.falclient
from tests.support.scaleout import WorkerProcess, api_server, scaleout_env
from tests.support.server import TEST_KEY, Server

pytestmark = pytest.mark.slow

UPLOADS = 20  # copy jobs: a client upload read by a worker from the object store, written back as an output
REFERENCES = 10  # admitted jobs: a reference fetched at submit and kept in the object store for the worker
SLEEPS = 20  # jobs writing an output file, long enough for both workers to take some


@pytest.fixture
def topology(tmp_path: Path, pg_url: str, s3_endpoint: str,
             s3_bucket: str) -> Iterator[tuple[Server, dict[str, str]]]:
    env = scaleout_env(pg_url, s3_endpoint, s3_bucket)
    workers = [WorkerProcess(tmp_path / f"machine-{i}", env).start() for i in (1, 2)]
    try:
        with api_server(tmp_path / "api", env) as api:
            yield api, env
    finally:
        for w in workers:
            w.stop()
    for w in workers:  # no shared disk: nothing was written to the workers' own directories
        assert not list(w.data_dir.rglob("files")), f"{w.data_dir} holds files"


def _object_store_download(url: str, s3_endpoint: str) -> bytes:
    """A result URL redirects to a presigned URL on the object store, which serves the bytes."""
    first = httpx.get(url, follow_redirects=False)
    assert first.status_code == 307, first.text
    target = first.headers["location"]
    assert target.startswith(s3_endpoint) and "X-Amz-Signature" in target
    second = httpx.get(target)
    assert second.status_code == 200
    return second.content


def test_fifty_jobs_on_two_stateless_workers(topology: tuple[Server, dict[str, str]],
                                             s3_endpoint: str) -> None:
    api, env = topology
    soundstage.falclient.use_server(api.url)
    client = fal_client.SyncClient(key=TEST_KEY)
    blobs = [os.urandom(64) + bytes([i]) for i in range(UPLOADS)]
    handles = [(client.submit("test/copy",
                              arguments={"url": client.upload(b, "application/octet-stream")}), b)
               for b in blobs]
    small = client.upload(b"sixteen bytes!!!", "application/octet-stream")
    refs = [client.submit("test/admit", arguments={"url": small}) for _ in range(REFERENCES)]
    sleeps = [client.submit("test/sleep", arguments={"seconds": 0.2, "steps": 2, "write_file": True})
              for _ in range(SLEEPS)]

    for handle, blob in handles:
        out = handle.get()
        assert out["sha256"] == hashlib.sha256(blob).hexdigest()
        assert _object_store_download(out["file"]["url"], s3_endpoint) == blob
    for handle in refs:
        assert handle.get()["sha256"] == hashlib.sha256(b"sixteen bytes!!!").hexdigest()
    results = [h.get() for h in sleeps]
    assert len({r["pid"] for r in results}) == 2, "both workers ran jobs"
    assert all(_object_store_download(r["file_url"], s3_endpoint) == b"partial output" for r in results)

    # The same result read through an API on another address names that address (not frozen at submit).
    with api_server(api.data_dir.parent / "api-moved", env) as moved:
        again = httpx.get(f"{moved.url}/queue/test/sleep/requests/{sleeps[0].request_id}",
                          headers={"Authorization": f"Key {TEST_KEY}"}).json()
        assert urlsplit(again["file_url"]).port == moved.port != api.port
        assert _object_store_download(again["file_url"], s3_endpoint) == b"partial output"
        metrics = httpx.get(f"{moved.url}/metrics").text
        assert 'soundstage_jobs{app="test/copy",state="succeeded"} 20' in metrics
        assert "soundstage_workers_alive 2" in metrics
        assert httpx.get(f"{moved.url}/ready").json() == {"status": "ready", "store": "ok", "storage": "ok"}


def test_a_key_revoked_anywhere_stops_working_in_the_api_at_once(tmp_path: Path, pg_url: str,
                                                                 s3_endpoint: str, s3_bucket: str) -> None:
    """Keys live in PostgreSQL; the API caches lookups, and a revocation's notification clears the cache."""
    import subprocess
    import sys
    import time

    env = scaleout_env(pg_url, s3_endpoint, s3_bucket)
    cli = [sys.executable, "-m", "soundstage", "keys"]
    run_env = {**os.environ, **env, "SOUNDSTAGE_DATA_DIR": str(tmp_path / "admin")}
    secret = subprocess.run([*cli, "create", "--name", "studio"], env=run_env, check=True,
                            capture_output=True, text=True).stdout.strip()
    auth = {"Authorization": f"Key {secret}"}
    with api_server(tmp_path / "api", env) as api:
        assert httpx.post(f"{api.url}/queue/test/echo", json={"text": "a"}, headers=auth).status_code == 200
        subprocess.run([*cli, "revoke", secret.split(":")[0]], env=run_env, check=True, capture_output=True)
        deadline = time.monotonic() + 1.0
        while (code := httpx.post(f"{api.url}/queue/test/echo", json={"text": "a"},
                                  headers=auth).status_code) == 200:
            assert time.monotonic() < deadline, "the revoked key still works after 1 s"
            time.sleep(0.05)
        assert code == 401
