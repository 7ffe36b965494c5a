"""LocalStorage specifics (the shared behaviour is in test_storage_contract.py): its on-disk layout."""

from __future__ import annotations

import time
from pathlib import Path

from soundstage.storage.local import LocalStorage
from soundstage.storage.serving import delivery


def test_bytes_live_under_the_id_and_downloads_are_paths(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    stored = storage.put(b"abc", owner="o", file_name="../../etc/passwd", content_type="text/plain",
                         ttl_seconds=60)
    path = storage.download(stored, delivery("text/plain", b"abc")).path
    assert path == tmp_path / stored.id[:2] / stored.id / "data" and path.read_bytes() == b"abc"


def test_expired_files_are_purged_from_disk(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    stored = storage.put(b"x", owner="o", file_name="x", content_type="text/plain", ttl_seconds=0.01)
    time.sleep(0.02)
    assert storage.purge_expired() == 1
    assert not any(tmp_path.glob(f"*/{stored.id}"))
