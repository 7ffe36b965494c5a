"""Water: sea waves, a babbling stream, drips; and fire, whose crackle is a close cousin.

Liquid sounds are bubbles: a bubble born in water rings at its Minnaert frequency (about
3.26 kHz·mm / radius) with a pitch that rises as it nears the surface (van den Doel, "Physically
based models for liquid sounds", 2005). Streams are hundreds of such bubbles per second over a
broadband wash; a drip is one large bubble and its splash.
"""

from __future__ import annotations

import math

import numpy as np

from soundstage.audio.dsp import Array, bandpass, brown_noise, highpass, lowpass, pink_noise, smooth_noise
from soundstage.sound.generators.base import Family, Generator, SoundKind, SynthContext, stereo
from soundstage.sound.synth import circular, exp_env, noise_burst, onsets, scatter

__all__ = ["bubble", "generators"]

MINNAERT = 3.26  # Hz·m: f0 = MINNAERT / radius for an air bubble in water near the surface


def bubble(rng: np.random.Generator, rate: int, radius_mm: float, rise: float = 0.1) -> Array:
    """One bubble: a damped sinusoid at the Minnaert frequency whose pitch rises as it surfaces."""
    f0 = MINNAERT / (radius_mm / 1000.0)
    decay = 0.13 / f0 + 0.0025 * radius_mm  # larger bubbles ring longer (viscous + thermal damping)
    n = int(min(6 * decay, 0.2) * rate)
    t = np.arange(n) / rate
    freq = f0 * (1.0 + rise * f0 * t / 50.0)
    phase = 2 * math.pi * np.cumsum(freq) / rate
    return (np.sin(phase) * exp_env(n, rate, decay, attack=0.0003)).astype(np.float32)


def waves(ctx: SynthContext) -> Array:
    """Swells that break and wash up the beach; periods 6-12 s, placed on a loop-safe grid."""
    n, rate = ctx.frames, ctx.rate
    noise = pink_noise(ctx.rng, n, 2)
    swell = np.zeros(n, dtype=np.float64)
    period = 9.0 - 3.0 * ctx.intensity
    count = max(1, round(ctx.seconds / period))
    t = np.arange(n) / rate
    for k in range(count):
        ctx.check()
        centre = (k + ctx.rng.uniform(0.2, 0.8)) * n / count / rate
        d = (t - centre + ctx.seconds / 2) % ctx.seconds - ctx.seconds / 2  # circular distance
        swell += np.where(d < 0, np.exp(-(d / 1.5) ** 2), np.exp(-d / ctx.rng.uniform(1.8, 3.0)))
    ctx.check()
    bright = circular(lambda x: highpass(x, 1200.0, rate), noise, rate) * (swell**2)[:, None]
    ctx.check()
    body = circular(lambda x: lowpass(x, 900.0, rate), noise, rate) * (0.35 + swell)[:, None]
    ctx.check()
    surf = circular(lambda x: lowpass(x, 200.0, rate), brown_noise(ctx.rng, n, 2), rate)
    return body + 0.5 * bright + 0.5 * surf


def stream(ctx: SynthContext) -> Array:
    rate = ctx.rate
    bubbles = [bubble(ctx.rng, rate, r) for r in ctx.rng.uniform(1.5, 7.0, 24)]
    channels = []
    for _ in range(2):
        at = onsets(ctx.rng, ctx.frames, rate, 150 + 250 * ctx.intensity)
        channels.append(scatter(ctx.frames, at, ctx.rng.lognormal(0, 0.5, at.size),
                                ctx.checked(bubbles), ctx.rng, circular=True))
    wash = circular(lambda x: bandpass(x, 300.0, 4000.0, rate), pink_noise(ctx.rng, ctx.frames, 2), rate)
    return stereo(*channels) * 0.5 + wash * 0.3


def drips(ctx: SynthContext) -> Array:
    """Drips into a basin or puddle: a plink (large bubble) with a small splash, 0.5-3 per second."""
    rate = ctx.rate
    plinks = []
    for r in ctx.rng.uniform(2.0, 4.0, 6):
        b = bubble(ctx.rng, rate, r, rise=0.3)
        splash = noise_burst(ctx.rng, b.size, rate, 0.003, (2000.0, 8000.0)) * 0.3
        plinks.append(b + splash)
    at = onsets(ctx.rng, ctx.frames, rate, 0.5 + 2.5 * ctx.intensity)
    mono = scatter(ctx.frames, at, ctx.rng.uniform(0.5, 1.0, at.size),
                   ctx.checked(plinks), ctx.rng, circular=True)
    room = circular(lambda x: lowpass(x, 600.0, rate), pink_noise(ctx.rng, ctx.frames, 2), rate) * 0.003
    return stereo(mono) + room


def fire_crackle(ctx: SynthContext) -> Array:
    """Roar (combustion turbulence, low), hiss (escaping gas) and crackles (bursting resin pockets)."""
    n, rate = ctx.frames, ctx.rate
    flicker = np.exp(0.5 * smooth_noise(ctx.rng, n, rate, 2.0))[:, None]
    roar = circular(lambda x: lowpass(x, 350.0, rate), brown_noise(ctx.rng, n, 2), rate) * flicker
    hiss = circular(lambda x: highpass(x, 2500.0, rate), ctx.rng.standard_normal((n, 2)).astype(np.float32),
                    rate)
    clicks = [noise_burst(ctx.rng, int(0.004 * rate), rate, 0.0006, (1000.0, 9000.0)) for _ in range(16)]
    pops = [noise_burst(ctx.rng, int(0.03 * rate), rate, 0.006, (300.0, 2500.0)) for _ in range(4)]
    channels = []
    for _ in range(2):
        at = onsets(ctx.rng, n, rate, 6 + 20 * ctx.intensity)  # a crackle is a cluster of clicks
        cluster = np.concatenate([at + ctx.rng.integers(0, int(0.03 * rate), at.size) for _ in range(3)])
        c = scatter(n, cluster, ctx.rng.lognormal(0, 0.5, cluster.size),
                    ctx.checked(clicks), ctx.rng, circular=True)
        big = onsets(ctx.rng, n, rate, 0.3 + ctx.intensity)
        c += scatter(n, big, ctx.rng.uniform(1.0, 2.0, big.size), ctx.checked(pops), ctx.rng, circular=True)
        channels.append(c)
    return roar * 0.8 + hiss * 0.03 + stereo(*channels) * 0.25


def generators() -> tuple[Generator, ...]:
    bed = SoundKind.BED
    return (
        Generator("waves", Family.WATER, bed, waves, -24.0, (150, 1500), "sea waves breaking on a beach",
                  default_duration=20.0),
        Generator("stream", Family.WATER, bed, stream, -28.0, (500, 3500), "a babbling stream or brook"),
        Generator("drips", Family.WATER, bed, drips, -36.0, (700, 3000), "water dripping into a basin"),
        Generator("fire_crackle", Family.FIRE, bed, fire_crackle, -28.0, (150, 3000), "a crackling fire"),
    )
