"""Local-directory storage: ``<root>/<id[:2]>/<id>/{data,meta.json}``, multipart parts under
``<root>/.uploads``."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from soundstage.errors import InvalidInput, NotFound, SoundstageError, StorageFull, StorageUnavailable
from soundstage.storage.base import MAX_PART_NUMBER, Download, PendingUpload, Source, StoredFile
from soundstage.storage.serving import Delivery

__all__ = ["LocalStorage", "clean_name", "new_id", "storage_error"]

ID_BYTES = 24  # 192 random bits: the id is the download capability
COPY_CHUNK = 1 << 20
UPLOAD_TTL_SECONDS = 24 * 3600.0  # an upload begun and never completed is removed after this


def new_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def _safe_id(file_id: str) -> str:
    if not file_id or not all(c.isalnum() or c in "-_" for c in file_id):
        raise NotFound("File not found")
    return file_id


def storage_error(e: OSError, file_name: str) -> SoundstageError:
    """What a failed write of ``file_name`` means to a user: no space, a read-only store, or another fault."""
    why = e.strerror or type(e).__name__
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(f"storage: no space left to write {file_name!r} ({why}); nothing was kept")
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageUnavailable(f"storage: the file store is not writable ({why}) while writing "
                                  f"{file_name!r}")
    return StorageUnavailable(f"storage: writing {file_name!r} failed ({why}); nothing was kept")


def _write(source: Source, target: Path) -> str:
    """Write ``source`` to ``target`` atomically (a temp file beside it, then a rename); its MD5 hex."""
    digest = hashlib.md5(usedforsecurity=False)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(source, bytes):
                out.write(source)
                digest.update(source)
            else:
                while chunk := source.read(COPY_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
        os.replace(tmp, target)
    except OSError:
        Path(tmp).unlink(missing_ok=True)  # a full disk must not keep the half-written part
        raise
    return digest.hexdigest()


class LocalStorage:
    """Satisfies ``FileStore``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._uploads = root / ".uploads"
        self._uploads.mkdir(parents=True, exist_ok=True)

    def _dir(self, file_id: str) -> Path:
        file_id = _safe_id(file_id)
        return self.root / file_id[:2] / file_id

    def put(self, source: Source, *, owner: str, file_name: str, content_type: str, ttl_seconds: float | None,
            file_id: str | None = None) -> StoredFile:
        file_id = file_id or new_id()
        target = self._dir(file_id)
        try:
            target.mkdir(parents=True, exist_ok=True)
            _write(source, target / "data")
            return self._commit(target, file_id, owner, file_name, content_type, ttl_seconds)
        except OSError as e:  # a full or read-only disk: keep nothing half-written (issue 9)
            shutil.rmtree(target, ignore_errors=True)
            raise storage_error(e, file_name) from e

    def _commit(self, target: Path, file_id: str, owner: str, file_name: str, content_type: str,
                ttl_seconds: float | None) -> StoredFile:
        """Write meta.json beside ``data``, last and atomically: a file without it does not exist yet."""
        now = time.time()
        meta = StoredFile(id=file_id, owner=owner, file_name=clean_name(file_name), content_type=content_type,
                          size=(target / "data").stat().st_size, created_at=now,
                          expires_at=None if ttl_seconds is None else now + ttl_seconds)
        (target / "meta.json.tmp").write_text(json.dumps(asdict(meta)))
        os.replace(target / "meta.json.tmp", target / "meta.json")
        return meta

    def stat(self, file_id: str) -> StoredFile:
        try:
            meta = StoredFile(**json.loads((self._dir(file_id) / "meta.json").read_text()))
        except FileNotFoundError as e:
            raise NotFound("File not found") from e
        if meta.expires_at is not None and meta.expires_at < time.time():
            raise NotFound("File expired")
        return meta

    def read(self, file_id: str, limit: int | None = None) -> bytes:
        self.stat(file_id)
        with (self._dir(file_id) / "data").open("rb") as f:
            return f.read() if limit is None else f.read(limit)

    def download(self, stored: StoredFile, served: Delivery) -> Download:
        return Download(path=self._dir(stored.id) / "data")

    def delete(self, file_id: str) -> None:
        shutil.rmtree(self._dir(file_id), ignore_errors=True)

    def purge_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        removed = 0
        for meta_path in self.root.glob("*/*/meta.json"):
            try:
                expires = json.loads(meta_path.read_text()).get("expires_at")
            except (OSError, json.JSONDecodeError):
                continue
            if expires is not None and expires < now:
                shutil.rmtree(meta_path.parent, ignore_errors=True)
                removed += 1
        for folder in self._uploads.iterdir():
            if folder.stat().st_mtime < now - UPLOAD_TTL_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    # -- multipart ---------------------------------------------------------------------------
    def begin(self, *, owner: str, file_name: str, content_type: str,
              ttl_seconds: float | None) -> PendingUpload:
        pending = PendingUpload(upload_id=new_id(), file_id=new_id())
        folder = self._uploads / pending.upload_id
        folder.mkdir()
        (folder / "upload.json").write_text(json.dumps({
            "owner": owner, "file_name": file_name, "content_type": content_type,
            "ttl_seconds": ttl_seconds, "file_id": pending.file_id}))
        return pending

    def _upload(self, upload_id: str) -> tuple[Path, dict[str, object]]:
        folder = self._uploads / _safe_id(upload_id)
        try:
            return folder, json.loads((folder / "upload.json").read_text())
        except FileNotFoundError as e:
            raise NotFound("Upload not found") from e

    def put_part(self, upload_id: str, number: int, source: Source) -> str:
        folder, _ = self._upload(upload_id)
        if not 1 <= number <= MAX_PART_NUMBER:
            raise InvalidInput(f"part number {number} is out of range 1..{MAX_PART_NUMBER}",
                               field="partNumber", value=number)
        try:
            return f'"{_write(source, folder / f"part-{number:05d}")}"'
        except OSError as e:
            raise storage_error(e, f"upload part {number}") from e

    def complete(self, upload_id: str, numbers: list[int]) -> StoredFile:
        folder, info = self._upload(upload_id)
        parts = [folder / f"part-{n:05d}" for n in sorted(set(numbers))]
        missing = next((p for p in parts if not p.exists()), None)
        if missing is not None:
            n = int(missing.name.removeprefix("part-"))
            raise InvalidInput(f"part {n} was never uploaded", field="parts", value=n)
        file_id = str(info["file_id"])
        target = self._dir(file_id)
        try:
            target.mkdir(parents=True, exist_ok=True)
            with (target / "data").open("wb") as out:
                for part in parts:
                    with part.open("rb") as src:
                        shutil.copyfileobj(src, out, COPY_CHUNK)
            stored = self._commit(target, file_id, str(info["owner"]), str(info["file_name"]),
                                  str(info["content_type"]), info["ttl_seconds"])  # type: ignore[arg-type]
        except OSError as e:
            shutil.rmtree(target, ignore_errors=True)
            raise storage_error(e, str(info["file_name"])) from e
        shutil.rmtree(folder, ignore_errors=True)
        return stored

def clean_name(name: str) -> str:
    name = os.path.basename(name.replace("\\", "/")).strip() or "file.bin"
    return "".join(c for c in name if c.isprintable() and c not in '"<>|')[:200] or "file.bin"
