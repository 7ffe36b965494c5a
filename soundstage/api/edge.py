"""Request helpers shared by the route modules: who is asking, where they reached us, what they sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from soundstage.errors import FieldError, InvalidInput, PayloadTooLarge, Unauthorized
from soundstage.services import Services

__all__ = ["KEY_OWNER", "base_url", "field_errors", "files_base", "owner", "read_body_to", "read_json",
           "services", "truthy", "validate"]

ANONYMOUS = "local"  # the single owner when auth is off (local development)
KEY_OWNER = "key_owner"  # request state: (credential, owner) looked up off the event loop (api.auth)
MAX_JSON_BYTES = 32 << 20  # a request body of JSON input; files go through uploads or URLs


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def owner(request: Request) -> str:
    """The owner id of the presented key (``Key``/``Bearer`` header or ``fal_jwt_token``)."""
    svc = services(request)
    if not svc.settings.auth:
        return ANONYMOUS
    token = request.query_params.get("fal_jwt_token")
    if token:
        return str(svc.signer.verify_token(token)["sub"])
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    credential = credential.strip()
    if scheme.lower() not in {"key", "bearer"} or not credential:
        raise Unauthorized("Missing credentials: send 'Authorization: Key <your key>'")
    prefetched = request.scope.get("state", {}).get(KEY_OWNER)
    who = prefetched[1] if prefetched and prefetched[0] == credential else svc.keys.owner_of(credential)
    if who is None and scheme.lower() == "bearer" and credential.count(".") == 2:
        who = str(svc.signer.verify_token(credential)["sub"])
    if who is None:
        raise Unauthorized("Invalid API key")
    return who


def base_url(request: Request) -> str:
    configured = services(request).settings.public_url
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


def files_base(request: Request) -> str:
    """Where file URLs point, as of this request: the files origin if set, else the API's (storage.urls)."""
    return services(request).settings.files_url or base_url(request)


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


async def read_json(request: Request) -> Any:
    body = await request.body()
    if len(body) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"JSON body is {len(body)} bytes; the limit is {MAX_JSON_BYTES}")
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"Body is not valid JSON: {e.msg} at position {e.pos}",
                           errors=(FieldError(("body",), f"Invalid JSON: {e.msg}", "json_invalid"),)) from e


def field_errors(exc: ValidationError) -> tuple[FieldError, ...]:
    """pydantic errors as FastAPI-style entries: the field, the value given, and the limit (``ctx``)."""
    out = []
    for err in exc.errors(include_url=False):
        ctx = {k: v if isinstance(v, (int, float, str, bool, list)) else str(v)
               for k, v in (err.get("ctx") or {}).items()}
        value = err.get("input")
        if not isinstance(value, (int, float, str, bool, list, dict, type(None))):
            value = str(value)
        out.append(FieldError(loc=("body", *err["loc"]), msg=err["msg"], type=err["type"], input=value,
                              ctx=ctx or None))
    return tuple(out)


def validate(model: type[BaseModel], payload: Any, context: dict[str, Any] | None = None) -> BaseModel:
    try:
        return model.model_validate(payload, context=context)
    except ValidationError as e:
        errors = field_errors(e)
        summary = "; ".join(f"{'.'.join(map(str, fe.loc[1:])) or 'body'}: {fe.msg}" for fe in errors)
        raise InvalidInput(summary, errors=errors) from e


async def read_body_to(request: Request, path: Path, limit: int) -> int:
    """Stream the request body into ``path``, refusing it as soon as it passes ``limit`` bytes."""
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit:
        raise PayloadTooLarge(f"Upload is {declared} bytes; the limit is {limit}")
    size = 0
    async with await anyio.open_file(path, "wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                break
            await out.write(chunk)
    if size > limit:
        path.unlink(missing_ok=True)
        raise PayloadTooLarge(f"Upload is larger than the limit of {limit} bytes")
    return size
