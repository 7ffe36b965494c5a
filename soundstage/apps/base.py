"""What an app is, and what it gets while it runs.

An app declares its endpoint id, a pydantic ``Input`` and ``Output`` (its public schema), and a
``load`` function called once per worker process that returns the runner (models stay warm in it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Protocol

import numpy as np
from pydantic import BaseModel
from starlette.routing import BaseRoute

from soundstage.settings import Settings
from soundstage.sound.lexicon import Lexicon
from soundstage.sound.registry import SoundRegistry
from soundstage.speech.engine import SpeechEngine

if TYPE_CHECKING:
    from soundstage.production.voice_match import VoiceMatcher
    from soundstage.script.writing import Writer
    from soundstage.video.renderer import VideoRenderer

__all__ = ["App", "AppEnv", "OutputFile", "RunContext", "Runner", "Toolkit"]


@dataclass(frozen=True)
class OutputFile:
    """A file an app wrote; ``to_json`` is fal's File object."""

    url: str
    content_type: str
    file_name: str
    file_size: int

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "content_type": self.content_type, "file_name": self.file_name,
                "file_size": self.file_size}


class RunContext(Protocol):
    """Everything a running job may touch. Implemented by the worker."""

    request_id: str
    seed: int
    rng: np.random.Generator

    def log(self, message: str, level: str = "INFO") -> None: ...
    def progress(self, fraction: float, message: str | None = None) -> None: ...
    def cancelled(self) -> bool:
        """True once the user asked to cancel, or the worker is stopping (the job is then requeued);
        long runs check it between steps."""
        ...
    def check_cancelled(self) -> None:
        """Raise ``Cancelled`` if cancellation was requested; or, if the worker is stopping, a
        BaseException that hands the job back to the queue (so let it through)."""
        ...
    def emit(self, event: Any) -> None:
        """A partial result for ``/run/{id}/stream`` clients (JSON-able)."""
        ...
    def save(self, data: bytes | IO[bytes], *, file_name: str, content_type: str) -> OutputFile:
        """Store an output (bytes, or a seekable file read to its end: a long output never sits in memory);
        removed again if the job fails or is cancelled."""
        ...
    def fetch(self, url: str, *, field: str, limit: int) -> tuple[bytes, str]:
        """An input file (http(s), data: or our own file URL) as (bytes, content type)."""
        ...


Runner = Callable[[Any, RunContext], BaseModel]


class Admission(Protocol):
    """What an app's submit-time check may do: it runs in the API process before anything is queued,
    so a bad reference file is a 422 at submit rather than a failed job."""

    settings: Settings

    def fetch(self, url: str, *, field: str, limit: int) -> tuple[bytes, str]: ...
    def keep(self, data: bytes, *, file_name: str, content_type: str) -> str:
        """Store bytes already fetched as one of the owner's files; returns its URL (so the worker
        reads them from storage instead of fetching again)."""
        ...


Admit = Callable[[Any, Admission], BaseModel]


class Toolkit(Protocol):
    """Engines a worker process builds once, on first need, and shares between all its apps (so seven
    video endpoints and the audio app hold one speech model). Built in ``services.py``."""

    def speech(self) -> SpeechEngine: ...
    def sounds(self) -> SoundRegistry: ...
    def lexicon(self) -> Lexicon: ...
    def matcher(self) -> VoiceMatcher:
        """Reference-voice matching and voice similarity (the speaker encoder; its embedding cache)."""
        ...
    def pictures(self) -> VideoRenderer:
        """The video renderer named by ``Settings.video_renderer``."""
        ...
    def writer(self) -> Writer:
        """Writes instruction prompts (``Settings.writer``: an endpoint, the embedded model, or the offline
        director); a loaded model stays warm for the worker's life."""
        ...


@dataclass(frozen=True)
class AppEnv:
    """What ``App.load`` receives: settings and the worker's shared engines."""

    settings: Settings
    toolkit: Toolkit


@dataclass(frozen=True)
class App:
    id: str
    """Canonical endpoint id (``owner/alias``); submit paths below it reach the same app."""
    title: str
    input: type[BaseModel]
    output: type[BaseModel]
    load: Callable[[AppEnv], Runner]
    aliases: tuple[str, ...] = ()
    description: str = ""
    max_concurrency: int | None = None
    """Jobs of this app running at once across all workers (None: as many as there are workers)."""
    tags: tuple[str, ...] = field(default=())
    admit: Admit | None = None
    """Submit-time checks that need more than the schema (e.g. fetching and probing reference clips);
    raises InvalidInput, and may return a rewritten input."""
    routes: tuple[BaseRoute, ...] = ()
    """HTTP routes the app adds to the API beside the queue (e.g. the speech side's ``/voices`` and
    ``/v1/audio/speech``). They run in the API process: they submit jobs, never load models; handlers
    reach the services through ``soundstage.api.edge``. Core routes win a clash."""

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)
