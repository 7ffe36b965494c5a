"""Foley on the picture's events: which sound goes on which moment, rendered so its attack lands on the frame.

Each spot sound the prompt names is tied to what the picture shows: footsteps to the beats of a walk (or,
without a rhythm, to impacts), hits, slams, knocks and clinks to impacts (sudden stops), swings and doors
opening to starts. Two sources of one kind share the events in turn. Anything else (a horn, a phone, a
chime) is spread over its section as a scene's spot sounds are. A sound the prompt asks for in a range the
user placed, where the picture shows nothing, plays at the range's start; untimed, it is left out and
said so: silence where nothing moves.

A few variants of each sound are rendered once and reused; each clip starts where its variant's attack
(the first sample reaching a tenth of its peak) lands on the event's time, and its gain follows the
event's strength.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from types import MappingProxyType

import numpy as np

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.timeline import Clip
from soundstage.sound.lexicon import Cue
from soundstage.sound.registry import SoundRegistry
from soundstage.video.analysis import Analysis, EventKind, MotionEvent
from soundstage.video.events import EVENT_MIN

__all__ = ["Foley", "Moment", "Request", "Tie", "place", "tie_of"]

VARIANTS = 4  # renders per sound, used in turn
VARIANT_INTENSITY = 0.6
MAX_RATE = 4.0  # events per second one source follows at most (the strongest kept)
SPOT_SPACING = 6.0  # s: free spot sounds, about one per this much of their section (as scenes do)
STEP_SECONDS = 0.45  # one footstep rendered from the walk generator at its slowest pace
ATTACK = 0.1  # share of a variant's peak that marks its attack


class Tie(Enum):
    BEATS = "beats"  # footsteps: the walk's beats
    IMPACTS = "impacts"
    STARTS = "starts"
    FREE = "free"


_IMPACT = frozenset({"impact", "impact_wood", "impact_metal", "door_close", "door_knock", "glass_clink",
                     "cutlery_clink"})
_START = frozenset({"whoosh", "door_open", "door_creak"})


def tie_of(generator: str) -> Tie:
    if generator.startswith("footsteps_"):
        return Tie.BEATS
    if generator in _IMPACT:
        return Tie.IMPACTS
    return Tie.STARTS if generator in _START else Tie.FREE


@dataclass(frozen=True)
class Moment:
    time: float  # s: where the attack lands
    strength: float  # 0-1


@dataclass
class Foley:
    """Clips and the audio they name, with notes for the job log."""

    clips: list[Clip] = field(default_factory=list)
    sources: dict[str, AudioBuffer] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    placed: list[str] = field(default_factory=list)  # "impact at 1.083 s", for the log


def _strength(event: MotionEvent) -> float:
    """Event strength to 0-1: EVENT_MIN is a light touch, 64 times it a heavy blow (log scale)."""
    return min(1.0, max(0.15, 0.3 + 0.7 * math.log2(max(event.strength, EVENT_MIN) / EVENT_MIN) / 6))


def _attack(buf: AudioBuffer) -> float:
    mono = np.abs(buf.samples).max(axis=1)
    peak = float(mono.max())
    return 0.0 if peak <= 0 else int(np.argmax(mono >= ATTACK * peak)) / buf.rate


def _variants(registry: SoundRegistry, cue: Cue, seed: int) -> list[tuple[AudioBuffer, float]]:
    """(audio, attack time) per variant, at the variant intensity (clips adjust their gain)."""
    params = replace(cue.params, intensity=VARIANT_INTENSITY)
    if tie_of(cue.generator) is Tie.BEATS:  # one step: the walk at its slowest pace, cut after the first
        params = replace(params, duration=STEP_SECONDS,
                         values=MappingProxyType({**params.values, "pace": 0.5}))
    out = []
    for k in range(VARIANTS):
        buf = registry.render(cue.generator, replace(params, seed=seed + 7919 * k))
        out.append((buf, _attack(buf)))
    return out


def _moments(cue: Cue, analysis: Analysis, span: tuple[float, float]) -> list[Moment]:
    start, end = span
    tie = tie_of(cue.generator)
    if tie is Tie.BEATS:
        beats = [b for c in analysis.cadences for b in c.beats if start <= b < end]
        if beats:
            return [Moment(b, 0.6) for b in beats]
        tie = Tie.IMPACTS  # no rhythm: steps where feet (or anything) come down
    kind = {Tie.IMPACTS: EventKind.IMPACT, Tie.STARTS: EventKind.START}.get(tie)
    if kind is None:
        return []
    events = [e for e in analysis.events if e.kind is kind and start <= e.time < end]
    most = max(1, math.floor(MAX_RATE * (end - start)))
    kept = sorted(sorted(events, key=lambda e: -e.strength)[:most], key=lambda e: e.time)
    return [Moment(e.time, _strength(e)) for e in kept]


def _free_times(rng: np.random.Generator, span: tuple[float, float], index: int, count: int) -> list[float]:
    start, end = span
    length = end - start
    times = max(1, round(length / SPOT_SPACING))
    slots = (np.arange(times) + (index + 0.5) / max(count, 1)) * length / times
    jitter = rng.uniform(-0.15, 0.15, times) * length / times
    return [float(start + t) for t in np.clip(slots + jitter, 0.0, length * 0.9)]


@dataclass(frozen=True)
class Request:
    """One section's spot sounds: whose words asked for them decides whether they are forced."""

    cues: Sequence[Cue]
    span: tuple[float, float]
    timed: bool
    space: str | None
    seed: int


def place(request: Request, analysis: Analysis, registry: SoundRegistry, foley: Foley) -> None:
    """Add ``request``'s spot sounds to ``foley``."""
    rng = np.random.default_rng(request.seed)
    by_tie: dict[Tie, list[Cue]] = {}
    for cue in request.cues:
        by_tie.setdefault(tie_of(cue.generator), []).append(cue)
    for tie, cues in by_tie.items():
        if tie is Tie.FREE:
            for k, cue in enumerate(cues):
                moments = [Moment(t, 0.5) for t in _free_times(rng, request.span, k, len(cues))]
                _add(cue, moments, request, registry, foley)
            continue
        asked = [c for c in cues if c.setting is None]  # the user's words, not a setting's usual sounds
        moments = _moments(cues[0], analysis, request.span)
        if not moments:
            _nothing_seen(asked, request, registry, foley)
            continue
        for k, cue in enumerate(cues):  # sources of one kind take the moments in turn
            _add(cue, moments[k::len(cues)], request, registry, foley)


def _nothing_seen(asked: list[Cue], request: Request, registry: SoundRegistry, foley: Foley) -> None:
    start, end = request.span
    for cue in asked:
        if request.timed:
            _add(cue, [Moment(start + 0.1 * (end - start), 0.5)], request, registry, foley)
        else:
            foley.notes.append(f"{cue.generator}: nothing in the picture at {start:.2f}-{end:.2f} s to put it"
                               f" on (give it a time range to place it anyway)")


def _add(cue: Cue, moments: Sequence[Moment], request: Request, registry: SoundRegistry,
         foley: Foley) -> None:
    if not moments:
        return
    variants = _variants(registry, cue, request.seed + sum(map(ord, cue.generator)))
    gen = registry.get(cue.generator)
    rng = np.random.default_rng(request.seed + 31)
    for k, moment in enumerate(moments):
        buf, attack = variants[k % len(variants)]
        key = f"foley:{cue.generator}:{request.seed}:{k % len(variants)}"
        foley.sources[key] = buf
        gain = gen.intensity_db * (moment.strength - VARIANT_INTENSITY)
        foley.clips.append(Clip(key, moment.time - attack, gain_db=gain, pan=float(rng.uniform(-0.3, 0.3)),
                                space=request.space))
        foley.placed.append(f"{cue.generator} at {moment.time:.3f} s")
