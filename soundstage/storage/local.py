"""Local-directory storage: ``<root>/<id[:2]>/<id>/{data,meta.json}``, uploads staged under ``<root>/.staging``."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from soundstage.errors import InvalidInput, NotFound
from soundstage.storage.base import PendingUpload, StoredFile

__all__ = ["LocalStorage", "new_id"]

ID_BYTES = 24  # 192 random bits: the id is the download capability


def new_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def _safe_id(file_id: str) -> str:
    if not file_id or not all(c.isalnum() or c in "-_" for c in file_id):
        raise NotFound("File not found")
    return file_id


class LocalStorage:
    """Satisfies ``Storage`` and ``MultipartUploads``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._staging = root / ".staging"
        self._uploads = root / ".uploads"
        for d in (self._staging, self._uploads):
            d.mkdir(parents=True, exist_ok=True)

    def _dir(self, file_id: str) -> Path:
        file_id = _safe_id(file_id)
        return self.root / file_id[:2] / file_id

    def staging_dir(self) -> Path:
        return self._staging

    def put(self, source: Path | bytes, *, owner: str, file_name: str, content_type: str,
            ttl_seconds: float | None, file_id: str | None = None) -> StoredFile:
        file_id = file_id or new_id()
        now = time.time()
        meta = StoredFile(id=file_id, owner=owner, file_name=_clean_name(file_name), content_type=content_type,
                          size=0, created_at=now, expires_at=None if ttl_seconds is None else now + ttl_seconds)
        target = self._dir(file_id)
        target.mkdir(parents=True, exist_ok=True)
        data = target / "data"
        if isinstance(source, bytes):
            data.write_bytes(source)
        else:
            os.replace(source, data)
        meta = StoredFile(**{**asdict(meta), "size": data.stat().st_size})
        # meta.json is written last and atomically: a file without it does not exist yet.
        tmp = target / "meta.json.tmp"
        tmp.write_text(json.dumps(asdict(meta)))
        os.replace(tmp, target / "meta.json")
        return meta

    def stat(self, file_id: str) -> StoredFile:
        try:
            meta = StoredFile(**json.loads((self._dir(file_id) / "meta.json").read_text()))
        except FileNotFoundError as e:
            raise NotFound("File not found") from e
        if meta.expires_at is not None and meta.expires_at < time.time():
            raise NotFound("File expired")
        return meta

    def path(self, file_id: str) -> Path:
        self.stat(file_id)
        return self._dir(file_id) / "data"

    def delete(self, file_id: str) -> None:
        shutil.rmtree(self._dir(file_id), ignore_errors=True)

    def purge_expired(self, now: float | None = None, upload_ttl_seconds: float = 24 * 3600) -> int:
        """Delete expired files and abandoned uploads; returns how many were removed."""
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
        for folder in [*self._uploads.iterdir(), *self._staging.iterdir()]:
            if folder.stat().st_mtime < now - upload_ttl_seconds:
                shutil.rmtree(folder, ignore_errors=True) if folder.is_dir() else folder.unlink(missing_ok=True)
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

    def part_path(self, upload_id: str, number: int) -> Path:
        folder, _ = self._upload(upload_id)
        if not 1 <= number <= 10_000:
            raise InvalidInput(f"part number {number} is out of range 1..10000", field="partNumber",
                               value=number)
        return folder / f"part-{number:05d}"

    def complete(self, upload_id: str, numbers: list[int]) -> StoredFile:
        folder, info = self._upload(upload_id)
        staged = self._staging / f"{upload_id}.joined"
        with staged.open("wb") as out:
            for n in sorted(set(numbers)):
                part = folder / f"part-{n:05d}"
                if not part.exists():
                    raise InvalidInput(f"part {n} was never uploaded", field="parts", value=n)
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        stored = self.put(staged, owner=str(info["owner"]), file_name=str(info["file_name"]),
                          content_type=str(info["content_type"]),
                          ttl_seconds=info["ttl_seconds"],  # type: ignore[arg-type]
                          file_id=str(info["file_id"]))
        shutil.rmtree(folder, ignore_errors=True)
        return stored


def _clean_name(name: str) -> str:
    name = os.path.basename(name.replace("\\", "/")).strip() or "file.bin"
    return "".join(c for c in name if c.isprintable() and c not in '"<>|')[:200] or "file.bin"
