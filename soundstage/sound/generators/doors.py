"""Doors: open, close (slam), creak, knock, entry chime.

Impacts are modal (struck panels and bars ring at their modes); a creak is stick-slip friction:
a pulse train whose rate wanders with the hinge's speed and pressure, exciting the door's body
resonances. A chime is a struck bar: free-free bar partials at 1, 2.76, 5.40, 8.93 x f0.
"""

from __future__ import annotations

import numpy as np

from soundstage.audio.dsp import Array, lowpass, smooth_noise
from soundstage.sound.generators.base import Family, Generator, SoundKind, SynthContext, stereo
from soundstage.sound.synth import exp_env, modal, noise_burst, scatter

__all__ = ["creak", "generators"]

BAR_PARTIALS = (1.0, 2.76, 5.40, 8.93)  # free-free bar (glockenspiel, tubular chime) mode ratios
CHIME_NOTES = (659.26, 554.37)  # Hz: E5 then C#5, the classic shop-door "ding-dong"
PANEL_MODES = (72.0, 145.0, 232.0, 410.0)  # Hz: a hollow-core door panel
KNOCK_MODES = (190.0, 430.0, 780.0, 1320.0)  # Hz: knuckle on a solid wooden door


def _latch(rng: np.random.Generator, rate: int) -> Array:
    n = int(0.06 * rate)
    return (modal([2400.0, 3700.0, 5100.0], [0.006, 0.004, 0.003], [1.0, 0.6, 0.4], n, rate, rng)
            + noise_burst(rng, n, rate, 0.001, (2000.0, 9000.0)))


def creak(rng: np.random.Generator, frames: int, rate: int, seconds: float) -> Array:
    """Stick-slip pulses (40-260 Hz, wandering) through the door's body modes."""
    n = min(frames, int(seconds * rate))
    contour = 0.5 + 0.5 * np.tanh(smooth_noise(rng, n, rate, 3.0))
    freq = 40.0 + 220.0 * contour
    phase = np.cumsum(freq / rate)
    pulses = np.flatnonzero(np.diff(np.floor(phase)) > 0)
    pressure = np.sin(np.pi * np.arange(n) / max(n, 1)) ** 0.5
    body = modal([380.0, 820.0, 1450.0, 2300.0], [0.012, 0.009, 0.006, 0.004], [1.0, 0.8, 0.5, 0.3],
                 int(0.05 * rate), rate, rng)
    out = np.zeros(frames, dtype=np.float32)
    out[:n] = scatter(n, pulses, pressure[pulses] * rng.uniform(0.6, 1.0, pulses.size), [body], rng)
    return out


def door_creak(ctx: SynthContext) -> Array:
    return stereo(creak(ctx.rng, ctx.frames, ctx.rate, ctx.seconds * 0.9))


def door_open(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    out = np.zeros(n, dtype=np.float32)
    latch = _latch(ctx.rng, rate)[:n]
    out[: latch.size] += latch
    start = min(int(0.15 * rate), n)
    if start == n:  # shorter than the latch-to-swing delay: the latch is all there is
        return stereo(out)
    out[start:] += 0.5 * creak(ctx.rng, n - start, rate, min(0.8, ctx.seconds - 0.2)) * ctx.intensity
    swish = lowpass(noise_burst(ctx.rng, n - start, rate, 0.4), 800.0, rate)
    out[start:] += 0.15 * swish * np.minimum(1.0, np.arange(n - start) / (0.2 * rate)).astype(np.float32)
    return stereo(out)


def door_close(ctx: SynthContext) -> Array:
    """Air swish, the slam (panel modes, harder with intensity), latch click and frame rattle."""
    n, rate = ctx.frames, ctx.rate
    out = np.zeros(n, dtype=np.float32)
    hit = min(int(0.25 * rate), n - 1)
    swish = lowpass(ctx.rng.standard_normal(hit).astype(np.float32), 600.0, rate)
    out[:hit] += 0.1 * swish * np.linspace(0, 1, hit, dtype=np.float32) ** 2
    thump = modal(PANEL_MODES, [0.09, 0.07, 0.05, 0.03], [1.0, 0.7, 0.5, 0.3], n - hit, rate, ctx.rng)
    thump += noise_burst(ctx.rng, n - hit, rate, 0.004, (500.0, 5000.0)) * (0.3 + 0.5 * ctx.intensity)
    out[hit:] += thump
    latch = _latch(ctx.rng, rate)[: n - hit]
    out[hit : hit + latch.size] += 0.6 * latch
    rattle = noise_burst(ctx.rng, n - hit, rate, 0.05, (1500.0, 6000.0)) * 0.08
    out[hit:] += rattle
    return stereo(out)


def door_knock(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    knocks = 3 if ctx.intensity < 0.7 else 4
    at = (np.cumsum(ctx.rng.uniform(0.16, 0.22, knocks)) * rate).astype(np.int64) - int(0.1 * rate)
    grains = []
    for _ in range(3):
        body = modal(KNOCK_MODES, [0.04, 0.03, 0.02, 0.012], [1.0, 0.8, 0.6, 0.4], int(0.2 * rate),
                     rate, ctx.rng)
        grains.append(body + noise_burst(ctx.rng, body.size, rate, 0.0015, (1000.0, 5000.0)) * 0.5)
    return stereo(scatter(n, np.clip(at, 0, n - 1), ctx.rng.uniform(0.8, 1.0, knocks),
                          ctx.checked(grains), ctx.rng))


def door_chime(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    out = np.zeros(n, dtype=np.float32)
    for k, note in enumerate(CHIME_NOTES):
        start = int(k * 0.6 * rate)
        if start >= n:
            break
        freqs = [note * p for p in BAR_PARTIALS]
        out[start:] += modal(freqs, [1.2, 0.5, 0.25, 0.12], [1.0, 0.35, 0.15, 0.08], n - start, rate, ctx.rng)
    out *= exp_env(n, rate, 10.0, attack=0.0)
    return stereo(out)


def generators() -> tuple[Generator, ...]:
    d, spot = Family.DOORS, SoundKind.SPOT
    return (
        Generator("door_open", d, spot, door_open, -26.0, (300, 3500), "a door opening: latch, creak",
                  default_duration=1.5),
        Generator("door_close", d, spot, door_close, -20.0, (80, 1500), "a door closing shut",
                  default_duration=1.2),
        Generator("door_creak", d, spot, door_creak, -26.0, (400, 2500), "a creaking door hinge",
                  default_duration=2.0),
        Generator("door_knock", d, spot, door_knock, -20.0, (250, 1500), "knocking on a wooden door",
                  default_duration=1.2),
        Generator("door_chime", d, spot, door_chime, -24.0, (500, 1500),
                  "a shop-door entry chime (ding-dong)", default_duration=3.0),
    )
