"""LocalStorage: ids are capabilities, parts join in number order, expiry is enforced and purged."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from soundstage.errors import NotFound
from soundstage.storage.local import LocalStorage


def test_put_stat_and_path(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    stored = storage.put(b"abc", owner="o", file_name="../../etc/passwd", content_type="text/plain", ttl_seconds=60)
    assert stored.file_name == "passwd" and stored.size == 3
    assert storage.path(stored.id).read_bytes() == b"abc"
    with pytest.raises(NotFound):
        storage.stat("../" + stored.id)


def test_multipart_parts_join_sorted(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    pending = storage.begin(owner="o", file_name="a.bin", content_type="application/octet-stream", ttl_seconds=None)
    for n in (3, 1, 2):
        storage.part_path(pending.upload_id, n).write_bytes(str(n).encode() * 2)
    stored = storage.complete(pending.upload_id, [3, 1, 2])
    assert stored.id == pending.file_id
    assert storage.path(stored.id).read_bytes() == b"112233"


def test_expired_files_are_gone_and_purged(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    stored = storage.put(b"x", owner="o", file_name="x", content_type="text/plain", ttl_seconds=0.01)
    time.sleep(0.02)
    with pytest.raises(NotFound):
        storage.stat(stored.id)
    assert storage.purge_expired() == 1
    assert not any(tmp_path.glob(f"*/{stored.id}"))
