"""A Script as plain data: lines, pauses and sound cues in order, with the speakers who say them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = ["Cue", "CueKind", "Delivery", "Item", "Line", "Mode", "Pause", "Script", "Speaker"]


class Mode(enum.Enum):
    TEXT = "text"  # the prompt is read aloud as written
    SCRIPT = "script"  # speaker lines, directions, pauses and cues
    INSTRUCTION = "instruction"  # a request for a production; a writer turns it into a script


class CueKind(enum.Enum):
    SFX = "sfx"  # a spot sound at this point of the script
    AMBIENCE = "ambience"  # a bed from here on
    MUSIC = "music"  # a music bed from here on


@dataclass(frozen=True)
class Delivery:
    """How a line is spoken, as far as the engine allows: multipliers on the request's controls."""

    speed: float = 1.0
    pitch: float = 0.0  # semitones added to the request's pitch
    gain_db: float = 0.0
    notes: tuple[str, ...] = ()  # the directions as written, e.g. ("whispering",)


@dataclass(frozen=True)
class Line:
    speaker: str
    text: str
    delivery: Delivery = field(default_factory=Delivery)


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Cue:
    kind: CueKind
    description: str
    reference: int | None = None  # 1-based @AudioN used as the sound itself


Item = Line | Pause | Cue


@dataclass(frozen=True)
class Speaker:
    name: str
    voice: str | None = None  # set explicitly in the script ("NAME (voice: kian_en_zh):")
    gender: str | None = None  # a hint for choosing a voice: "female" | "male"
    # a writer's hint: "child" | "young" | "adult" | "old" (casting does not use it yet)
    age: str | None = None


@dataclass(frozen=True)
class Script:
    mode: Mode
    items: tuple[Item, ...]
    speakers: tuple[Speaker, ...]
    title: str = ""
    setting: str = ""  # a place or scene for the sound design ("late-night convenience store")
    notes: tuple[str, ...] = ()  # what the parser or director wants the user to know (logged)
    length: float | None = None  # seconds the scene should last at least (a director's soundscape)

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(i for i in self.items if isinstance(i, Line))

    @property
    def cues(self) -> tuple[Cue, ...]:
        return tuple(i for i in self.items if isinstance(i, Cue))
