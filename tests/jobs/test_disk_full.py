"""Issue 9: a full or read-only file store while a job writes its output.

The server's file directory is a small tmpfs (root can mount one; elsewhere the test skips, by name).
A job whose output does not fit fails with a clear ``storage_full`` error, nothing half-written is kept
(a later small job fits again), and the server keeps serving; with the store remounted read-only, jobs
fail with a clear error and everything else answers as before.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import Server, headers

pytestmark = pytest.mark.slow

STORE_BYTES = 256 << 10  # the tmpfs: 256 KiB
BIG, SMALL = 900_000, 2_000  # an output that cannot fit (test/copy takes up to 1 MiB), one that can


def _mount(path: Path, *options: str) -> bool:
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(path)],
                            capture_output=True, check=False)
    return result.returncode == 0


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    data = tmp_path_factory.mktemp("diskfull") / "data"
    files = data / "files"
    files.mkdir(parents=True)
    if not _mount(files, f"size={STORE_BYTES}"):
        pytest.skip("mounting a tmpfs needs root (the disk-full test fills a 256 KiB file store)")
    try:
        with Server(data, workers=1) as srv:
            yield srv, files
    finally:
        subprocess.run(["umount", "-l", str(files)], check=False)


def _copy(server: Server, size: int) -> dict:
    uri = "data:application/octet-stream;base64," + base64.b64encode(b"\x07" * size).decode()
    sub = httpx.post(f"{server.url}/queue/test/copy", json={"url": uri}, headers=headers(), timeout=30).json()
    status = httpx.get(f"{sub['status_url']}?logs=1", headers=headers(), timeout=30)
    for _ in range(300):
        if status.json()["status"] == "COMPLETED":
            break
        status = httpx.get(f"{sub['status_url']}?logs=1", headers=headers(), timeout=30)
    return {"status": status.json(), "result": httpx.get(sub["response_url"], headers=headers(), timeout=30)}


def _half_written(files: Path) -> list[Path]:
    return [d for d in files.glob("*/*") if d.is_dir() and not (d / "meta.json").exists()]


def test_issue9_disk_full_fails_the_job_clearly_and_keeps_serving(small_store: tuple[Server, Path]) -> None:
    server, files = small_store
    full = _copy(server, BIG)
    assert full["result"].status_code == 507, full["result"].text
    body = full["result"].json()
    assert body["error_type"] == "storage_full" and "no space left" in body["detail"]
    assert not _half_written(files) and not list(files.glob("*/*/.incoming-*"))
    assert httpx.get(f"{server.url}/health").status_code == 200
    ok = _copy(server, SMALL)  # the failed write left nothing behind: a small output fits
    assert ok["result"].status_code == 200, ok["result"].text
    assert httpx.get(ok["result"].json()["file"]["url"]).content == b"\x07" * SMALL


def test_issue9_read_only_store_fails_the_job_clearly_and_keeps_serving(
        small_store: tuple[Server, Path]) -> None:
    server, files = small_store
    before = _copy(server, SMALL)["result"].json()["file"]["url"]
    subprocess.run(["mount", "-o", "remount,ro", str(files)], check=True)
    try:
        refused = _copy(server, SMALL)
        assert refused["result"].status_code == 503, refused["result"].text
        assert "not writable" in refused["result"].json()["detail"]
        assert httpx.get(f"{server.url}/health").status_code == 200
        assert httpx.get(before).status_code == 200  # what was stored is still served
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(files)], check=True)
