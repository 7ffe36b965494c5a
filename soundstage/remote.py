"""A small client of our own HTTP API, for the command line: upload, submit, follow, result, download, cancel.

It speaks the same queue protocol as fal's clients (which are not a runtime dependency) and sends the
key only in the ``Authorization`` header.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from soundstage.errors import SoundstageError

__all__ = ["Remote", "RemoteError", "Submitted", "endpoint_root"]

CONNECT_SECONDS = 30.0
NAMESPACES = frozenset({"workflows", "comfy"})  # as apps.registry: these first segments are namespaces


class RemoteError(SoundstageError):
    """The server refused or failed a request; the message is the server's own."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Submitted:
    request_id: str
    path: str  # /queue/{root}/requests/{id}


def endpoint_root(endpoint_id: str) -> str:
    parts = [p for p in endpoint_id.split("/") if p]
    return "/".join(parts[:3 if parts and parts[0] in NAMESPACES else 2])


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    detail = body.get("message") or body.get("detail") if isinstance(body, dict) else body
    return detail if isinstance(detail, str) else json.dumps(detail)


def _checked(response: httpx.Response) -> httpx.Response:
    if response.is_error:
        response.read()  # a streamed response's body, for the message
        raise RemoteError(f"{response.status_code}: {_message(response)}", response.status_code)
    return response


class Remote:
    def __init__(self, server: str, key: str | None) -> None:
        headers = {"Authorization": f"Key {key}"} if key else {}
        self.http = httpx.Client(base_url=server.rstrip("/"), headers=headers,
                                 timeout=httpx.Timeout(CONNECT_SECONDS, read=None))

    def close(self) -> None:
        self.http.close()

    def app(self, app_id: str) -> dict[str, Any]:
        """The app's entry of ``GET /apps`` (its input schema), by id or alias."""
        apps = _checked(self.http.get("/apps")).json()["apps"]
        found = next((a for a in apps if app_id == a["id"] or app_id in a.get("aliases", [])), None)
        if found is None:
            known = ", ".join(a["id"] for a in apps)
            raise RemoteError(f"no app {app_id!r} on this server; apps: {known}", 404)
        return dict(found)

    def upload(self, path: Path) -> str:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        target = _checked(self.http.post("/rest/storage/upload/initiate", json={
            "content_type": content_type, "file_name": path.name})).json()
        with path.open("rb") as f:
            _checked(httpx.put(target["upload_url"], content=f.read(), headers={"Content-Type": content_type},
                               timeout=CONNECT_SECONDS))
        return str(target["file_url"])

    def submit(self, app_id: str, payload: dict[str, Any]) -> Submitted:
        body = _checked(self.http.post(f"/queue/{app_id}", json=payload)).json()
        return Submitted(body["request_id"], f"/queue/{endpoint_root(app_id)}/requests/{body['request_id']}")

    def statuses(self, job: Submitted) -> Iterator[dict[str, Any]]:
        """Status events with only new log lines, until COMPLETED (the status stream, SSE)."""
        with self.http.stream("GET", f"{job.path}/status/stream", params={"logs": "1"}) as response:
            _checked(response)
            for line in response.iter_lines():
                if line.startswith("data:"):
                    yield json.loads(line[5:])

    def result(self, job: Submitted) -> dict[str, Any]:
        return dict(_checked(self.http.get(job.path)).json())

    def cancel(self, job: Submitted) -> None:
        self.http.put(f"{job.path}/cancel", timeout=CONNECT_SECONDS)

    def download(self, url: str, path: Path) -> int:
        with httpx.stream("GET", url, follow_redirects=True, timeout=CONNECT_SECONDS) as response:
            _checked(response)
            with path.open("wb") as out:
                for part in response.iter_bytes():
                    out.write(part)
        return path.stat().st_size
