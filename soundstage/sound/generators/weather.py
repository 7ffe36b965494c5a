"""Weather: rain (light, heavy, on a window, on a roof), wind, gusts, thunder.

Rain is modelled as a dense patter (band-passed noise: countless distant drops) plus individually
audible near drops (grains scattered as a Poisson process, van den Doel's "physically based" rain:
each impact is a short broadband tick; on glass and roofs the surface's own modes ring).
Wind is noise through resonances whose level and pitch follow a slow random control (turbulence).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from soundstage.audio.dsp import Array, bandpass, highpass, lowpass, pink_noise, smooth_noise
from soundstage.sound.generators.base import Family, Generator, SoundKind, SynthContext, stereo
from soundstage.sound.synth import circular, exp_env, modal, noise_burst, onsets, scatter

__all__ = ["generators"]


def _patter(ctx: SynthContext, low: float, high: float) -> Array:
    """Wide stereo band of noise: the 'shhh' of rain too dense to resolve into drops."""
    noise = (pink_noise(ctx.rng, ctx.frames, 2) * 0.6
             + ctx.rng.standard_normal((ctx.frames, 2)).astype(np.float32) * 0.4)
    return circular(lambda x: bandpass(x, low, high, ctx.rate), noise, ctx.rate)


def _drops(ctx: SynthContext, per_second: float, band: tuple[float, float], decay: float) -> Array:
    grains = [noise_burst(ctx.rng, int(0.03 * ctx.rate), ctx.rate, decay * ctx.rng.uniform(0.6, 1.4), band)
              for _ in range(12)]
    channels = []
    for _ in range(2):  # independent drops per side: a wide field
        ctx.check()
        at = onsets(ctx.rng, ctx.frames, ctx.rate, per_second / 2)
        amps = ctx.rng.lognormal(0.0, 0.6, at.size)
        channels.append(scatter(ctx.frames, at, amps, ctx.checked(grains), ctx.rng, circular=True))
    return stereo(*channels)


def rain_light(ctx: SynthContext) -> Array:
    patter = _patter(ctx, 800.0, 9000.0)
    ctx.check()
    drops = _drops(ctx, 20 + 60 * ctx.intensity, (1500.0, 7000.0), 0.004)
    return 0.25 * patter + drops * 1.5


def rain_heavy(ctx: SynthContext) -> Array:
    patter = _patter(ctx, 300.0, 12000.0)
    ctx.check()
    body = circular(lambda x: lowpass(x, 400.0, ctx.rate), pink_noise(ctx.rng, ctx.frames, 2), ctx.rate)
    ctx.check()
    drops = _drops(ctx, 200 + 400 * ctx.intensity, (800.0, 8000.0), 0.003)
    return patter + 0.3 * body + 0.6 * drops


def rain_window(ctx: SynthContext) -> Array:
    """From inside: drops tick on the pane (glass modes ~2-5 kHz), muffled rain beyond it."""
    outside = circular(lambda x: lowpass(x, 1200.0, ctx.rate), _patter(ctx, 200.0, 6000.0), ctx.rate)
    ctx.check()
    glass = [modal([2300 * r, 3900 * r, 5200 * r], [0.004, 0.003, 0.002], [1.0, 0.5, 0.3],
                   int(0.02 * ctx.rate), ctx.rate, ctx.rng) for r in ctx.rng.uniform(0.8, 1.25, 10)]
    at = onsets(ctx.rng, ctx.frames, ctx.rate, 8 + 30 * ctx.intensity)
    ticks = scatter(ctx.frames, at, ctx.rng.lognormal(0, 0.7, at.size),
                    ctx.checked(glass), ctx.rng, circular=True)
    pan = ctx.rng.uniform(0.2, 0.8)
    return 0.5 * outside + stereo(ticks * pan, ticks * (1 - pan)) * 0.8


def rain_roof(ctx: SynthContext) -> Array:
    """From under a thin roof: low thuds on the panels and a dull, dense drumming."""
    thuds = [modal([180 * r, 410 * r, 730 * r], [0.02, 0.012, 0.006], [1.0, 0.6, 0.3], int(0.08 * ctx.rate),
                   ctx.rate, ctx.rng) for r in ctx.rng.uniform(0.8, 1.3, 10)]
    channels = []
    for _ in range(2):
        at = onsets(ctx.rng, ctx.frames, ctx.rate, 60 + 200 * ctx.intensity)
        channels.append(scatter(ctx.frames, at, ctx.rng.lognormal(0, 0.5, at.size),
                                ctx.checked(thuds), ctx.rng, circular=True))
    ctx.check()
    drum = circular(lambda x: lowpass(x, 2500.0, ctx.rate), _patter(ctx, 150.0, 5000.0), ctx.rate)
    return stereo(*channels) * 0.4 + drum * 0.5


def _band(centre: float, rate: int) -> Callable[[Array], Array]:
    return lambda x: bandpass(x, centre * 0.8, centre * 1.25, rate)


def _wind(ctx: SynthContext, gustiness: float) -> Array:
    """Three resonant bands of noise whose levels follow slow turbulence; gusts exaggerate them."""
    base = (pink_noise(ctx.rng, ctx.frames, 2) * 0.5
            + ctx.rng.standard_normal((ctx.frames, 2)).astype(np.float32) * 0.1)
    out = np.zeros((ctx.frames, 2), dtype=np.float32)
    for centre, wander_hz in ((250.0, 0.5), (600.0, 0.25), (1400.0, 0.15)):
        ctx.check()
        band = circular(_band(centre, ctx.rate), base, ctx.rate)
        control = smooth_noise(ctx.rng, ctx.frames, ctx.rate, wander_hz)
        level = np.exp(gustiness * control - gustiness**2 / 2)
        out += band * level[:, None]
    ctx.check()
    rumble = circular(lambda x: lowpass(x, 120.0, ctx.rate), base, ctx.rate)
    return out + 0.8 * rumble


def wind(ctx: SynthContext) -> Array:
    return _wind(ctx, 0.4 + 0.4 * ctx.intensity)


def wind_gusts(ctx: SynthContext) -> Array:
    return _wind(ctx, 1.0 + 0.6 * ctx.intensity)


def thunder(ctx: SynthContext) -> Array:
    """A crack (near only: air strips the highs off far strikes) then a rolling low rumble."""
    n, rate = ctx.frames, ctx.rate
    near = float(np.clip(1.0 - np.log10(ctx.distance) / 3.5, 0.0, 1.0))  # 1 m..~3 km
    rumble = np.zeros(n, dtype=np.float32)
    for k in range(4 + int(4 * ctx.intensity)):  # returns from the channel's segments, farther ones later
        start = int((0.0 if k == 0 else ctx.rng.uniform(0.02, 0.4)) * n)
        env = exp_env(n - start, rate, decay=ctx.rng.uniform(0.6, 1.6), attack=0.05 + 0.2 * ctx.rng.random())
        rumble[start:] += env * ctx.rng.uniform(0.4, 1.0)
    rumble *= np.exp(0.5 * smooth_noise(ctx.rng, n, rate, 4.0))  # the roll: rumble swells and sags
    low = lowpass(pink_noise(ctx.rng, n, 1)[:, 0], 180.0 + 300.0 * near, rate, order=4)
    crack = highpass(noise_burst(ctx.rng, n, rate, 0.12), 1500.0, rate) * near
    mono = low * rumble + 0.6 * crack
    width = lowpass(pink_noise(ctx.rng, n, 1)[:, 0], 180.0, rate, order=4) * rumble * 0.3
    return stereo(mono + width, mono - width)


def generators() -> tuple[Generator, ...]:
    w = Family.WEATHER
    bed, spot = SoundKind.BED, SoundKind.SPOT
    return (
        Generator("rain_light", w, bed, rain_light, -32.0, (2000, 7000),
                  "light rain, soft patter with distinct drops"),
        Generator("rain_heavy", w, bed, rain_heavy, -24.0, (1200, 6000), "heavy rain, dense downpour"),
        Generator("rain_window", w, bed, rain_window, -30.0, (700, 4500),
                  "rain on a window pane, heard from inside"),
        Generator("rain_roof", w, bed, rain_roof, -28.0, (200, 1500),
                  "rain drumming on a roof, heard from under it"),
        Generator("wind", w, bed, wind, -30.0, (150, 1200), "steady wind"),
        Generator("wind_gusts", w, bed, wind_gusts, -28.0, (150, 1200), "gusty, buffeting wind"),
        Generator("thunder", w, spot, thunder, -20.0, (40, 600), "a thunder clap and rolling rumble",
                  default_duration=8.0, default_distance=500.0),
    )
