"""Street: traffic bed, a car passing by (with Doppler), a car horn, a distant siren.

The pass-by is geometric: a source moving at ``speed`` along a line ``lane`` metres away is heard
at retarded time t - r(t)/c, which produces the Doppler glide exactly, with 1/r level, air
absorption growing with r and constant-power panning from the bearing.
"""

from __future__ import annotations

import math

import numpy as np

from soundstage.audio.dsp import Array, bandpass, brown_noise, lowpass, pink_noise
from soundstage.sound.generators.base import Family, Generator, ParamSpec, SoundKind, SynthContext, stereo
from soundstage.sound.synth import circular

__all__ = ["generators"]

SPEED_OF_SOUND = 343.0  # m/s in air at 20 C
HORN_TONES = (420.0, 500.0)  # Hz: the usual low/high pair of a car's dual electric horn
SIREN_LOW, SIREN_HIGH = 650.0, 1500.0  # Hz: range of a US "wail" siren
SIREN_CYCLE = 4.5  # s per wail rise and fall


def _engine(rng: np.random.Generator, frames: int, rate: int, firing_hz: float) -> Array:
    """Engine: firing-frequency harmonics with a little roughness, plus tyre roar."""
    t = np.arange(frames) / rate
    wobble = 1.0 + 0.01 * np.sin(2 * math.pi * 0.7 * t)
    phase = 2 * math.pi * np.cumsum(firing_hz * wobble) / rate
    engine = sum(np.sin(k * phase + rng.uniform(0, 6.28)) / k for k in range(1, 9))
    tyres = bandpass(pink_noise(rng, frames, 1)[:, 0], 300.0, 2500.0, rate)
    return (0.25 * np.asarray(engine, dtype=np.float32) + tyres).astype(np.float32)


def car_pass(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    speed, lane = ctx.value("speed"), ctx.value("lane")
    t = np.arange(n) / rate
    x = speed * (t - ctx.seconds / 2)  # closest approach mid-clip
    r = np.sqrt(x**2 + lane**2)
    emitted = t - r / SPEED_OF_SOUND  # retarded time: the Doppler shift falls out of the geometry
    margin = int((lane + speed * ctx.seconds) / SPEED_OF_SOUND * rate) + 2
    source = _engine(ctx.rng, n + margin, rate, 35.0 + 25.0 * ctx.intensity)
    grid = (np.arange(n + margin) - margin) / rate
    heard = np.interp(emitted, grid, source)
    dull = np.interp(emitted, grid, lowpass(source, 900.0, rate))
    near = lane / r  # 1 at closest approach
    mono = (near * heard + (1 - near) * dull) / r
    theta = (x / r + 1) * math.pi / 4  # bearing -1 (left) .. +1 (right), constant-power pan
    return stereo((mono * np.cos(theta)).astype(np.float32), (mono * np.sin(theta)).astype(np.float32))


def traffic(ctx: SynthContext) -> Array:
    """A street bed: distant rumble and a stream of cars swelling past on both sides."""
    n, rate = ctx.frames, ctx.rate
    rumble = circular(lambda y: lowpass(y, 250.0, rate), brown_noise(ctx.rng, n, 2), rate)
    ctx.check()
    hiss = circular(lambda y: bandpass(y, 250.0, 3000.0, rate), pink_noise(ctx.rng, n, 2), rate)
    t = np.arange(n) / rate
    swell = np.zeros((n, 2), dtype=np.float64)
    cars = max(1, round(ctx.seconds * (0.2 + 0.6 * ctx.intensity)))
    for _ in range(cars):
        ctx.check()
        centre, width = ctx.rng.uniform(0, ctx.seconds), ctx.rng.uniform(0.8, 2.0)
        d = (t - centre + ctx.seconds / 2) % ctx.seconds - ctx.seconds / 2
        bump = 1.0 / (1.0 + (d / width) ** 2)
        side = ctx.rng.uniform(0.2, 0.8)
        swell += np.stack([bump * side, bump * (1 - side)], axis=1) * ctx.rng.uniform(0.5, 1.5)
    return rumble * 0.8 + hiss * (0.25 + swell).astype(np.float32)


def car_horn(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    length = min(n, int(ctx.value("length") * rate))
    t = np.arange(length) / rate
    # a driven diaphragm clips: a pulse-like wave rich in harmonics, radiated brightest at 2-3 kHz
    blare = np.asarray(sum(np.tanh(8.0 * np.sin(2 * math.pi * f * t)) for f in HORN_TONES), dtype=np.float32)
    body = bandpass(blare, 300.0, 4000.0, rate) + 1.5 * bandpass(blare, 1800.0, 3200.0, rate)
    env = np.minimum(1.0, t / 0.015) * np.minimum(1.0, (length - np.arange(length)) / (0.03 * rate))
    out = np.zeros(n, dtype=np.float32)
    out[:length] = body * env
    return stereo(out)


def siren(ctx: SynthContext) -> Array:
    """A wailing siren far away, rising out of and falling back into the city."""
    n, rate = ctx.frames, ctx.rate
    t = np.arange(n) / rate
    sweep = 0.5 - 0.5 * np.cos(2 * math.pi * t / SIREN_CYCLE)
    freq = SIREN_LOW + (SIREN_HIGH - SIREN_LOW) * sweep
    wave = np.tanh(2.0 * np.sin(2 * math.pi * np.cumsum(freq) / rate)).astype(np.float32)
    fade = np.sin(math.pi * np.clip(t / ctx.seconds, 0, 1)) ** 2  # approaches, then recedes
    echo = np.zeros_like(wave)
    for delay, gain in ((0.09, 0.5), (0.23, 0.35), (0.41, 0.25)):  # facades reflect a distant source
        k = min(int(delay * rate), n)
        echo[k:] += gain * wave[: n - k]
    mono = (wave + echo) * fade.astype(np.float32)
    return stereo(mono, np.roll(mono, int(0.0007 * rate)))


def generators() -> tuple[Generator, ...]:
    s = Family.STREET
    return (
        Generator("traffic", s, SoundKind.BED, traffic, -28.0, (150, 1500), "traffic on a street"),
        Generator("car_pass", s, SoundKind.SPOT, car_pass, -22.0, (80, 1500),
                  "a car passing by, with Doppler", default_duration=6.0,
                  params=(ParamSpec("speed", 14.0, 3.0, 40.0, "m/s (14 m/s = 50 km/h)"),
                          ParamSpec("lane", 4.0, 1.5, 50.0, "closest distance to the car, m"))),
        Generator("car_horn", s, SoundKind.SPOT, car_horn, -20.0, (600, 2500), "a car horn honk",
                  default_duration=1.0, params=(ParamSpec("length", 0.5, 0.1, 3.0, "s of honk"),),
                  default_distance=10.0),  # a horn is ~110 dB SPL at 1 m: calibrated as heard across a street
        Generator("siren", s, SoundKind.SPOT, siren, -30.0, (600, 2500), "a distant wailing siren",
                  default_duration=12.0, default_distance=300.0),
    )
