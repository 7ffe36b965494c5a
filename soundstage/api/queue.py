"""Queue routes: submit, status, status stream (SSE), result, cancel (fal-protocol.md, section 4)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from soundstage.api import wire
from soundstage.api.admission import SubmitAdmission
from soundstage.api.edge import base_url, files_base, owner, read_json, services, truthy, validate
from soundstage.apps.registry import endpoint_root
from soundstage.errors import InvalidInput
from soundstage.jobs.aio import Snapshot
from soundstage.jobs.models import Job, JobState, NewJob, Priority
from soundstage.storage.fetch import check_url
from soundstage.storage.urls import resolve_refs, resolve_text

__all__ = ["SSE_HEADERS", "cancel", "create_job", "result", "status", "status_stream", "submit"]

KEEPALIVE_SECONDS = 15.0
RECHECK_SECONDS = 1.0  # a stream looks again this often even without a notification (one lost is harmless)
SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def _priority(request: Request) -> Priority:
    raw = request.headers.get("x-fal-queue-priority", "normal").strip().lower()
    if raw not in {"normal", "low"}:
        raise InvalidInput(f"X-Fal-Queue-Priority must be 'normal' or 'low', got {raw!r}",
                           field="X-Fal-Queue-Priority", value=raw)
    return Priority.LOW if raw == "low" else Priority.NORMAL


def _deadline(request: Request) -> float | None:
    raw = request.headers.get("x-fal-request-timeout")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError as e:
        raise InvalidInput(f"X-Fal-Request-Timeout must be a number of seconds, got {raw!r}",
                           field="X-Fal-Request-Timeout", value=raw) from e
    if seconds <= 0:
        raise InvalidInput(f"X-Fal-Request-Timeout must be positive, got {raw!r}",
                           field="X-Fal-Request-Timeout", value=raw)
    return time.time() + seconds


async def create_job(request: Request, endpoint_id: str, payload: Any) -> Job:
    """Validate (422 before anything is queued), store, and wake a worker."""
    return (await _enqueue(request, endpoint_id, payload)).job


async def _enqueue(request: Request, endpoint_id: str, payload: Any) -> Snapshot:
    """``create_job``, with the new job's queue position read in the same thread hop."""
    svc = services(request)
    who = owner(request)
    app = svc.registry.resolve(endpoint_id)
    allow_private = svc.settings.allow_private_urls
    model = validate(app.input, payload, context={"allow_private_urls": allow_private})
    if app.admit is not None:
        model = await svc.jobs.run(app.admit, model, SubmitAdmission(svc, who, base_url(request)))
    webhook = request.query_params.get("fal_webhook")
    if webhook:
        await svc.jobs.run(check_url, webhook, "fal_webhook", allow_private,
                           frozenset(svc.settings.allowed_hosts))
    new = NewJob(owner=who, app_id=app.id, endpoint_id=endpoint_id, input=model.model_dump(mode="json"),
                 priority=_priority(request), start_deadline=_deadline(request), webhook_url=webhook,
                 base_url=base_url(request))
    return await svc.jobs.enqueue(new, svc.doorbell)


def _queue_base(request: Request) -> str:
    return f"{base_url(request)}/queue"


async def submit(request: Request) -> Response:
    endpoint_id = request.path_params["endpoint"]
    queued = await _enqueue(request, endpoint_id, await read_json(request))
    urls = wire.queue_urls(_queue_base(request), endpoint_root(endpoint_id), queued.job.id)
    body = {"status": "IN_QUEUE", **urls, "queue_position": queued.position}
    return JSONResponse(body, headers={"x-fal-request-id": queued.job.id})


async def _lookup(request: Request) -> Job:
    return await services(request).jobs.get(owner(request), request.path_params["request_id"])


async def _status_json(request: Request, job_id: str, logs_after: int | None) -> tuple[Job, dict[str, Any]]:
    snap = await services(request).jobs.snapshot(owner(request), job_id, logs_after)
    urls = wire.queue_urls(_queue_base(request), request.path_params["root"], snap.job.id)
    base = files_base(request)
    logs = (None if snap.logs is None
            else [replace(line, message=resolve_text(line.message, base)) for line in snap.logs])
    return snap.job, wire.status_body(snap.job, urls, snap.position, logs)


async def status(request: Request) -> Response:
    with_logs = truthy(request.query_params.get("logs"))
    job, body = await _status_json(request, request.path_params["request_id"], 0 if with_logs else None)
    return JSONResponse(body, status_code=200 if job.state.finished else 202,
                        headers={"x-fal-request-id": job.id})


async def status_stream(request: Request) -> Response:
    with_logs = truthy(request.query_params.get("logs"))
    first = await _status_json(request, request.path_params["request_id"], 0 if with_logs else None)
    return StreamingResponse(_status_events(request, first, with_logs), media_type="text/event-stream",
                             headers={**SSE_HEADERS, "x-fal-request-id": first[0].id})


async def _status_events(request: Request, first: tuple[Job, dict[str, Any]],
                         with_logs: bool) -> AsyncIterator[str]:
    """One event per change, the first from the lookup that opened the stream; each carries only log lines
    not sent before; closes after COMPLETED.

    Woken by the store's change feed (PostgreSQL: a notification; SQLite: the one shared poller, which also
    wakes a job's new watchers once), and rechecked every ``RECHECK_SECONDS`` (a queued job's position, a
    notification lost or sent before the watch began)."""
    sent_logs = 0
    last: tuple[Any, ...] | None = None
    last_sent = time.monotonic()
    job, body = first
    async with services(request).jobs.watch(job.id) as watch:
        while True:
            new_logs = body.get("logs") or []
            key = (body["status"], body.get("queue_position"), body.get("progress"))
            if key != last or new_logs:
                sent_logs += len(new_logs)
                last, last_sent = key, time.monotonic()
                yield f"data: {json.dumps(body)}\n\n"
            elif time.monotonic() - last_sent > KEEPALIVE_SECONDS:
                last_sent = time.monotonic()
                yield ": keep-alive\n\n"
            if job.state.finished:
                return
            await watch.wait(RECHECK_SECONDS)
            job, body = await _status_json(request, job.id, sent_logs if with_logs else None)


async def result(request: Request) -> Response:
    job = await _lookup(request)
    headers = {"x-fal-request-id": job.id}
    if not job.state.finished:
        return JSONResponse({"detail": "Request is still in progress",
                             "message": "Request is still in progress",
                             "status": wire.wire_status(job.state)}, status_code=400, headers=headers)
    if job.state is JobState.SUCCEEDED:
        return JSONResponse(resolve_refs(job.result, files_base(request)), headers=headers)
    code, body = wire.result_error_body(job)
    return JSONResponse(body, status_code=code, headers=wire.error_headers(job))


async def cancel(request: Request) -> Response:
    svc = services(request)
    job = await svc.jobs.cancel(owner(request), request.path_params["request_id"])
    return JSONResponse({"status": "CANCELLATION_REQUESTED"}, status_code=202,
                        headers={"x-fal-request-id": job.id})
