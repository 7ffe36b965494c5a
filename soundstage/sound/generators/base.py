"""What a generator is: a named, seeded synthesis function with typed parameters and a calibrated level.

A synthesis function receives a :class:`SynthContext` and returns raw stereo samples of exactly
``ctx.frames`` frames at any level; the registry removes DC, applies distance, sets the level
from ``level_lufs`` and ``intensity``, fades spot sounds and guards the true peak.

Cancellation (issue 9): a 20 s bed takes 0.5-1.5 s of CPU, too long for one unchecked step. A synthesis
function calls ``ctx.check()`` between its stages and hands ``scatter`` its grains through
``ctx.checked(grains)``, so the check is also looked at before each grain's convolution. Checking draws
nothing from the generator's random stream: the samples are the same with or without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

import numpy as np

from soundstage.audio.dsp import Array
from soundstage.cancellation import CancelCheck, check, never

__all__ = ["CheckedGrains", "Family", "Generator", "ParamSpec", "SoundKind", "SynthContext", "stereo"]


class SoundKind(str, Enum):
    BED = "bed"  # continuous; renders as a seamless loop of any length
    SPOT = "spot"  # a one-shot event (or a short sequence of them) with a start and an end


class Family(str, Enum):
    WEATHER = "weather"
    WATER = "water"
    FIRE = "fire"
    STREET = "street"
    FOOTSTEPS = "footsteps"
    DOORS = "doors"
    HOUSEHOLD = "household"
    INTERIOR = "interior"
    KITCHEN = "kitchen"
    NATURE = "nature"
    TENSION = "tension"
    CROWD = "crowd"
    IMPACTS = "impacts"  # foley for a picture's motion: hits, landings, swings
    ANIMALS = "animals"  # recorded only (optional sample pack): no convincing procedural model


@dataclass(frozen=True)
class ParamSpec:
    """A generator-specific numeric parameter, validated against its range."""

    name: str
    default: float
    low: float
    high: float
    doc: str = ""


@dataclass(frozen=True)
class SynthContext:
    frames: int
    rate: int
    intensity: float  # 0 (faint, sparse) .. 1 (loud, dense)
    distance: float  # m from the listener; most models only use it for character (e.g. thunder)
    rng: np.random.Generator
    values: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    cancelled: CancelCheck = never

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def value(self, name: str) -> float:
        return float(self.values[name])

    def check(self) -> None:
        """Raise ``Cancelled`` if the job was cancelled: between stages of a synthesis."""
        check(self.cancelled)

    def checked(self, grains: Sequence[Array]) -> CheckedGrains:
        return CheckedGrains(grains, self.cancelled)


class CheckedGrains(Sequence[Array]):
    """Grains for ``synth.scatter`` that look at ``cancelled`` each time the next one is taken: scatter
    convolves one grain variant at a time (0.01-0.1 s each over a 20 s bed)."""

    def __init__(self, grains: Sequence[Array], cancelled: CancelCheck) -> None:
        self._grains, self._cancelled = grains, cancelled

    def __len__(self) -> int:
        return len(self._grains)

    def __getitem__(self, index: int) -> Array:  # type: ignore[override]
        return self._grains[index]

    def __iter__(self) -> Iterator[Array]:
        for grain in self._grains:
            check(self._cancelled)
            yield grain


SynthFn = Callable[[SynthContext], Array]


@dataclass(frozen=True)
class Generator:
    name: str
    family: Family
    kind: SoundKind
    synth: SynthFn
    level_lufs: float  # integrated loudness at intensity 0.5 and 1 m, as it sits in a -16 LUFS dialogue mix
    band: tuple[float, float]  # Hz: where the spectral centroid of the real sound lies
    description: str
    default_duration: float = 10.0  # s
    params: tuple[ParamSpec, ...] = ()
    intensity_db: float = 12.0  # level change across intensity 0 .. 1
    default_distance: float = 1.0  # m: "distant siren" defaults far away


def stereo(left: Array, right: Array | None = None) -> Array:
    """(frames, 2) float32 from one or two mono arrays."""
    r = left if right is None else right
    return np.stack([left, r], axis=1).astype(np.float32)
