"""The Storage seam: where uploads and outputs live. Backends see bytes or streams and answer with URLs.

Contract for every backend (``tests/storage/test_storage_contract.py`` runs it against each):
- ``put`` stores the bytes (``bytes``, or a seekable binary stream read to its end) under an unguessable
  id, the capability to download the file, and returns its ``StoredFile``; ``file_name`` is reduced to a
  safe base name.
- ``stat`` and ``read`` raise ``NotFound`` for unknown, malformed or expired ids; an expired file is gone
  for every reader at once, whatever the backend's own clean-up schedule.
- ``download`` says how a client gets the bytes, served as ``storage.serving`` decided: a local path
  (served by the API with Range support) or a URL to redirect to (presigned, valid no longer than the file).
- Multipart parts may arrive in any order; ``complete`` joins them sorted by part number; the file id is
  known from ``begin`` on, so its URL can be handed out before the bytes arrive.
- A backend that cannot be reached raises ``StorageUnavailable`` (HTTP 503): nothing half-written is
  ever reported as stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from soundstage.storage.serving import Delivery

__all__ = ["Download", "FileStore", "MultipartUploads", "PendingUpload", "Source", "Storage", "StoredFile"]

Source = bytes | IO[bytes]
MAX_PART_NUMBER = 10_000  # S3's limit, and fal's clients stay far below it


@dataclass(frozen=True)
class StoredFile:
    id: str
    owner: str
    file_name: str
    content_type: str
    size: int
    created_at: float
    expires_at: float | None


@dataclass(frozen=True)
class Download:
    """How a download is answered: bytes at a local ``path`` served here, or a redirect to ``url``."""

    path: Path | None = None
    url: str | None = None


class Storage(Protocol):
    def put(self, source: Source, *, owner: str, file_name: str, content_type: str, ttl_seconds: float | None,
            file_id: str | None = None) -> StoredFile: ...

    def stat(self, file_id: str) -> StoredFile: ...

    def read(self, file_id: str, limit: int | None = None) -> bytes:
        """The file's first ``limit`` bytes (all of them when None)."""
        ...

    def download(self, stored: StoredFile, served: Delivery) -> Download: ...

    def delete(self, file_id: str) -> None: ...

    def purge_expired(self, now: float | None = None) -> int:
        """Delete expired files and abandoned uploads; returns how many were removed."""
        ...


@dataclass(frozen=True)
class PendingUpload:
    upload_id: str  # the capability to write parts (unguessable)
    file_id: str  # the id the file will have once complete (its URL can be handed out at once)


class MultipartUploads(Protocol):
    def begin(self, *, owner: str, file_name: str, content_type: str,
              ttl_seconds: float | None) -> PendingUpload: ...

    def put_part(self, upload_id: str, number: int, source: Source) -> str:
        """Store part ``number`` (1..10000); returns its ETag. Raises NotFound for an unknown upload."""
        ...

    def complete(self, upload_id: str, numbers: list[int]) -> StoredFile: ...


class FileStore(Storage, MultipartUploads, Protocol):
    """What ``services.py`` builds: one backend behind both seams."""
