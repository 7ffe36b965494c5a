"""From resolved cues to a mix plan: beds looped under the scene, spot sounds placed, music, dialogue.

This is the sound designer's first pass: every bed runs the whole scene (fading in and out), spot
sounds are spread across it at seeded times and positions, dialogue and spots sit in the setting's
room (reverb), beds do not (a recorded ambience already carries its space), and the music bed is
ducked with the ambience under speech. The result is a plain :class:`Timeline` plus its sources.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from soundstage.audio.buffer import MIX_RATE, AudioBuffer
from soundstage.audio.ducking import DuckingParams
from soundstage.audio.loudness import integrated_lufs
from soundstage.audio.master import MasterParams
from soundstage.audio.reverb import Space
from soundstage.audio.spill import Source, loaded
from soundstage.audio.timeline import Clip, Timeline, Track, TrackKind
from soundstage.cancellation import CancelCheck, never
from soundstage.cancellation import check as _check
from soundstage.sound.generators.base import SoundKind
from soundstage.sound.lexicon import Cue, Resolution, setting_room
from soundstage.sound.music import MusicParams, music_bed
from soundstage.sound.registry import SoundRegistry

__all__ = ["DialogueLine", "ScenePlan", "build_scene"]

BED_LOOP_SECONDS = 20.0  # beds are rendered once at most this long and looped by the mixer
SPOT_AS_BED_SECONDS = 4.0  # a bed-type sound used as a spot (a walk passing) plays this long
BED_FADE_IN, BED_FADE_OUT = 1.0, 1.5  # s
MUSIC_GAIN_DB = -3.0
DIALOGUE_LEVEL_LUFS = -16.0  # generator levels are calibrated against dialogue at this level
SPOT_SPACING = 6.0  # s: about one occurrence of each spot sound per this much scene
CLEAR_MARGIN = 0.1  # s kept between a line and a spot sound moved out of its way
SPOT_LEAD = 0.5  # s: a spot moved before a line starts this much earlier, so its attack is clear


@dataclass(frozen=True)
class DialogueLine:
    audio: Source  # in memory, or spilled (a long read's lines wait on disk until mixed)
    start: float  # s
    pan: float = 0.0
    level: float | None = None  # LUFS integrated, when known (measured as it was spoken); else measured here


@dataclass(frozen=True)
class ScenePlan:
    timeline: Timeline
    sources: Mapping[str, Source]
    notes: tuple[str, ...] = field(default=())  # what was left out and why, for the job log


def _bed_clip(name: str, duration: float) -> Clip:
    return Clip(name, 0.0, duration=duration, loop=True, fade_in=min(BED_FADE_IN, duration / 4),
                fade_out=min(BED_FADE_OUT, duration / 4))


def _spot_times(rng: np.random.Generator, duration: float, index: int, count: int,
                clear_of: Sequence[tuple[float, float]] = ()) -> list[float]:
    """Occurrences of the ``index``-th spot sound, staggered against the others (and moved out of
    the ``clear_of`` spans, to the nearer edge that stays inside the scene)."""
    times = max(1, round(duration / SPOT_SPACING))
    slots = (np.arange(times) + (index + 0.5) / max(count, 1)) * duration / times
    jitter = rng.uniform(-0.15, 0.15, times) * duration / times
    return [_clear(float(t), clear_of, duration * 0.92)
            for t in np.clip(slots + jitter, 0.0, duration * 0.92)]


def _clear(t: float, spans: Sequence[tuple[float, float]], latest: float) -> float:
    for start, end in spans:
        if start - CLEAR_MARGIN < t < end:
            edges = [e for e in (start - CLEAR_MARGIN - SPOT_LEAD, end + CLEAR_MARGIN) if 0.0 <= e <= latest]
            return min(edges, key=lambda e: abs(e - t)) if edges else t
    return t


def _render(registry: SoundRegistry, cue: Cue, seconds: float, seed: int,
            cancelled: CancelCheck = never) -> AudioBuffer:
    params = replace(cue.params, duration=seconds, seed=seed)
    return registry.render(cue.generator, params, cancelled=cancelled)


def _beds(registry: SoundRegistry, cues: Sequence[Cue], duration: float, seed: int,
          cancelled: CancelCheck = never) -> tuple[Track, dict[str, AudioBuffer]]:
    sources = {}
    clips = []
    for k, cue in enumerate(cues):
        _check(cancelled)
        key = f"bed:{cue.generator}"
        sources[key] = _render(registry, cue, min(duration, BED_LOOP_SECONDS), seed + k, cancelled)
        clips.append(_bed_clip(key, duration))
    return Track("ambience", TrackKind.AMBIENCE, tuple(clips)), sources


def _spots(registry: SoundRegistry, cues: Sequence[Cue], duration: float, seed: int, space: str | None,
           clear_of: Sequence[tuple[float, float]] = (),
           cancelled: CancelCheck = never) -> tuple[Track, dict[str, AudioBuffer]]:
    rng = np.random.default_rng(seed)
    sources: dict[str, AudioBuffer] = {}
    clips = []
    for k, cue in enumerate(cues):
        gen = registry.get(cue.generator)
        seconds = SPOT_AS_BED_SECONDS if gen.kind is SoundKind.BED else gen.default_duration
        for n, start in enumerate(_spot_times(rng, duration, k, len(cues), clear_of)):
            _check(cancelled)
            key = f"spot:{cue.generator}:{n}"
            sources[key] = _render(registry, cue, min(seconds, duration), seed + 100 * k + n, cancelled)
            fade = 0.3 if gen.kind is SoundKind.BED else 0.0
            clips.append(Clip(key, start, pan=float(rng.uniform(-0.6, 0.6)), space=space, fade_in=fade,
                              fade_out=fade))
    return Track("foley", TrackKind.FOLEY, tuple(clips)), sources


def _room(resolution: Resolution) -> Space | None:
    for name in resolution.settings:
        room = setting_room(name)
        if room is not None:
            return Space(name, room_size=room[0], damping=room[1])
    return None


def build_scene(resolution: Resolution, duration: float, registry: SoundRegistry, *, seed: int = 0,
                music: MusicParams | None = None, dialogue: Sequence[DialogueLine] = (),
                master: MasterParams | None = None, ducking: DuckingParams | None = None,
                clear_of: Sequence[tuple[float, float]] = (), cancelled: CancelCheck = never) -> ScenePlan:
    """``clear_of``: spans (s) where spot sounds should not start, e.g. the dialogue's lines.
    ``cancelled`` is looked at between sounds (issue 9)."""
    space = _room(resolution)
    room = space.name if space else None
    beds, bed_sources = _beds(registry, resolution.beds, duration, seed, cancelled)
    spots, spot_sources = _spots(registry, resolution.spots, duration, seed + 1000, room, clear_of, cancelled)
    sources: dict[str, Source] = {**bed_sources, **spot_sources}
    lines = []
    for k, line in enumerate(dialogue):
        _check(cancelled)
        sources[f"line:{k}"] = line.audio
        level = line.level if line.level is not None else integrated_lufs(loaded(line.audio))
        gain = DIALOGUE_LEVEL_LUFS - level if math.isfinite(level) else 0.0
        lines.append(Clip(f"line:{k}", line.start, pan=line.pan, space=room, send_db=-18.0, gain_db=gain))
    tracks = [Track("dialogue", TrackKind.DIALOGUE, tuple(lines)), beds, spots]
    if music is not None:
        bed = music_bed(replace(music, duration=min(duration, music.duration)), rate=MIX_RATE,
                        cancelled=cancelled)
        sources["music"] = bed.audio
        tracks.append(Track("music", TrackKind.MUSIC,
                            (replace(_bed_clip("music", duration), gain_db=MUSIC_GAIN_DB),)))
    timeline = Timeline(duration=duration, tracks=tuple(tracks), spaces=(space,) if space else (),
                        master=master or MasterParams(), ducking=ducking or DuckingParams())
    notes = tuple(f"left out {u.text!r}: {u.reason}" for u in resolution.unresolved)
    return ScenePlan(timeline, sources, notes)
