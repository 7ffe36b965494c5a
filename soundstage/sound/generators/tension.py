"""Tension: drones, risers, a heartbeat.

The drone is a cluster (root, fifth and a semitone rub) of slowly beating detuned partials, tuned
to whole cycles over the loop. The riser sweeps noise and pitch up exponentially and swells to its
end. The heartbeat is "lub-dub": S1 (mitral/tricuspid closure, lower) then S2 (aortic/pulmonary,
shorter, higher) about a third of the beat later, felt more than heard (20-150 Hz).
"""

from __future__ import annotations

import math

import numpy as np

from soundstage.audio.dsp import Array, bandpass, lowpass, pink_noise, smooth_noise
from soundstage.sound.generators.base import Family, Generator, ParamSpec, SoundKind, SynthContext, stereo
from soundstage.sound.synth import circular, loop_freq, modal, periodic_onsets, scatter, sweep, tone

__all__ = ["generators"]

CLUSTER = (1.0, 1.5, 1.0595, 2.0, 3.0)  # root, fifth, minor second above, octave, twelfth


def drone(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    root = ctx.value("root_hz")
    out = np.zeros((n, 2), dtype=np.float32)
    for k, ratio in enumerate(CLUSTER):
        amp = 1.0 / (1 + k) * (0.4 + 0.6 * ctx.intensity if ratio == 1.0595 else 1.0)
        for ch, detune in enumerate((0.997, 1.003)):  # each side a hair apart: slow beating, width
            f = loop_freq(root * ratio * detune, n, rate)
            out[:, ch] += amp * tone(f, n, rate, phase=ctx.rng.uniform(0, 2 * math.pi))
    swell = (1.0 + 0.3 * smooth_noise(ctx.rng, n, rate, 0.1))[:, None]
    breath = circular(lambda x: bandpass(x, root * 2, root * 8, rate), pink_noise(ctx.rng, n, 2), rate)
    return out * swell + 0.15 * breath


def riser(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    t = np.arange(n) / n
    swell = (t**2.5).astype(np.float32)
    pitch = sweep(110.0, 880.0 * (1 + ctx.intensity), n, rate, curve=1.5)
    saw = np.tanh(3.0 * pitch)
    noise = ctx.rng.standard_normal(n).astype(np.float32)
    bands = np.zeros(n, dtype=np.float32)
    for i, centre in enumerate((300.0, 1200.0, 4800.0)):  # the noise opens up band by band
        weight = np.clip(t * 3 - i, 0, 1).astype(np.float32)
        bands += bandpass(noise, centre * 0.7, centre * 1.4, rate) * weight
    # ends on a cut, not a click
    tail = np.minimum(1.0, (n - np.arange(n)) / (0.01 * rate)).astype(np.float32)
    mono = (0.5 * saw + bands) * swell * tail
    return stereo(mono, np.roll(mono, int(0.0005 * rate)))


def heartbeat(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    bpm = ctx.value("bpm")
    beat = 60.0 / bpm
    s1 = modal([45.0, 70.0, 110.0], [0.05, 0.03, 0.015], [1.0, 0.6, 0.2], int(0.25 * rate), rate, ctx.rng)
    s2 = modal([60.0, 95.0, 140.0], [0.035, 0.02, 0.01], [0.7, 0.4, 0.15], int(0.2 * rate), rate, ctx.rng)
    at = periodic_onsets(ctx.rng, n, rate, beat, jitter=0.004, start=0.05)
    dub = np.clip(at + int(0.32 * beat * rate), 0, n - 1)
    mono = (scatter(n, at, 1.0, [s1], ctx.rng, circular=True)
            + scatter(n, dub, 0.8, [s2], ctx.rng, circular=True))
    return stereo(circular(lambda x: lowpass(x, 200.0, rate), mono, rate))


def generators() -> tuple[Generator, ...]:
    t = Family.TENSION
    return (
        Generator("drone", t, SoundKind.BED, drone, -30.0, (50, 400), "a dark, tense drone",
                  params=(ParamSpec("root_hz", 55.0, 30.0, 220.0, "fundamental of the cluster"),)),
        Generator("riser", t, SoundKind.SPOT, riser, -24.0, (300, 3500), "a rising tension swell",
                  default_duration=6.0),
        Generator("heartbeat", t, SoundKind.BED, heartbeat, -28.0, (30, 150), "a heartbeat, lub-dub",
                  default_duration=8.0, params=(ParamSpec("bpm", 72.0, 40.0, 180.0, "beats per minute"),)),
    )
