"""The sound registry: named generators, validated parameters, and the render path they share.

Render path: synthesize -> remove DC -> air absorption for the distance -> calibrated level
(``level_lufs`` shifted by intensity and distance) -> spot fades -> true-peak guard. For beds the
filters and the limiter run circularly, so the rendered buffer loops without a seam. ``cancelled`` is
looked at between these steps and inside the synthesis (``SynthContext.check``; issue 9).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from soundstage.audio.buffer import MIX_RATE, AudioBuffer
from soundstage.audio.dsp import Array, distance_cutoff, lowpass, remove_dc
from soundstage.audio.loudness import LimiterParams, db_to_gain, integrated_lufs, limiter_gain
from soundstage.cancellation import CancelCheck, check, never
from soundstage.errors import InvalidInput
from soundstage.sound.generators.base import Family, Generator, SoundKind, SynthContext
from soundstage.sound.generators.crowd import VoiceSource
from soundstage.sound.generators.families import all_generators
from soundstage.sound.samples import SamplePack, installed_packs, sample_generators
from soundstage.sound.synth import circular

__all__ = ["MAX_DURATION", "SoundParams", "SoundRegistry", "build_registry"]

MAX_DURATION = 600.0  # s: longer beds are looped by the mixer
SPOT_FADE_IN = 0.002  # s: below the ear's onset resolution, removes a start click
SPOT_FADE_OUT = 0.020  # s
_AIR_FROM = 15_000.0  # Hz: cut-offs above this are inaudible; skip the filter
_GUARD = LimiterParams(ceiling_dbtp=-1.0)  # EBU R128 ceiling, so no generator ever clips a mix bus alone


@dataclass(frozen=True)
class SoundParams:
    duration: float | None = None  # s; None: the generator's default
    intensity: float = 0.5  # 0 .. 1
    distance: float | None = None  # m; None: the generator's default
    seed: int = 0
    values: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))


class SoundRegistry:
    """Generators by name. Built by :func:`build_registry`; holds no audio, renders on demand."""

    def __init__(self, generators: Iterable[Generator]) -> None:
        self._by_name: dict[str, Generator] = {}
        for gen in generators:
            if gen.name in self._by_name:
                raise ValueError(f"duplicate generator name {gen.name!r}")
            self._by_name[gen.name] = gen

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_name))

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Generator:
        if name not in self._by_name:
            raise InvalidInput(f"sound: {name!r} is not a known generator; known: {', '.join(self.names())}",
                               field="sound", value=name)
        return self._by_name[name]

    def by_family(self, family: Family) -> tuple[Generator, ...]:
        return tuple(g for g in self._by_name.values() if g.family is family)

    def render(self, name: str, params: SoundParams | None = None, rate: int = MIX_RATE,
               cancelled: CancelCheck = never) -> AudioBuffer:
        gen = self.get(name)
        return render_generator(gen, params or SoundParams(), rate, cancelled)


def _validate(gen: Generator, params: SoundParams) -> tuple[float, float, dict[str, float]]:
    duration = gen.default_duration if params.duration is None else params.duration
    distance = gen.default_distance if params.distance is None else params.distance
    if not 0 < duration <= MAX_DURATION:
        raise InvalidInput(f"duration: {duration} s is out of range (0, {MAX_DURATION}]", field="duration",
                           value=duration)
    if not 0.0 <= params.intensity <= 1.0:
        raise InvalidInput(f"intensity: {params.intensity} must be within [0, 1]", field="intensity",
                           value=params.intensity)
    if distance <= 0:
        raise InvalidInput(f"distance: {distance} m must be > 0", field="distance", value=distance)
    values = {p.name: p.default for p in gen.params}
    for key, value in params.values.items():
        spec = next((p for p in gen.params if p.name == key), None)
        if spec is None:
            raise InvalidInput(f"{gen.name}.{key}: unknown parameter; known: {[p.name for p in gen.params]}",
                               field=key, value=value)
        if not spec.low <= value <= spec.high:
            raise InvalidInput(f"{gen.name}.{key}: {value} is outside [{spec.low}, {spec.high}]", field=key,
                               value=value)
        values[key] = float(value)
    return duration, distance, values


def _guard_gain(x: Array, rate: int, loop: bool, cancelled: CancelCheck = never) -> Array:
    """Per-sample true-peak guard gain; for loops computed on the wrapped signal so it stays seamless."""
    if not loop:
        return limiter_gain(AudioBuffer(x, rate), _GUARD, cancelled)
    pad = min(x.shape[0], rate // 2)
    wrapped = np.concatenate([x[-pad:], x, x[:pad]])
    return limiter_gain(AudioBuffer(wrapped, rate), _GUARD, cancelled)[pad : pad + x.shape[0]]


def _fade_ends(x: Array, rate: int) -> Array:
    n = x.shape[0]
    env = np.ones(n, dtype=np.float32)
    fin, fout = min(n, round(SPOT_FADE_IN * rate)), min(n, round(SPOT_FADE_OUT * rate))
    env[:fin] = np.minimum(env[:fin], np.linspace(0, 1, fin, endpoint=False, dtype=np.float32))
    env[n - fout :] = np.minimum(env[n - fout :], np.linspace(1, 0, fout, dtype=np.float32))
    return x * env[:, None]


def render_generator(gen: Generator, params: SoundParams, rate: int = MIX_RATE,
                     cancelled: CancelCheck = never) -> AudioBuffer:
    duration, distance, values = _validate(gen, params)
    frames = round(duration * rate)
    loop = gen.kind is SoundKind.BED
    ctx = SynthContext(frames, rate, params.intensity, distance, np.random.default_rng(params.seed),
                       MappingProxyType(values), cancelled)
    check(cancelled)
    x = np.asarray(gen.synth(ctx), dtype=np.float32).reshape(frames, -1)
    check(cancelled)
    if x.shape[1] == 1:
        x = np.repeat(x, 2, axis=1)

    def filters(y: Array) -> Array:
        y = remove_dc(y, rate)
        cutoff = distance_cutoff(distance)
        return lowpass(y, cutoff, rate) if cutoff < _AIR_FROM else y

    x = circular(filters, x, rate) if loop else filters(x)
    check(cancelled)
    x = x - x.mean(axis=0, keepdims=True)  # exact zero mean; a constant shift keeps the loop seamless
    level = integrated_lufs(AudioBuffer(x, rate), cancelled)
    if math.isfinite(level):
        target = gen.level_lufs + gen.intensity_db * (params.intensity - 0.5)
        target += 20 * math.log10(gen.default_distance / distance)
        x = x * np.float32(db_to_gain(target - level))
    if not loop:
        x = _fade_ends(x, rate)
    check(cancelled)
    x = x * _guard_gain(x, rate, loop, cancelled)[:, None]
    return AudioBuffer(np.ascontiguousarray(x, dtype=np.float32), rate)


def build_registry(voices: VoiceSource | None = None,
                   packs: tuple[tuple[SamplePack, Path], ...] | None = None) -> SoundRegistry:
    """Every shipped generator, plus recorded samples from installed packs (``packs`` None: discover).

    Pass a speech engine (adapted to ``VoiceSource``) to make crowd walla from real voices.
    """
    found = installed_packs() if packs is None else packs
    recorded = tuple(g for pack, root in found for g in sample_generators(pack, root))
    return SoundRegistry(all_generators(voices) + recorded)
