"""Kitchen: sizzling, steam, cutlery and glass clinks, pouring.

Sizzle is thousands of tiny bursting oil/water droplets (a dense high crackle) over hiss. A glass
rings at its wall modes (wine glass: f0 ~ 600-1200 Hz, partials near 2.3x and 4.2x, decays of a
second or more); cutlery are thin metal bars (free-free bar ratios). Pouring into a vessel excites
the air column above the liquid, whose resonance rises as it fills (a quarter-wave tube).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from soundstage.audio.dsp import Array, bandpass, highpass, lowpass, pink_noise, smooth_noise
from soundstage.sound.generators.base import Family, Generator, SoundKind, SynthContext, stereo
from soundstage.sound.generators.water import bubble
from soundstage.sound.synth import circular, modal, noise_burst, onsets, scatter

__all__ = ["generators"]

GLASS_PARTIALS = (1.0, 2.32, 4.25, 6.63)
BAR_PARTIALS = (1.0, 2.76, 5.40, 8.93)
SPEED_OF_SOUND = 343.0  # m/s
POUR_BLOCK = 0.01  # s: resonance updated every 10 ms while the vessel fills


def sizzle(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    pops = [noise_burst(ctx.rng, int(0.004 * rate), rate, 0.0004, (2000.0, 9000.0)) for _ in range(16)]
    density = np.exp(0.4 * smooth_noise(ctx.rng, n, rate, 1.5))
    channels = []
    for _ in range(2):
        at = onsets(ctx.rng, n, rate, 800 + 2000 * ctx.intensity)
        channels.append(scatter(n, at, ctx.rng.lognormal(0, 0.7, at.size) * density[at],
                                ctx.checked(pops), ctx.rng, circular=True))
    hiss = circular(lambda x: highpass(x, 3000.0, rate), ctx.rng.standard_normal((n, 2)).astype(np.float32),
                    rate)
    return stereo(*channels) + hiss * 0.15 * density[:, None]


def steam(ctx: SynthContext) -> Array:
    """Steam escaping (band of hiss, pulsing with the boil) over a low bubbling."""
    n, rate = ctx.frames, ctx.rate
    pulse = np.exp(0.35 * smooth_noise(ctx.rng, n, rate, 1.0))[:, None]
    hiss = circular(lambda x: bandpass(x, 1500.0, 9000.0, rate),
                    ctx.rng.standard_normal((n, 2)).astype(np.float32), rate)
    bubbles = [bubble(ctx.rng, rate, r) for r in ctx.rng.uniform(4.0, 10.0, 10)]
    at = onsets(ctx.rng, n, rate, 20 + 40 * ctx.intensity)
    boil = scatter(n, at, ctx.rng.uniform(0.1, 0.3, at.size), ctx.checked(bubbles), ctx.rng, circular=True)
    return hiss * pulse * (0.6 + 0.6 * ctx.intensity) + stereo(boil)


def _clinks(ctx: SynthContext, grains: list[Array], per_second: float) -> Array:
    at = onsets(ctx.rng, ctx.frames - int(0.3 * ctx.rate), ctx.rate, per_second)
    if at.size == 0:
        at = np.array([int(0.05 * ctx.rate)])
    mono = scatter(ctx.frames, at, ctx.rng.uniform(0.4, 1.0, at.size), ctx.checked(grains), ctx.rng)
    return stereo(mono)


def cutlery_clink(ctx: SynthContext) -> Array:
    grains = [modal([f * p for p in BAR_PARTIALS], [0.15, 0.08, 0.04, 0.02], [1.0, 0.6, 0.4, 0.2],
                    int(0.4 * ctx.rate), ctx.rate, ctx.rng) for f in ctx.rng.uniform(1800.0, 3200.0, 6)]
    return _clinks(ctx, grains, 1.5 + 3.0 * ctx.intensity)


def glass_clink(ctx: SynthContext) -> Array:
    grains = [modal([f * p for p in GLASS_PARTIALS], [1.2, 0.5, 0.25, 0.1], [1.0, 0.3, 0.2, 0.08],
                    int(1.5 * ctx.rate), ctx.rate, ctx.rng) for f in ctx.rng.uniform(700.0, 1300.0, 3)]
    clink = _clinks(ctx, grains, 0.5 + 1.0 * ctx.intensity)
    return clink


def pouring(ctx: SynthContext) -> Array:
    """Liquid into a 15 cm vessel: turbulent noise through the air column's rising quarter-wave resonance."""
    n, rate = ctx.frames, ctx.rate
    block = int(POUR_BLOCK * rate)
    source = pink_noise(ctx.rng, n, 1)[:, 0] + 0.3 * ctx.rng.standard_normal(n).astype(np.float32)
    out = np.zeros(n, dtype=np.float32)
    zi = np.zeros((1, 2))
    for start in range(0, n, block):  # slowly time-varying resonator, state carried across blocks
        fill = min(start / n, 0.9)  # fraction of the vessel filled
        column = 0.15 * (1.0 - fill) + 0.01
        f = SPEED_OF_SOUND / (4 * column)
        b, a = signal.iirpeak(min(f, 0.45 * rate), 8.0, fs=rate)
        seg = source[start : start + block]
        y, zi[0] = signal.lfilter(b, a, seg, zi=zi[0])
        out[start : start + seg.size] = y
    stream = lowpass(source, 3000.0, rate) * 0.15
    bubbles = [bubble(ctx.rng, rate, r) for r in ctx.rng.uniform(1.0, 3.0, 8)]
    at = onsets(ctx.rng, n, rate, 40 + 40 * ctx.intensity)
    gl = scatter(n, at, ctx.rng.uniform(0.05, 0.2, at.size), ctx.checked(bubbles), ctx.rng)
    return stereo(out + stream + gl)


def generators() -> tuple[Generator, ...]:
    k = Family.KITCHEN
    return (
        Generator("sizzle", k, SoundKind.BED, sizzle, -30.0, (3000, 9000), "food sizzling in a pan"),
        Generator("steam", k, SoundKind.BED, steam, -34.0, (1500, 7000), "steam rising from a pot or kettle"),
        Generator("cutlery_clink", k, SoundKind.SPOT, cutlery_clink, -28.0, (1500, 6000), "cutlery clinking",
                  default_duration=3.0),
        Generator("glass_clink", k, SoundKind.SPOT, glass_clink, -26.0, (600, 3000), "glasses clinking",
                  default_duration=3.0),
        Generator("pouring", k, SoundKind.SPOT, pouring, -30.0, (500, 3000), "pouring a drink into a glass",
                  default_duration=4.0),
    )
