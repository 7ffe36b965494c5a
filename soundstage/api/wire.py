"""The only fal-shaped code: internal jobs to the queue protocol's JSON (fal-protocol.md, section 4).

A failed or cancelled job is COMPLETED on the wire with ``error`` set (the Python client raises on
unknown states), and its result is non-2xx with ``detail`` and ``message``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from soundstage.jobs.models import Job, JobState, LogLine

__all__ = [
    "error_headers",
    "log_json",
    "queue_urls",
    "result_error_body",
    "status_body",
    "webhook_body",
    "wire_status",
]


def wire_status(state: JobState) -> str:
    if state is JobState.QUEUED:
        return "IN_QUEUE"
    if state is JobState.RUNNING:
        return "IN_PROGRESS"
    return "COMPLETED"


def queue_urls(queue_base: str, root: str, job_id: str) -> dict[str, str]:
    response_url = f"{queue_base.rstrip('/')}/{root}/requests/{job_id}"
    return {"request_id": job_id, "response_url": response_url, "status_url": f"{response_url}/status",
            "cancel_url": f"{response_url}/cancel"}


def log_json(line: LogLine) -> dict[str, Any]:
    stamp = dt.datetime.fromtimestamp(line.timestamp, tz=dt.UTC).isoformat()
    return {"message": line.message, "level": line.level, "source": "USER", "timestamp": stamp}


def status_body(job: Job, urls: dict[str, str], position: int, logs: list[LogLine] | None) -> dict[str, Any]:
    """``logs`` None means not requested: the key is still present (as null) once running."""
    body: dict[str, Any] = {"status": wire_status(job.state), **urls}
    if job.state is JobState.QUEUED:
        body["queue_position"] = position
        return body
    body["logs"] = None if logs is None else [log_json(line) for line in logs]
    if job.progress is not None:
        body["progress"] = job.progress
    if job.state.finished:
        body["metrics"] = {"inference_time": job.inference_time}
        body["error"] = job.error.message if job.error else None
        body["error_type"] = job.error.error_type if job.error else None
    return body


def error_headers(job: Job) -> dict[str, str]:
    """Headers of a failed result: the error type, and fal's marker for a user start deadline."""
    assert job.error is not None
    headers = {"x-fal-request-id": job.id, "x-fal-error-type": job.error.error_type}
    if job.error.error_type == "request_timeout":
        headers["X-Fal-Request-Timeout-Type"] = "user"  # clients do not retry these
    return headers


def result_error_body(job: Job) -> tuple[int, dict[str, Any]]:
    assert job.error is not None
    detail = job.error.detail if job.error.detail is not None else job.error.message
    return job.error.status, {"detail": detail, "message": job.error.message,
                              "error_type": job.error.error_type, "request_id": job.id}


def webhook_body(job: Job) -> dict[str, Any]:
    base = {"request_id": job.id, "gateway_request_id": job.id}
    if job.error is None:
        return {**base, "status": "OK", "payload": job.result}
    status, body = result_error_body(job)
    return {**base, "status": "ERROR", "error": f"Invalid status code: {status}",
            "payload": {"detail": body["detail"]}}
