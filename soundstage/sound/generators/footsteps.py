"""Footsteps on wood, concrete, gravel, snow and metal.

A step is a heel strike then a toe roll ~60-120 ms later (Cook, "Modeling Bill's gait", 2002).
Hard floors answer with a sharp tick and a low body thump; wood adds ringing floorboard modes;
gravel and snow are granular: dozens of tiny grain collisions spread over the weight transfer.
Steps are placed on a circular grid at the walking pace, so a walk loops seamlessly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from soundstage.audio.dsp import Array, lowpass
from soundstage.sound.generators.base import Family, Generator, ParamSpec, SoundKind, SynthContext, stereo
from soundstage.sound.synth import modal, noise_burst, periodic_onsets, scatter

__all__ = ["generators"]

STEP_LENGTH = 0.35  # s: a step's sound, heel to toe, with its ring
PACE = ParamSpec("pace", 1.8, 0.5, 4.0, "steps per second (1.8 is an ordinary walk)")


def _heel_toe(rng: np.random.Generator, rate: int, strike: Callable[[float], Array]) -> Array:
    """Heel at full weight, toe softer a little later."""
    n = int(STEP_LENGTH * rate)
    out = np.zeros(n, dtype=np.float32)
    heel = strike(1.0)
    out[: heel.size] += heel[:n]
    toe_at = int(rng.uniform(0.06, 0.12) * rate)
    toe = strike(0.45)[: n - toe_at]
    out[toe_at : toe_at + toe.size] += toe
    return out


def _hard(rng: np.random.Generator, rate: int, tick: tuple[float, float],
          thump_hz: float) -> Callable[[float], Array]:
    def strike(weight: float) -> Array:
        n = int(0.12 * rate)
        click = noise_burst(rng, n, rate, 0.0025, tick)
        thump = modal([thump_hz, thump_hz * 2.3], [0.02, 0.01], [1.0, 0.4], n, rate, rng)
        scuff = lowpass(noise_burst(rng, n, rate, 0.03), 2500.0, rate) * 0.15
        return (weight * (click + 0.25 * thump) + scuff).astype(np.float32)

    return strike


def _wood(rng: np.random.Generator, rate: int) -> Callable[[float], Array]:
    modes = [rng.uniform(0.9, 1.1) * f for f in (95.0, 180.0, 310.0, 520.0, 870.0)]

    def strike(weight: float) -> Array:
        n = int(0.2 * rate)
        ring = modal(modes, [0.05, 0.04, 0.03, 0.02, 0.012], [0.3, 0.4, 0.5, 0.4, 0.3], n, rate, rng)
        click = noise_burst(rng, n, rate, 0.002, (1500.0, 6000.0)) * 0.8
        return (weight * (ring + click)).astype(np.float32)

    return strike


def _granular(rng: np.random.Generator, rate: int, band: tuple[float, float], grains: int,
              spread: float, grain_decay: float) -> Callable[[float], Array]:
    """Many tiny collisions over ``spread`` seconds as the sole presses in (crunch)."""
    bank = [noise_burst(rng, int(0.01 * rate), rate, grain_decay, band) for _ in range(8)]

    def strike(weight: float) -> Array:
        n = int(0.2 * rate)
        count = int(grains * weight) + 1
        at = np.sort((rng.beta(1.5, 3.0, count) * spread * rate).astype(np.int64))
        crunch = scatter(n, at, rng.lognormal(0, 0.5, count), bank, rng)
        thump = modal([70.0], [0.02], [1.0], n, rate, rng) * 0.5
        return (weight * (crunch + thump)).astype(np.float32)

    return strike


SURFACES: dict[str, Callable[[np.random.Generator, int], Callable[[float], Array]]] = {
    "wood": _wood,
    "concrete": lambda rng, rate: _hard(rng, rate, (1200.0, 5000.0), 110.0),
    "metal": lambda rng, rate: _hard(rng, rate, (2500.0, 9000.0), 420.0),
    "gravel": lambda rng, rate: _granular(rng, rate, (1000.0, 6000.0), 60, 0.15, 0.0015),
    "snow": lambda rng, rate: _granular(rng, rate, (500.0, 4000.0), 120, 0.2, 0.003),
}


def _walk(surface: str) -> Callable[[SynthContext], Array]:
    def synth(ctx: SynthContext) -> Array:
        rate, pace = ctx.rate, ctx.value("pace")
        strike = SURFACES[surface](ctx.rng, rate)
        steps = [_heel_toe(ctx.rng, rate, strike) for _ in range(6)]
        at = periodic_onsets(ctx.rng, ctx.frames, rate, 1.0 / pace, jitter=0.01, start=0.1)
        if surface == "metal":  # stairs or a catwalk ring on: add the structure's long modes
            steps = [s + modal([620.0, 1340.0, 2210.0], [0.25, 0.18, 0.1], [0.3, 0.2, 0.1], s.size,
                               rate, ctx.rng)
                     * (np.abs(s).max() * 0.5) for s in steps]
        loud = 0.6 + 0.8 * ctx.intensity
        left = scatter(ctx.frames, at[::2], loud, ctx.checked(steps), ctx.rng, circular=True)
        right = scatter(ctx.frames, at[1::2], loud, ctx.checked(steps), ctx.rng, circular=True)
        return stereo(left + 0.7 * right, right + 0.7 * left)  # alternating feet, a little apart

    return synth


def generators() -> tuple[Generator, ...]:
    bands = {"wood": (200, 1500), "concrete": (400, 3500), "metal": (500, 4500), "gravel": (1000, 5000),
             "snow": (600, 3500)}
    return tuple(
        Generator(f"footsteps_{surface}", Family.FOOTSTEPS, SoundKind.BED, _walk(surface), -26.0,
                  bands[surface], f"footsteps walking on {surface}", default_duration=6.0, params=(PACE,))
        for surface in SURFACES
    )
