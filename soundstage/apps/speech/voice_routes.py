"""``GET /voices``: every voice the apps speak in, with a preview clip per voice.

A preview is rendered once by a worker (never in the API's event loop) as an ordinary speech job
owned by the server itself, then served from storage: later requests redirect to the same file.
Its file expires like any output (``SOUNDSTAGE_FILE_TTL_SECONDS``) while the job stays succeeded, so
a preview whose file is gone is rendered again on demand (issue 9): a preview URL never goes dead.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from soundstage.api.edge import base_url, files_base, services
from soundstage.errors import AppFailed, NotFound
from soundstage.jobs.models import JobState, NewJob, Priority
from soundstage.speech.voices import CustomVoices, preview_text, resolve_voice, voice_catalog
from soundstage.storage.urls import own_file_id, resolve_refs

if TYPE_CHECKING:
    from soundstage.services import Services

__all__ = ["PREVIEW_OWNER", "list_voices", "voice_preview"]

PREVIEW_OWNER = "system:previews"
PREVIEW_APP = "soundstage/speech"
PREVIEW_WAIT_SECONDS = 120.0
POLL_SECONDS = 0.2


def _custom(request: Request) -> CustomVoices:
    return CustomVoices(services(request).settings.data_dir / "voices.json")


async def list_voices(request: Request) -> Response:
    template = f"{base_url(request)}/voices/{{id}}/preview"
    rows = voice_catalog(template, _custom(request))
    return JSONResponse({"voices": [row.to_json() for row in rows]})


async def voice_preview(request: Request) -> Response:
    svc = services(request)
    voice = resolve_voice(request.path_params["voice_id"], _custom(request))
    index = svc.settings.data_dir / "previews" / f"{voice.id}.job"
    job_id = index.read_text().strip() if index.exists() else ""
    try:
        job = await svc.jobs.get(PREVIEW_OWNER, job_id) if job_id else None
    except NotFound:
        job = None
    if job is not None and job.state is JobState.SUCCEEDED and not await _file_kept(svc, job.result):
        job = None  # the file expired (or was removed): render the preview again
    if job is None or job.state in (JobState.FAILED, JobState.CANCELLED):
        payload = {"input": preview_text(voice), "voice": voice.id, "response_format": "mp3"}
        job = await svc.jobs.submit(NewJob(
            owner=PREVIEW_OWNER, app_id=PREVIEW_APP, endpoint_id=PREVIEW_APP, input=payload,
            priority=Priority.LOW, base_url=base_url(request)))
        svc.doorbell.ring()
        index.parent.mkdir(parents=True, exist_ok=True)
        index.write_text(job.id)
    waited = 0.0
    while not job.state.finished and waited < PREVIEW_WAIT_SECONDS:
        await asyncio.sleep(POLL_SECONDS)
        waited += POLL_SECONDS
        job = await svc.jobs.get(PREVIEW_OWNER, job.id)
    if job.state is not JobState.SUCCEEDED:
        why = job.error.message if job.error else job.state.value
        raise AppFailed(f"the preview of {voice.id} is not ready: {why}")
    return RedirectResponse(resolve_refs(job.result, files_base(request))["audio"]["url"], status_code=302)


async def _file_kept(svc: Services, result: object) -> bool:
    """Whether the preview job's audio file can still be downloaded."""
    url = result.get("audio", {}).get("url", "") if isinstance(result, dict) else ""
    file_id = own_file_id(str(url), ())
    if file_id is None:
        return False
    try:
        await svc.jobs.run(svc.storage.stat, file_id)
    except NotFound:
        return False
    return True
