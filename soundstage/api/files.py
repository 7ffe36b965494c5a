"""Uploads through both clients' protocols, and downloads with HTTP Range (fal-protocol.md, section 9).

Upload targets (PUT URLs, CDN part URLs) are capabilities: they ignore any Authorization header the
clients attach. Download URLs work without a key, like signed CDN URLs, until they expire; they are on
``SOUNDSTAGE_FILES_URL`` when it is set, and served as ``storage.serving`` decides (issue 17).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from typing import IO, Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from soundstage.api.edge import base_url, owner, read_json, services
from soundstage.errors import InvalidInput, PayloadTooLarge, Unauthorized
from soundstage.storage.base import Download, StoredFile
from soundstage.storage.serving import FILE_HEADERS, SNIFF_BYTES, Delivery, delivery
from soundstage.storage.urls import file_url

__all__ = [
    "cdn_complete",
    "cdn_multipart_begin",
    "cdn_put_part",
    "cdn_token",
    "cdn_upload",
    "complete_upload",
    "download",
    "initiate",
    "initiate_multipart",
    "put_part",
    "put_upload",
]

CDN_TOKEN_SECONDS = 3600.0
PART_HEADERS = {"Access-Control-Expose-Headers": "ETag"}
SPOOL_BYTES = 1 << 20  # an upload body is kept in memory up to this, then in a temp file


def _ttl(request: Request) -> float | None:
    """Lifetime from the lifecycle headers, else the configured default."""
    default = services(request).settings.file_ttl_seconds
    for name in ("x-fal-object-lifecycle", "x-fal-object-lifecycle-preference"):
        raw = request.headers.get(name)
        if raw:
            try:
                seconds = json.loads(raw).get("expiration_duration_seconds")
            except (json.JSONDecodeError, AttributeError):
                continue
            if isinstance(seconds, (int, float)) and seconds > 0:
                return float(seconds)
    return default


def _url(request: Request, stored_id: str, name: str) -> str:
    return file_url(services(request).settings.files_url or base_url(request), stored_id, name)


async def _spool(request: Request) -> IO[bytes]:
    """The request body in a temp file (memory first), refused as soon as it passes the upload limit."""
    limit = services(request).settings.max_upload_bytes
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit:
        raise PayloadTooLarge(f"Upload is {declared} bytes; the limit is {limit}")
    spooled = tempfile.SpooledTemporaryFile(SPOOL_BYTES)  # noqa: SIM115 - handed to the caller
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            spooled.close()
            raise PayloadTooLarge(f"Upload is larger than the limit of {limit} bytes")
        spooled.write(chunk)
    spooled.seek(0)
    return spooled


async def _begin(request: Request) -> tuple[str, str]:
    svc = services(request)
    body = await read_json(request)
    name = str(body.get("file_name") or "upload.bin")
    content_type = str(body.get("content_type") or "application/octet-stream")
    pending = await svc.jobs.run(lambda: svc.storage.begin(owner=owner(request), file_name=name,
                                                           content_type=content_type,
                                                           ttl_seconds=_ttl(request)))
    return f"{base_url(request)}/uploads/{pending.upload_id}", _url(request, pending.file_id, name)


async def initiate(request: Request) -> Response:
    upload_url, url = await _begin(request)
    return JSONResponse({"upload_url": upload_url, "file_url": url})


async def initiate_multipart(request: Request) -> Response:
    return await initiate(request)


async def _write_part(request: Request, upload_id: str, number: int) -> str:
    svc = services(request)
    with await _spool(request) as body:
        return await svc.jobs.run(svc.storage.put_part, upload_id, number, body)


async def _complete(request: Request, numbers: list[int]) -> StoredFile:
    svc = services(request)
    return await svc.jobs.run(svc.storage.complete, request.path_params["upload_id"], numbers)


async def put_upload(request: Request) -> Response:
    """Single-request upload to the URL from ``initiate``: one part, completed at once."""
    await _write_part(request, request.path_params["upload_id"], 1)
    await _complete(request, [1])
    return JSONResponse({"ok": True})


async def put_part(request: Request) -> Response:
    number = request.path_params["number"]
    etag = await _write_part(request, request.path_params["upload_id"], number)
    return JSONResponse({"partNumber": number, "etag": etag}, headers={"ETag": etag, **PART_HEADERS})


def _part_numbers(body: Any) -> list[int]:
    parts = body.get("parts") if isinstance(body, dict) else None
    if not isinstance(parts, list) or not parts:
        raise InvalidInput("parts: a non-empty list of {partNumber, etag} is required", field="parts",
                           value=parts)
    try:
        return [int(p["partNumber"]) for p in parts]
    except (KeyError, TypeError, ValueError) as e:
        raise InvalidInput("parts: every entry needs an integer partNumber", field="parts",
                           value=parts) from e


async def complete_upload(request: Request) -> Response:
    stored = await _complete(request, _part_numbers(await read_json(request)))
    return JSONResponse({"file_url": _url(request, stored.id, stored.file_name)})


# -- Python fal-client's CDN v3 protocol ------------------------------------------------------
async def cdn_token(request: Request) -> Response:
    svc = services(request)
    token = svc.signer.token({"sub": owner(request), "scope": "cdn"}, CDN_TOKEN_SECONDS)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=CDN_TOKEN_SECONDS - 60)
    return JSONResponse({"token": token, "token_type": "Bearer", "base_url": f"{base_url(request)}/cdn",
                         "expires_at": expires.isoformat()})


def _cdn_owner(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.count(".") == 2:
        claims = services(request).signer.verify_token(token.strip())
        if claims.get("scope") == "cdn":
            return str(claims["sub"])
    if not services(request).settings.auth:
        return owner(request)
    raise Unauthorized("CDN uploads need the token from POST /rest/storage/auth/token")


def _name_and_type(request: Request) -> tuple[str, str]:
    return (request.headers.get("x-fal-file-name") or "upload.bin",
            request.headers.get("content-type") or "application/octet-stream")


async def cdn_upload(request: Request) -> Response:
    svc = services(request)
    who = _cdn_owner(request)
    name, content_type = _name_and_type(request)
    ttl = _ttl(request)
    with await _spool(request) as body:
        stored = await svc.jobs.run(lambda: svc.storage.put(body, owner=who, file_name=name,
                                                            content_type=content_type, ttl_seconds=ttl))
    return JSONResponse({"access_url": _url(request, stored.id, stored.file_name)})


async def cdn_multipart_begin(request: Request) -> Response:
    svc = services(request)
    name, content_type = _name_and_type(request)
    who, ttl = _cdn_owner(request), _ttl(request)
    pending = await svc.jobs.run(lambda: svc.storage.begin(owner=who, file_name=name,
                                                           content_type=content_type, ttl_seconds=ttl))
    return JSONResponse({"access_url": _url(request, pending.file_id, name), "uploadId": pending.upload_id})


async def cdn_put_part(request: Request) -> Response:
    etag = await _write_part(request, request.path_params["upload_id"], request.path_params["number"])
    return Response(status_code=200, headers={"ETag": etag, **PART_HEADERS})


async def cdn_complete(request: Request) -> Response:
    stored = await _complete(request, _part_numbers(await read_json(request)))
    return JSONResponse({"access_url": _url(request, stored.id, stored.file_name)})


# -- downloads --------------------------------------------------------------------------------
async def download(request: Request) -> Response:
    """Local files are served here (Range supported); object-store files redirect to a presigned URL."""
    svc = services(request)
    file_id = request.path_params["file_id"]

    def locate() -> tuple[StoredFile, Download, Delivery]:
        stored = svc.storage.stat(file_id)
        served = delivery(stored.content_type, svc.storage.read(file_id, SNIFF_BYTES))
        return stored, svc.storage.download(stored, served), served

    stored, target, served = await svc.jobs.run(locate)
    if target.url is not None:
        return RedirectResponse(target.url, status_code=307,
                                headers={"Cache-Control": "no-store", **FILE_HEADERS})
    assert target.path is not None
    return FileResponse(target.path, media_type=served.content_type, filename=stored.file_name,
                        content_disposition_type=served.disposition.value,
                        headers={"Cache-Control": "private, max-age=3600", **served.headers})
