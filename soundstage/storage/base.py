"""The Storage seam: where uploads and outputs live. Backends see bytes and names, nothing else.

Contract:
- ``put`` takes ownership of ``source`` when it is a Path inside ``staging_dir()`` (it is moved), and
  returns a StoredFile whose id is unguessable: the id is the capability to download it.
- ``stat`` raises NotFound for unknown or expired ids.
- Multipart parts may arrive in any order; ``complete`` joins them sorted by part number.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

__all__ = ["MultipartUploads", "PendingUpload", "Storage", "StoredFile"]


@dataclass(frozen=True)
class StoredFile:
    id: str
    owner: str
    file_name: str
    content_type: str
    size: int
    created_at: float
    expires_at: float | None


class Storage(Protocol):
    def staging_dir(self) -> Path:
        """A directory on the same filesystem, where callers stream incoming bytes before ``put``."""
        ...

    def put(self, source: Path | bytes, *, owner: str, file_name: str, content_type: str,
            ttl_seconds: float | None) -> StoredFile: ...

    def stat(self, file_id: str) -> StoredFile: ...

    def path(self, file_id: str) -> Path:
        """Local path of the bytes (the local backend serves them with Range support)."""
        ...

    def delete(self, file_id: str) -> None: ...


@dataclass(frozen=True)
class PendingUpload:
    upload_id: str  # the capability to write parts (unguessable)
    file_id: str  # the id the file will have once complete (its URL can be handed out at once)


class MultipartUploads(Protocol):
    def begin(self, *, owner: str, file_name: str, content_type: str,
              ttl_seconds: float | None) -> PendingUpload: ...

    def part_path(self, upload_id: str, number: int) -> Path:
        """Where part ``number`` is written; raises NotFound for an unknown upload."""
        ...

    def complete(self, upload_id: str, numbers: list[int]) -> StoredFile: ...
