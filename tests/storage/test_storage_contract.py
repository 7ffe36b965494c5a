"""The Storage contract (soundstage/storage/base.py), written once and mixed into every backend's tests:
local directories, and S3 through moto in server mode (a stand-in for S3/MinIO, tests only)."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from soundstage.errors import InvalidInput, NotFound
from soundstage.storage.base import FileStore
from soundstage.storage.local import LocalStorage
from soundstage.storage.s3 import MIN_PART_BYTES, S3Storage
from soundstage.storage.serving import delivery
from tests.support.s3 import S3_ENV

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)


class StorageContract:
    @pytest.fixture
    def storage(self, tmp_path: Path) -> FileStore:
        raise NotImplementedError

    def fetch(self, storage: FileStore, file_id: str) -> httpx.Response | bytes:
        """The bytes a client downloading ``file_id`` gets."""
        stored = storage.stat(file_id)
        target = storage.download(stored, delivery(stored.content_type, storage.read(file_id, 1445)))
        if target.path is not None:
            return target.path.read_bytes()
        assert target.url is not None
        return httpx.get(target.url)

    def test_put_bytes_and_streams(self, storage: FileStore) -> None:
        a = storage.put(b"abc", owner="o", file_name="../../etc/passwd", content_type="text/plain",
                        ttl_seconds=60)
        b = storage.put(io.BytesIO(b"x" * 3000), owner="o", file_name="b.bin", content_type="application/x-b",
                        ttl_seconds=None)
        assert (a.file_name, a.size, b.size) == ("passwd", 3, 3000)
        assert storage.stat(b.id) == b
        assert storage.read(a.id) == b"abc" and storage.read(b.id, 10) == b"x" * 10
        assert a.id != b.id and len(a.id) >= 32  # unguessable: the id is the capability

    def test_unknown_malformed_and_deleted_ids_are_not_found(self, storage: FileStore) -> None:
        stored = storage.put(b"abc", owner="o", file_name="a.txt", content_type="text/plain", ttl_seconds=60)
        for bad in ("nope", "../" + stored.id, ""):
            with pytest.raises(NotFound):
                storage.stat(bad)
        storage.delete(stored.id)
        with pytest.raises(NotFound):
            storage.read(stored.id)

    def test_expired_files_are_gone_and_purged(self, storage: FileStore) -> None:
        stored = storage.put(b"x", owner="o", file_name="x", content_type="text/plain", ttl_seconds=0.01)
        kept = storage.put(b"y", owner="o", file_name="y", content_type="text/plain", ttl_seconds=3 * 86400)
        time.sleep(0.02)
        with pytest.raises(NotFound):
            storage.stat(stored.id)
        assert storage.purge_expired(now=time.time() + 3600) >= 1  # S3 purges by the hour: one later
        assert storage.stat(kept.id).size == 1

    def test_download_serves_the_bytes(self, storage: FileStore) -> None:
        stored = storage.put(WAV, owner="o", file_name="tone.wav", content_type="audio/wav", ttl_seconds=60)
        got = self.fetch(storage, stored.id)
        assert (got if isinstance(got, bytes) else got.content) == WAV

    def test_multipart_parts_join_sorted(self, storage: FileStore) -> None:
        pending = storage.begin(owner="o", file_name="a.bin", content_type="application/octet-stream",
                                ttl_seconds=None)
        for n in (3, 1, 2):
            assert storage.put_part(pending.upload_id, n, io.BytesIO(str(n).encode() * 2)).startswith('"')
        with pytest.raises(InvalidInput):
            storage.complete(pending.upload_id, [1, 2, 3, 4])
        stored = storage.complete(pending.upload_id, [3, 1, 2])
        assert stored.id == pending.file_id and stored.size == 6
        assert storage.read(stored.id) == b"112233"
        with pytest.raises(NotFound):
            storage.put_part(pending.upload_id, 4, b"late")  # the upload is over

    def test_unknown_upload(self, storage: FileStore) -> None:
        with pytest.raises(NotFound):
            storage.put_part("no-such-upload", 1, b"x")


class TestLocalStorage(StorageContract):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> FileStore:
        return LocalStorage(tmp_path)

    def test_downloads_are_local_paths(self, storage: FileStore) -> None:
        stored = storage.put(b"abc", owner="o", file_name="a.txt", content_type="text/plain", ttl_seconds=60)
        assert storage.download(stored, delivery("text/plain", b"abc")).path is not None


class TestS3Storage(StorageContract):
    @pytest.fixture
    def storage(self, s3_endpoint: str, s3_bucket: str,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[FileStore]:
        for name, value in {**S3_ENV, "AWS_ENDPOINT_URL": s3_endpoint}.items():
            monkeypatch.setenv(name, value)
        yield S3Storage(f"s3://{s3_bucket}/some/prefix", presign_seconds=600)

    def test_presigned_download_carries_the_serving_decision(self, storage: FileStore) -> None:
        html = storage.put(b"<html><script>alert(1)</script>", owner="o", file_name="x.html",
                           content_type="text/html", ttl_seconds=60)
        wav = storage.put(WAV, owner="o", file_name="tone.wav", content_type="audio/wav", ttl_seconds=60)
        got_html, got_wav = self.fetch(storage, html.id), self.fetch(storage, wav.id)
        assert isinstance(got_html, httpx.Response) and isinstance(got_wav, httpx.Response)
        assert got_html.headers["content-type"] == "application/octet-stream"
        assert got_html.headers["content-disposition"].startswith("attachment")
        assert got_wav.headers["content-type"] == "audio/wav"
        assert got_wav.headers["content-disposition"].startswith("inline")
        assert "X-Amz-Signature" in storage.download(  # type: ignore[operator]
            wav, delivery("audio/wav", WAV)).url

    def test_large_parts_become_an_s3_multipart_upload(self, storage: FileStore) -> None:
        pending = storage.begin(owner="o", file_name="big.bin", content_type="application/octet-stream",
                                ttl_seconds=None)
        first, last = os.urandom(MIN_PART_BYTES), b"tail"
        storage.put_part(pending.upload_id, 2, last)
        storage.put_part(pending.upload_id, 1, io.BytesIO(first))
        stored = storage.complete(pending.upload_id, [1, 2])
        assert storage.read(stored.id) == first + last
        assert isinstance(storage, S3Storage)
        head = storage.client.head_object(Bucket=storage.bucket, Key=storage._key("files", stored.id))
        assert head["ETag"].strip('"').endswith("-2")  # S3's multipart ETag: <md5 of md5s>-<part count>
