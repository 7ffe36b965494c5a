"""The SpeechEngine seam: a text segment, its language and a voice in; audio chunks and timings out.

Contract
- ``synthesize(request)`` yields one ``SpeechChunk`` per sentence (or per model window of a very long
  sentence) as soon as it is ready, so callers can play or encode while the rest is computed.
- Chunks are mono float32 at ``SPEECH_RATE``; each carries timings relative to its own start and its
  ``offset`` from the start of the request's audio (chunks are contiguous:
  offset_n+1 = offset_n + duration_n).
- Controls (speed, pitch, volume) are applied by the engine; the request is validated before any audio.
- Errors: ``InvalidInput`` for text or voices the engine cannot speak, ``AssetError`` for missing assets.
- Cancellation: once ``request.cancelled()`` is true the engine raises ``Cancelled`` before its next
  chunk, and an engine whose model calls run long stops inside them too (issue 9: within about 0.1 s).
- An engine owns its loaded model; build one per worker process with ``build_engine`` and pass it around.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

import numpy as np

from soundstage.audio.buffer import SPEECH_RATE, AudioBuffer
from soundstage.cancellation import never
from soundstage.errors import InvalidInput
from soundstage.speech.controls import Controls
from soundstage.speech.languages import Language
from soundstage.speech.timings import Timings
from soundstage.speech.voices import Voice

__all__ = [
    "ENTRY_POINT_GROUP",
    "EngineConfig",
    "EngineRegistry",
    "Speech",
    "SpeechChunk",
    "SpeechEngine",
    "SpeechRequest",
    "build_engine",
    "collect",
    "default_registry",
    "never",
]

ENTRY_POINT_GROUP = "soundstage.speech_engines"  # optional engines (e.g. Piper) register a factory here


@dataclass(frozen=True)
class SpeechRequest:
    text: str
    language: Language  # the segment's main language; spans in another script are identified inside
    voice: Voice
    controls: Controls = field(default_factory=Controls)
    cancelled: Callable[[], bool] = field(default=never, compare=False, repr=False)
    """Polled by the engine (from another thread too): true once the job was cancelled."""


@dataclass(frozen=True)
class SpeechChunk:
    audio: AudioBuffer  # mono, SPEECH_RATE
    timings: Timings  # relative to this chunk's start
    text: str  # what this chunk says
    language: Language  # the sentence's main language
    offset: float  # seconds from the start of the request's audio


class SpeechEngine(Protocol):
    name: str

    def languages(self) -> frozenset[Language]:
        """Languages this engine speaks natively (others may be refused or accented)."""
        ...

    def synthesize(self, request: SpeechRequest) -> Iterator[SpeechChunk]:
        """Yield the request's audio sentence by sentence (see the module contract)."""
        ...


@dataclass(frozen=True)
class EngineConfig:
    models_dir: Path  # <data_dir>/models
    threads: int = 2  # onnxruntime intra-op threads
    fetch: bool = True  # fetch missing assets from the registries on first need


EngineFactory = Callable[[EngineConfig], SpeechEngine]


class EngineRegistry:
    """Engines by name; built lazily, so an unused optional engine costs nothing."""

    def __init__(self) -> None:
        self._factories: dict[str, EngineFactory] = {}

    def register(self, name: str, factory: EngineFactory) -> None:
        self._factories[name] = factory

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._factories))

    def build(self, name: str, config: EngineConfig) -> SpeechEngine:
        if name not in self._factories:
            raise InvalidInput(f"engine: unknown speech engine {name!r}; known: {', '.join(self.names())}",
                               field="engine", value=name)
        return self._factories[name](config)


def default_registry() -> EngineRegistry:
    """Kokoro and espeak-ng, plus any engine installed under the ``soundstage.speech_engines`` group."""
    from soundstage.speech.espeak import build_espeak_engine
    from soundstage.speech.kokoro import build_kokoro_engine

    registry = EngineRegistry()
    registry.register("kokoro", build_kokoro_engine)
    registry.register("espeak", build_espeak_engine)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        registry.register(ep.name, ep.load())
    return registry


def build_engine(name: str, config: EngineConfig, registry: EngineRegistry | None = None) -> SpeechEngine:
    return (registry or default_registry()).build(name, config)


@dataclass(frozen=True)
class Speech:
    """All chunks of a request joined: the convenience for callers that want one buffer."""

    audio: AudioBuffer
    timings: Timings
    chunks: tuple[SpeechChunk, ...]


def collect(chunks: Iterable[SpeechChunk]) -> Speech:
    parts = tuple(chunks)
    if not parts:
        return Speech(AudioBuffer.silence(0, SPEECH_RATE), Timings((), ()), ())
    samples = np.concatenate([c.audio.samples for c in parts], axis=0)
    phonemes = tuple(p for c in parts for p in c.timings.shifted(c.offset).phonemes)
    words = tuple(w for c in parts for w in c.timings.shifted(c.offset).words)
    return Speech(AudioBuffer(samples, SPEECH_RATE), Timings(phonemes, words), parts)
