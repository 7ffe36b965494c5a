"""Storage on any S3-compatible object store (AWS S3, MinIO, Ceph, R2 ...), configured the standard way.

``s3://bucket/prefix`` names where files go; the client reads the standard AWS variables
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, or any
other source boto3 knows). Layout under the prefix:

- ``files/<id>``: the bytes, with the owner, name and lifetime in the object's metadata;
- ``expiry/<YYYYMMDDHH>/<id>``: an empty marker per file with a lifetime, so the janitor lists only the
  hours that have passed instead of the whole bucket (a bucket lifecycle rule may delete files too);
- ``uploads/<upload_id>/{upload.json,part-NNNNN}``: multipart uploads in progress.

Downloads redirect to a presigned GET that answers with the ``Content-Type`` and ``Content-Disposition``
that ``storage.serving`` chose, valid for ``presign_seconds`` and never past the file's own expiry.
Multipart uploads end in a real S3 multipart upload, its parts copied server-side from the part objects
(S3 needs every part but the last to be at least 5 MiB; smaller parts are joined here instead).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from soundstage.errors import InvalidInput, NotFound, StorageUnavailable
from soundstage.storage.base import MAX_PART_NUMBER, Download, PendingUpload, Source, StoredFile
from soundstage.storage.local import UPLOAD_TTL_SECONDS, clean_name, new_id
from soundstage.storage.serving import SNIFF_BYTES, Delivery, delivery

__all__ = ["S3Location", "S3Storage"]

MIN_PART_BYTES = 5 << 20  # S3: every part of a multipart upload but the last is at least 5 MiB
SPOOL_BYTES = 16 << 20  # joining small parts: kept in memory up to this, then on disk
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchUpload"})
RETRIES = {"max_attempts": 4, "mode": "standard"}  # a few quick tries before a job is told the store is gone
T = TypeVar("T")


class S3Location:
    """``s3://bucket/prefix`` parsed."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise InvalidInput(f"storage: expected s3://bucket/prefix, got {url!r}", field="storage",
                               value=url)
        self.bucket = parts.netloc
        prefix = parts.path.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""


def _hour(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y%m%d%H")


@contextmanager
def _mapped(what: str) -> Iterator[None]:
    """S3 errors as ours: a missing object is NotFound, an unreachable or failing store StorageUnavailable."""
    try:
        yield
    except ClientError as e:
        code = str(e.response.get("Error", {}).get("Code", ""))
        if code in NOT_FOUND_CODES:
            raise NotFound(f"{what} not found") from e
        raise StorageUnavailable(f"The object store refused {what}: {code or e}") from e
    except BotoCoreError as e:
        raise StorageUnavailable(f"The object store is unavailable ({what}): {e}") from e


class S3Storage:
    """Satisfies ``FileStore``. Thread-safe (boto3 clients are); one per process."""

    def __init__(self, url: str, presign_seconds: float = 3600.0, public_endpoint: str = "") -> None:
        self.location = S3Location(url)
        self.bucket, self.prefix = self.location.bucket, self.location.prefix
        self.presign_seconds = presign_seconds
        self.client = self._client()
        # Presigning is local arithmetic: a client for the endpoint browsers reach signs URLs for that host.
        self.signer = self._client(public_endpoint) if public_endpoint else self.client

    @staticmethod
    def _client(endpoint: str | None = None) -> Any:
        # A custom endpoint (MinIO, moto, ...) is usually reached by path; AWS itself by virtual host.
        style = "path" if endpoint or os.environ.get("AWS_ENDPOINT_URL") else "auto"
        config = Config(retries=RETRIES, connect_timeout=3, read_timeout=30,  # type: ignore[arg-type]
                        s3={"addressing_style": style}, signature_version="s3v4")
        return boto3.session.Session().client("s3", config=config, endpoint_url=endpoint or None)

    def _key(self, *parts: str) -> str:
        return self.prefix + "/".join(parts)

    def _call(self, what: str, fn: Callable[..., T], **kwargs: Any) -> T:
        with _mapped(what):
            return fn(Bucket=self.bucket, **kwargs)

    # -- Storage -----------------------------------------------------------------------------
    def put(self, source: Source, *, owner: str, file_name: str, content_type: str, ttl_seconds: float | None,
            file_id: str | None = None) -> StoredFile:
        now = time.time()
        stored = StoredFile(id=file_id or new_id(), owner=owner, file_name=clean_name(file_name),
                            content_type=content_type, size=_size(source), created_at=now,
                            expires_at=None if ttl_seconds is None else now + ttl_seconds)
        extra = _object_args(stored, _head(source))
        key = self._key("files", stored.id)
        with _mapped("the upload"):
            if isinstance(source, bytes):
                self.client.put_object(Bucket=self.bucket, Key=key, Body=source, **extra)
            else:
                self.client.upload_fileobj(source, self.bucket, key, ExtraArgs=extra)
        self._mark_expiry(stored)
        return stored

    def _mark_expiry(self, stored: StoredFile) -> None:
        if stored.expires_at is not None:
            self._call("the expiry marker", self.client.put_object,
                       Key=self._key("expiry", _hour(stored.expires_at), stored.id), Body=b"")

    def stat(self, file_id: str) -> StoredFile:
        _check_id(file_id)
        head = self._call("File", self.client.head_object, Key=self._key("files", file_id))
        stored = _from_metadata(file_id, head)
        if stored.expires_at is not None and stored.expires_at < time.time():
            raise NotFound("File expired")
        return stored

    def read(self, file_id: str, limit: int | None = None) -> bytes:
        _check_id(file_id)
        ranged = {} if limit is None else {"Range": f"bytes=0-{max(limit, 1) - 1}"}
        try:
            body = self._call("File", self.client.get_object, Key=self._key("files", file_id), **ranged)
        except StorageUnavailable as e:
            if "InvalidRange" in str(e):  # a range of an empty object
                return b""
            raise
        with _mapped("File"):
            data: bytes = body["Body"].read()
        return data if limit is None else data[:limit]

    def download(self, stored: StoredFile, served: Delivery) -> Download:
        lifetime = self.presign_seconds
        if stored.expires_at is not None:
            lifetime = min(lifetime, stored.expires_at - time.time())
        disposition = _disposition(served, stored.file_name)
        with _mapped("File"):
            url = self.signer.generate_presigned_url("get_object", ExpiresIn=max(1, int(lifetime)), Params={
                "Bucket": self.bucket, "Key": self._key("files", stored.id),
                "ResponseContentType": served.content_type, "ResponseContentDisposition": disposition,
                "ResponseCacheControl": "private, max-age=3600"})
        return Download(url=url)

    def delete(self, file_id: str) -> None:
        _check_id(file_id)
        self._call("File", self.client.delete_object, Key=self._key("files", file_id))

    def purge_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        removed = 0
        for key, _, _ in self._list(self._key("expiry") + "/"):
            hour, file_id = key.split("/")[-2:]
            if hour >= _hour(now):
                break  # keys are listed in order: the rest expire later
            self._call("File", self.client.delete_object, Key=self._key("files", file_id))
            self._call("the expiry marker", self.client.delete_object, Key=key)
            removed += 1
        abandoned = {key.split("/")[-2] for key, _, modified in self._list(self._key("uploads") + "/")
                     if modified < now - UPLOAD_TTL_SECONDS}
        for upload_id in abandoned:
            self._drop_upload(upload_id)
        return removed + len(abandoned)

    def _list(self, prefix: str) -> Iterator[tuple[str, int, float]]:
        """(key, size, last-modified unix seconds) of the objects under ``prefix``, in key order."""
        with _mapped("the listing"):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                              Prefix=prefix):
                for obj in page.get("Contents", []):
                    yield obj["Key"], int(obj["Size"]), obj["LastModified"].timestamp()

    # -- MultipartUploads --------------------------------------------------------------------
    def begin(self, *, owner: str, file_name: str, content_type: str,
              ttl_seconds: float | None) -> PendingUpload:
        pending = PendingUpload(upload_id=new_id(), file_id=new_id())
        info = {"owner": owner, "file_name": file_name, "content_type": content_type,
                "ttl_seconds": ttl_seconds, "file_id": pending.file_id}
        self._call("the upload", self.client.put_object,
                   Key=self._key("uploads", pending.upload_id, "upload.json"), Body=json.dumps(info).encode(),
                   ContentType="application/json")
        return pending

    def _upload(self, upload_id: str) -> dict[str, Any]:
        _check_id(upload_id)
        try:
            body = self._call("Upload", self.client.get_object,
                              Key=self._key("uploads", upload_id, "upload.json"))
        except NotFound as e:
            raise NotFound("Upload not found") from e
        with _mapped("Upload"):
            info: dict[str, Any] = json.loads(body["Body"].read())
        return info

    def put_part(self, upload_id: str, number: int, source: Source) -> str:
        self._upload(upload_id)
        if not 1 <= number <= MAX_PART_NUMBER:
            raise InvalidInput(f"part number {number} is out of range 1..{MAX_PART_NUMBER}",
                               field="partNumber", value=number)
        key = self._key("uploads", upload_id, f"part-{number:05d}")
        reply = self._call("the part", self.client.put_object, Key=key, Body=source)
        return str(reply["ETag"])

    def complete(self, upload_id: str, numbers: list[int]) -> StoredFile:
        info = self._upload(upload_id)
        sizes = {int(k.rsplit("-", 1)[1]): size
                 for k, size, _ in self._list(self._key("uploads", upload_id, "part-"))}
        wanted = sorted(set(numbers))
        missing = next((n for n in wanted if n not in sizes), None)
        if missing is not None:
            raise InvalidInput(f"part {missing} was never uploaded", field="parts", value=missing)
        now = time.time()
        ttl = info["ttl_seconds"]
        stored = StoredFile(id=str(info["file_id"]), owner=str(info["owner"]),
                            file_name=clean_name(info["file_name"]), content_type=str(info["content_type"]),
                            size=sum(sizes[n] for n in wanted), created_at=now,
                            expires_at=None if ttl is None else now + float(ttl))
        parts = [self._key("uploads", upload_id, f"part-{n:05d}") for n in wanted]
        if all(sizes[n] >= MIN_PART_BYTES for n in wanted[:-1]):
            self._copy_parts(stored, parts)
        else:
            self._join_parts(stored, parts)
        self._mark_expiry(stored)
        self._drop_upload(upload_id)
        return stored

    def _copy_parts(self, stored: StoredFile, parts: list[str]) -> None:
        """A real S3 multipart upload whose parts are server-side copies: the bytes never pass through us."""
        key = self._key("files", stored.id)
        with _mapped("the upload"):
            upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=key,
                                                         **_object_args(stored, self._part_head(parts[0])))
            try:
                done = [{"PartNumber": i, "ETag": self.client.upload_part_copy(
                    Bucket=self.bucket, Key=key, UploadId=upload["UploadId"], PartNumber=i,
                    CopySource={"Bucket": self.bucket, "Key": part})["CopyPartResult"]["ETag"]}
                    for i, part in enumerate(parts, 1)]
                self.client.complete_multipart_upload(Bucket=self.bucket, Key=key,
                                                      UploadId=upload["UploadId"],
                                                      MultipartUpload={"Parts": done})
            except (ClientError, BotoCoreError):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload["UploadId"])
                raise

    def _join_parts(self, stored: StoredFile, parts: list[str]) -> None:
        with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as joined:
            for part in parts:
                body = self._call("the part", self.client.get_object, Key=part)["Body"]
                with _mapped("the part"):
                    while chunk := body.read(1 << 20):
                        joined.write(chunk)
            joined.seek(0)
            extra = _object_args(stored, joined.read(SNIFF_BYTES))
            joined.seek(0)
            with _mapped("the upload"):
                self.client.upload_fileobj(joined, self.bucket, self._key("files", stored.id),
                                           ExtraArgs=extra)

    def _part_head(self, key: str) -> bytes:
        body = self._call("the part", self.client.get_object, Key=key,
                          Range=f"bytes=0-{SNIFF_BYTES - 1}")["Body"]
        with _mapped("the part"):
            data: bytes = body.read()
        return data

    def _drop_upload(self, upload_id: str) -> None:
        keys = [{"Key": key} for key, _, _ in self._list(self._key("uploads", upload_id) + "/")]
        if keys:
            self._call("the upload", self.client.delete_objects, Delete={"Objects": keys, "Quiet": True})


def _check_id(file_id: str) -> None:
    if not file_id or not all(c.isalnum() or c in "-_" for c in file_id):
        raise NotFound("File not found")


def _size(source: Source) -> int:
    if isinstance(source, bytes):
        return len(source)
    start = source.tell()
    end = source.seek(0, 2)
    source.seek(start)
    return end - start


def _head(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source[:SNIFF_BYTES]
    start = source.tell()
    head = source.read(SNIFF_BYTES)
    source.seek(start)
    return head


def _disposition(served: Delivery, file_name: str) -> str:
    return f"{served.disposition.value}; filename*=UTF-8''{quote(file_name)}"


def _object_args(stored: StoredFile, head: bytes) -> dict[str, Any]:
    """The object's own headers are already the served ones (``storage.serving``), so a store that ignores
    a presigned URL's response overrides still serves safely; the declared type is kept in metadata.
    S3 user metadata is ASCII: the name and type are percent-encoded."""
    served = delivery(stored.content_type, head)
    metadata = {"owner": stored.owner, "file-name": quote(stored.file_name),
                "declared-type": quote(stored.content_type), "created-at": repr(stored.created_at),
                "expires-at": "" if stored.expires_at is None else repr(stored.expires_at)}
    return {"ContentType": served.content_type, "ContentDisposition": _disposition(served, stored.file_name),
            "Metadata": metadata}


def _from_metadata(file_id: str, head: dict[str, Any]) -> StoredFile:
    meta = head.get("Metadata", {})
    expires = meta.get("expires-at", "")
    return StoredFile(id=file_id, owner=meta.get("owner", ""),
                      file_name=unquote(meta.get("file-name", "file.bin")),
                      content_type=unquote(meta.get("declared-type", "application/octet-stream")),
                      size=int(head.get("ContentLength", 0)), created_at=float(meta.get("created-at", 0)
                                                                               or 0),
                      expires_at=float(expires) if expires else None)
