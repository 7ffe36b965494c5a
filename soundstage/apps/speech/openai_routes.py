"""OpenAI-compatible speech: ``POST /v1/audio/speech``, ``GET /v1/models``, ``GET /v1/audio/voices``.

The route runs as a job of ``soundstage/speech`` through the queue like any other request (the API
process never loads a model): it submits with ``stream`` on and relays the worker's audio events
as they land, so the response starts with the first phrase. The status code waits for the first
audio (or the job's error), so a failure before any audio is a proper OpenAI error; a client that
goes away cancels the job. Keys are the server's own (``Authorization: Bearer <key>``).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from soundstage.api.edge import owner, read_json, services, validate
from soundstage.api.queue import SSE_HEADERS, create_job
from soundstage.apps.speech.app import APP_ID, content_type
from soundstage.apps.speech.voices import OPENAI_VOICES
from soundstage.audio.streaming import StreamFormat
from soundstage.errors import AlreadyCompleted, InvalidInput, NotFound, SoundstageError
from soundstage.jobs.models import Job, JobState
from soundstage.speech.voices import KOKORO_VOICES, PRESET_IDS

__all__ = ["list_models", "list_voices", "model", "speech"]

MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "kokoro")  # one engine; the names existing code sends
MIN_POLL, MAX_POLL = 0.003, 0.05  # seconds: quick while the first phrase is due, cheap afterwards
CHARS_PER_TOKEN = 4  # usage figures in the SSE "done" event: OpenAI's rule of thumb for English text

Handler = Callable[[Request], Awaitable[Response]]


class VoiceRef(BaseModel):
    id: str


class OpenAISpeech(BaseModel):
    model: str
    input: str
    voice: str | VoiceRef
    response_format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] = "mp3"
    speed: float = 1.0
    stream_format: Literal["audio", "sse"] = "audio"
    instructions: str | None = Field(default=None, description="Accepted; Kokoro does not follow them.")

    @property
    def voice_id(self) -> str:
        return self.voice if isinstance(self.voice, str) else self.voice.id


def _error_body(exc: SoundstageError) -> tuple[int, dict[str, Any]]:
    status = 400 if isinstance(exc, InvalidInput) else exc.status
    param = None
    if isinstance(exc, InvalidInput) and exc.errors:
        param = ".".join(str(p) for p in exc.errors[0].loc[1:]) or None
    kind = "server_error" if status >= 500 else "invalid_request_error"
    code = {401: "invalid_api_key", 404: "not_found"}.get(status, exc.error_type)
    return status, {"error": {"message": str(exc), "type": kind, "param": param, "code": code}}


def openai_errors(handler: Handler) -> Handler:
    """Errors in OpenAI's shape (``{"error": {message, type, param, code}}``, 400 for bad input), which
    the SDK turns into its own exception classes."""
    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except SoundstageError as exc:
            status, body = _error_body(exc)
            return JSONResponse(body, status_code=status)
    return wrapped


def _check_model(name: str) -> None:
    if not any(name == m or name.startswith(f"{m}-") for m in MODELS):
        raise InvalidInput(f"model: {name!r} is not served here; models: {', '.join(MODELS)}", field="model",
                           value=name)


class JobFeed:
    """A job's stream events as they land; ``job`` is its latest state."""

    def __init__(self, request: Request, job: Job) -> None:
        self.jobs, self.job, self.seen = services(request).jobs, job, 0

    async def events(self) -> AsyncIterator[Any]:
        delay = MIN_POLL
        async with self.jobs.watch(self.job.id) as watch:
            while True:
                # state first: the events before it are read
                job = await self.jobs.get(self.job.owner, self.job.id)
                fresh = await self.jobs.events(job.id, self.seen)
                for seq, event in fresh:
                    self.seen = seq
                    yield event
                self.job = job
                if job.state.finished:
                    return
                delay = MIN_POLL if fresh else min(delay * 1.5, MAX_POLL)
                await watch.wait(delay)

    async def cancel(self) -> None:
        if not self.job.state.finished:
            with contextlib.suppress(AlreadyCompleted, NotFound):  # finished meanwhile: nothing to stop
                await self.jobs.cancel(self.job.owner, self.job.id)


class JobFailed(SoundstageError):
    """The speech job's own error, relayed with its status."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.error.message if job.error else f"the speech job ended {job.state.value}")
        self.status = job.error.status if job.error else 500
        self.error_type = job.error.error_type if job.error else "internal_error"


async def _relay(feed: JobFeed, stream: AsyncIterator[Any], first: Any, sse: bool,
                 chars: int) -> AsyncIterator[bytes]:
    """The first event's bytes, then the rest; the job is cancelled if the client goes away early."""
    try:
        event, total = first, 0
        while event is not None:
            data = base64.b64decode(event["data"])
            total += len(data)
            if data:
                yield (_sse({"type": "speech.audio.delta", "audio": event["data"]}) if sse else data)
            event = await anext(stream, None)
        if sse:
            if feed.job.state is JobState.SUCCEEDED:
                tokens = -(-chars // CHARS_PER_TOKEN)
                usage = {"input_tokens": tokens, "output_tokens": total, "total_tokens": tokens + total}
                yield _sse({"type": "speech.audio.done", "usage": usage})
            else:
                yield _sse(_error_body(JobFailed(feed.job))[1])
    finally:
        await feed.cancel()


def _sse(body: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(body)}\n\n".encode()


@openai_errors
async def speech(request: Request) -> Response:
    body = validate(OpenAISpeech, await read_json(request))
    assert isinstance(body, OpenAISpeech)
    _check_model(body.model)
    payload = {"input": body.input, "voice": body.voice_id, "response_format": body.response_format,
               "speed": body.speed, "stream": True}
    job = await create_job(request, APP_ID, payload)
    feed = JobFeed(request, job)
    stream = feed.events()
    first = await anext(stream, None)
    if first is None and feed.job.state is not JobState.SUCCEEDED:
        raise JobFailed(feed.job)
    headers = {"x-fal-request-id": job.id, "Cache-Control": "no-store"}
    if body.instructions:
        headers["x-soundstage-warning"] = "instructions are not followed: Kokoro reads the text as written"
    sse = body.stream_format == "sse"
    relay = _relay(feed, stream, first, sse, len(body.input))
    if sse:
        return StreamingResponse(relay, media_type="text/event-stream", headers={**SSE_HEADERS, **headers})
    media = content_type(StreamFormat(body.response_format))
    return StreamingResponse(relay, media_type=media, headers=headers)


def _model_json(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "soundstage"}


@openai_errors
async def list_models(request: Request) -> Response:
    owner(request)
    return JSONResponse({"object": "list", "data": [_model_json(m) for m in MODELS]})


@openai_errors
async def model(request: Request) -> Response:
    owner(request)
    name = request.path_params["model"]
    if name not in MODELS:
        raise NotFound(f"model {name!r} is not served here; models: {', '.join(MODELS)}")
    return JSONResponse(_model_json(name))


@openai_errors
async def list_voices(request: Request) -> Response:
    """Kokoro-FastAPI's shape (a list of ids), plus the OpenAI names and what they map to."""
    owner(request)
    return JSONResponse({"voices": [*PRESET_IDS, *KOKORO_VOICES], "openai_aliases": dict(OPENAI_VOICES)})
