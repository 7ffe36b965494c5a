"""A production as plain data: the options it was made with, who says what and when, and the mix plan.

``ProductionOptions`` -> ``Plan`` -> ``Production`` is the split whisper makes between decoding
options, the decoding result and the task: the plan is decided (lines spoken and placed, cues
resolved, clips on tracks) before any bed is mixed, so it can be logged, returned to the user
(timestamps, subtitles, lip sync) and rendered by the audio mixer and the picture renderer alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

from soundstage.audio.render import SpilledMix
from soundstage.audio.timeline import Timeline
from soundstage.speech.controls import Controls
from soundstage.speech.timings import PhonemeTiming

__all__ = ["Plan", "Production", "ProductionOptions", "SpokenLine", "Word"]


@dataclass(frozen=True)
class ProductionOptions:
    controls: Controls = field(default_factory=Controls)
    loudness: float = -16.0  # LUFS integrated, the master's target
    seed: int = 0
    duration: float | None = None
    """Exact length in seconds (a video's); None: as long as the script needs."""
    max_speedup: float = 1.0
    """When the dialogue overflows ``duration``: speak up to this much faster, then drop trailing lines."""
    min_duration: float = 0.0
    """With ``duration`` None: the shortest length (s)."""
    max_duration: float | None = None
    """With ``duration`` None: the longest length (s); longer dialogue is fitted as for ``duration``."""
    step: float | None = None
    """With ``duration`` None: the length is rounded up to a whole number of these (a video frame)."""
    lead_in: float | None = None
    """Seconds before the first line; None: a beat of scene when there is sound design, else almost none."""
    spots_clear_of_speech: bool = False
    """Place the scene's foley in the gaps of the dialogue (sound for picture) instead of anywhere."""
    mono_speech: bool = False
    """Speech alone in one voice is mastered and delivered in mono (at the loudness target as measured)."""
    stems: bool = True
    """Keep a stem per track (dialogue, ambience, foley, music) beside the master."""


@dataclass(frozen=True)
class Word:
    word: str
    speaker: str
    start: float  # s on the timeline
    end: float


@dataclass(frozen=True)
class SpokenLine:
    speaker: str
    text: str
    start: float  # s on the timeline
    end: float
    language: str
    speed: float  # the line's speed as spoken (1.0: the request's own)
    phonemes: tuple[PhonemeTiming, ...]  # on the timeline: lip sync reads these

    def to_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "text": self.text, "start": round(self.start, 3),
                "end": round(self.end, 3), "language": self.language, "speed": round(self.speed, 3)}


@dataclass(frozen=True)
class Plan:
    timeline: Timeline
    lines: tuple[SpokenLine, ...]
    words: tuple[Word, ...]
    designed: bool  # any ambience, foley or music in the mix
    notes: tuple[str, ...]  # what the user should know (left-out cues, dropped lines), for the job log

    @property
    def duration(self) -> float:
        return self.timeline.duration

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON: what the job log and ``plan`` outputs show."""
        return {"duration": round(self.duration, 6), "lines": [line.to_dict() for line in self.lines],
                "timeline": self.timeline.to_dict(), "notes": list(self.notes)}


@dataclass(frozen=True)
class Production:
    """A plan and its mix, spilled to disk until ``close`` (a ``with`` block)."""

    plan: Plan
    mix: SpilledMix

    def close(self) -> None:
        self.mix.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def words(self) -> tuple[Word, ...]:
        return self.plan.words

    @property
    def designed(self) -> bool:
        return self.plan.designed

    @property
    def notes(self) -> tuple[str, ...]:
        return self.plan.notes
