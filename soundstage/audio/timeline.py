"""The mix plan: tracks of clips on a timeline, as plain data (JSON in, JSON out).

A plan names its audio by key (``Clip.source``); the renderer receives the buffers separately, so a
plan can be logged, returned to a user, edited and rendered again at another rate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from soundstage.audio.buffer import MIX_RATE
from soundstage.audio.ducking import DuckingParams
from soundstage.audio.master import MasterParams
from soundstage.audio.reverb import Space
from soundstage.errors import InvalidInput

__all__ = ["DEFAULT_SEND_DB", "Clip", "Timeline", "Track", "TrackKind"]

DEFAULT_SEND_DB = -14.0  # dB: reverb send of a clip placed in a space; constant with distance, as the
# diffuse field of a room is (Sabine), so far sources sound more reverberant as their dry level drops


class TrackKind(str, Enum):
    DIALOGUE = "dialogue"
    AMBIENCE = "ambience"
    FOLEY = "foley"
    MUSIC = "music"

    @property
    def is_bed(self) -> bool:
        """Beds duck under dialogue by default."""
        return self in (TrackKind.AMBIENCE, TrackKind.MUSIC)


@dataclass(frozen=True)
class Clip:
    source: str  # key of the buffer passed to the renderer
    start: float  # s on the timeline (may be negative: the clip's head is cut)
    duration: float | None = None  # s; None: the source's length (looped clips: to the end)
    offset: float = 0.0  # s into the source
    loop: bool = False  # repeat the source to fill ``duration`` (beds are rendered seamless)
    gain_db: float = 0.0
    fade_in: float = 0.0  # s
    fade_out: float = 0.0  # s
    pan: float = 0.0  # -1 left .. +1 right (constant power)
    distance: float = 1.0  # m: level (1/r), air low-pass; dry/reverb balance follows
    space: str | None = None  # name of a Space for the reverb send
    send_db: float = DEFAULT_SEND_DB

    def __post_init__(self) -> None:
        _check(self.duration is None or self.duration >= 0, "clip.duration", self.duration, ">= 0")
        _check(self.offset >= 0, "clip.offset", self.offset, ">= 0")
        _check(self.fade_in >= 0 and self.fade_out >= 0, "clip.fade_in/fade_out",
               (self.fade_in, self.fade_out), ">= 0")
        _check(-1.0 <= self.pan <= 1.0, "clip.pan", self.pan, "within [-1, 1]")
        _check(self.distance > 0, "clip.distance", self.distance, "> 0 m")


@dataclass(frozen=True)
class Track:
    name: str
    kind: TrackKind
    clips: tuple[Clip, ...] = ()
    gain_db: float = 0.0
    duck: bool | None = None  # None: beds duck under dialogue, other kinds do not

    @property
    def ducked(self) -> bool:
        return self.kind.is_bed if self.duck is None else self.duck


@dataclass(frozen=True)
class Timeline:
    duration: float  # s; the output is exactly round(duration * rate) frames
    tracks: tuple[Track, ...]
    spaces: tuple[Space, ...] = ()
    ducking: DuckingParams = field(default_factory=DuckingParams)
    master: MasterParams = field(default_factory=MasterParams)
    rate: int = MIX_RATE

    def __post_init__(self) -> None:
        _check(self.duration > 0, "timeline.duration", self.duration, "> 0 s")
        names = [t.name for t in self.tracks]
        _check(len(set(names)) == len(names), "timeline.tracks", names, "unique names")
        known = {s.name for s in self.spaces}
        for clip in (c for t in self.tracks for c in t.clips):
            _check(clip.space is None or clip.space in known, "clip.space", clip.space,
                   f"one of {sorted(known)}")

    @property
    def frames(self) -> int:
        return round(self.duration * self.rate)

    def space(self, name: str) -> Space:
        return next(s for s in self.spaces if s.name == name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timeline:
        tracks = tuple(
            Track(**{**t, "kind": TrackKind(t["kind"]),
                     "clips": tuple(Clip(**c) for c in t.get("clips", ()))})
            for t in data["tracks"]
        )
        return cls(
            duration=data["duration"],
            tracks=tracks,
            spaces=tuple(Space(**s) for s in data.get("spaces", ())),
            ducking=DuckingParams(**data.get("ducking", {})),
            master=MasterParams(**data.get("master", {})),
            rate=data.get("rate", MIX_RATE),
        )


def _check(ok: bool, name: str, value: object, limit: str) -> None:
    if not ok:
        raise InvalidInput(f"{name}: {value!r} is out of range; it must be {limit}", field=name, value=value)
