"""Nature: birdsong, crickets, wind in leaves.

Songbird notes are frequency-modulated whistles (a syrinx is close to a pure tone with fast
glides), grouped into phrases: chirp runs, trills and slow whistles. A field cricket stridulates a
~4.5 kHz carrier in 3-4 pulses per chirp at about 30 pulses/s. Leaves are countless tiny
collisions whose density follows the wind.
"""

from __future__ import annotations

import math

import numpy as np

from soundstage.audio.dsp import Array, highpass, lowpass, pan_gains, pink_noise, smooth_noise
from soundstage.sound.generators.base import Family, Generator, SoundKind, SynthContext, stereo
from soundstage.sound.synth import circular, noise_burst, onsets, scatter, sweep

__all__ = ["generators"]

CRICKET_CARRIER = (4200.0, 5000.0)  # Hz, Gryllus field crickets
PULSE_RATE = 30.0  # pulses per second within a chirp


def _note(rng: np.random.Generator, rate: int, f0: float, f1: float, seconds: float) -> Array:
    n = int(seconds * rate)
    env = np.sin(np.pi * np.arange(n) / n) ** 2
    vibrato = 1.0 + 0.02 * np.sin(2 * math.pi * rng.uniform(20, 40) * np.arange(n) / rate)
    base = sweep(f0, f1, n, rate) * env * vibrato
    return (base + 0.15 * sweep(2 * f0, 2 * f1, n, rate) * env).astype(np.float32)


def _phrase(rng: np.random.Generator, rate: int) -> Array:
    style = rng.integers(0, 3)
    notes: list[Array] = []
    if style == 0:  # a run of down-slurred chirps
        for _ in range(int(rng.integers(3, 8))):
            f = rng.uniform(3500, 6000)
            notes += [_note(rng, rate, f, f * 0.6, rng.uniform(0.04, 0.08)),
                      np.zeros(int(rng.uniform(0.04, 0.1) * rate), np.float32)]
    elif style == 1:  # a trill
        f = rng.uniform(3000, 5000)
        for _ in range(int(rng.integers(8, 20))):
            notes += [_note(rng, rate, f, f * 1.1, 0.03), np.zeros(int(0.025 * rate), np.float32)]
    else:  # a slow two-note whistle
        f = rng.uniform(2200, 3200)
        notes += [_note(rng, rate, f, f * 1.2, 0.3), np.zeros(int(0.08 * rate), np.float32),
                  _note(rng, rate, f * 0.9, f * 0.8, 0.25)]
    return np.concatenate(notes).astype(np.float32)


def birds(ctx: SynthContext) -> Array:
    out = np.zeros((ctx.frames, 2), dtype=np.float32)
    count = 2 + int(4 * ctx.intensity)
    for _ in range(count):  # each bird keeps its own repertoire and perch
        repertoire = [_phrase(ctx.rng, ctx.rate) for _ in range(2)]
        at = onsets(ctx.rng, ctx.frames, ctx.rate, ctx.rng.uniform(0.15, 0.5))
        mono = scatter(ctx.frames, at, ctx.rng.uniform(0.3, 1.0),
                       ctx.checked(repertoire), ctx.rng, circular=True)
        left, right = pan_gains(ctx.rng.uniform(-0.9, 0.9))
        out += stereo(mono * left, mono * right)
    air = circular(lambda x: lowpass(x, 800.0, ctx.rate), pink_noise(ctx.rng, ctx.frames, 2), ctx.rate)
    return out + 0.01 * air


def crickets(ctx: SynthContext) -> Array:
    out = np.zeros((ctx.frames, 2), dtype=np.float32)
    rate = ctx.rate
    for _ in range(3 + int(5 * ctx.intensity)):
        carrier = ctx.rng.uniform(*CRICKET_CARRIER)
        pulses = int(ctx.rng.integers(3, 5))
        m = int(pulses / PULSE_RATE * rate)
        t = np.arange(m) / rate
        gate = (np.sin(2 * math.pi * PULSE_RATE * t) > 0.2).astype(np.float32)
        chirp = (np.sin(2 * math.pi * carrier * t) * lowpass(gate, 300.0, rate)).astype(np.float32)
        at = np.arange(ctx.rng.uniform(0, 0.5), ctx.seconds, 1.0 / ctx.rng.uniform(1.5, 3.0))
        idx = (at * rate).astype(np.int64)
        mono = scatter(ctx.frames, idx, ctx.rng.uniform(0.2, 1.0), [chirp], ctx.rng, circular=True)
        left, right = pan_gains(ctx.rng.uniform(-1, 1))
        out += stereo(mono * left, mono * right)
    return out


def wind_in_leaves(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    gust = np.exp(0.7 * smooth_noise(ctx.rng, n, rate, 0.3))
    grains = [noise_burst(ctx.rng, int(0.006 * rate), rate, 0.0012, (1000.0, 6000.0)) for _ in range(12)]
    channels = []
    for _ in range(2):
        at = onsets(ctx.rng, n, rate, 300 + 900 * ctx.intensity)
        keep = ctx.rng.random(at.size) < gust[at] / gust.max()
        channels.append(scatter(n, at[keep], ctx.rng.lognormal(0, 0.5, int(keep.sum())),
                                ctx.checked(grains), ctx.rng, circular=True))
    rush = circular(lambda x: highpass(x, 700.0, rate), pink_noise(ctx.rng, n, 2), rate) * gust[:, None]
    return stereo(*channels) * 0.5 + 0.2 * rush


def generators() -> tuple[Generator, ...]:
    nf, bed = Family.NATURE, SoundKind.BED
    return (
        Generator("birds", nf, bed, birds, -32.0, (2500, 6000), "birdsong, a few songbirds"),
        Generator("crickets", nf, bed, crickets, -34.0, (3800, 5500), "crickets chirping at night"),
        Generator("wind_in_leaves", nf, bed, wind_in_leaves, -32.0, (1200, 6000),
                  "wind rustling leaves in trees"),
    )
