"""Synchronous run and output streaming on the run host (fal-protocol.md, section 5)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from soundstage.api import wire
from soundstage.api.edge import files_base, read_json, services
from soundstage.api.queue import SSE_HEADERS, create_job
from soundstage.jobs.models import Job, JobState
from soundstage.storage.urls import resolve_refs

__all__ = ["run"]

STREAM_SUFFIX = "/stream"
MIN_POLL, MAX_POLL = 0.005, 0.1  # seconds: quick for short jobs, cheap for long ones


async def _payload(request: Request) -> Any:
    if request.method == "GET":
        return dict(request.query_params)
    return await read_json(request)


async def run(request: Request) -> Response:
    endpoint_id: str = request.path_params["endpoint"]
    streaming = endpoint_id.endswith(STREAM_SUFFIX) and request.method == "POST"
    if streaming:
        endpoint_id = endpoint_id[: -len(STREAM_SUFFIX)]
    job = await create_job(request, endpoint_id, await _payload(request))
    if streaming:
        return StreamingResponse(_events(request, job), media_type="text/event-stream",
                                 headers={**SSE_HEADERS, "x-fal-request-id": job.id})
    job = await _wait(request, job)
    return _final(job, files_base(request))


async def _wait(request: Request, job: Job) -> Job:
    jobs = services(request).jobs
    delay = MIN_POLL
    async with jobs.watch(job.id) as watch:
        while not job.state.finished:
            await watch.wait(delay)
            delay = min(delay * 1.5, MAX_POLL)
            job = await jobs.get(job.owner, job.id)
    return job


def _final(job: Job, base: str) -> Response:
    headers = {"x-fal-request-id": job.id}
    if job.state is JobState.SUCCEEDED:
        return JSONResponse(resolve_refs(job.result, base), headers=headers)
    code, body = wire.result_error_body(job)
    return JSONResponse(body, status_code=code, headers=wire.error_headers(job))


async def _events(request: Request, job: Job) -> AsyncIterator[str]:
    """The app's emitted events as they come, then the final output (or an error event)."""
    jobs, base = services(request).jobs, files_base(request)
    seen, delay = 0, MIN_POLL
    async with jobs.watch(job.id) as watch:
        while True:
            fresh = await jobs.events(job.id, seen)
            for seq, event in fresh:
                seen = seq
                yield f"data: {json.dumps(resolve_refs(event, base))}\n\n"
            if job.state.finished:
                break
            delay = MIN_POLL if fresh else min(delay * 1.5, MAX_POLL / 2)  # streamed audio goes out within ms
            await watch.wait(delay)
            job = await jobs.get(job.owner, job.id)
    for seq, event in await jobs.events(job.id, seen):
        yield f"data: {json.dumps(resolve_refs(event, base))}\n\n"
    final: Any = job.result if job.state is JobState.SUCCEEDED else {"error": wire.result_error_body(job)[1]}
    yield f"data: {json.dumps(resolve_refs(final, base))}\n\n"
