"""Household: a ringing telephone, keyboard typing, a ticking clock.

The telephone is the electromechanical bell: a clapper strikes two gongs at 20 Hz during each
2 s ring, 4 s apart (the North American ring cadence). Typing is bursts of keystrokes (a click on
contact, a thock on bottoming out, a lighter click on release) at typist-like rates.
"""

from __future__ import annotations

import numpy as np

from soundstage.audio.dsp import Array, lowpass, pink_noise
from soundstage.sound.generators.base import Family, Generator, ParamSpec, SoundKind, SynthContext, stereo
from soundstage.sound.synth import circular, modal, noise_burst, periodic_onsets, scatter

__all__ = ["generators"]

RING_ON, RING_OFF = 2.0, 4.0  # s: North American ring cadence
CLAPPER_HZ = 20.0  # strikes per second (20 Hz ringing voltage)
GONG_PARTIALS = (1.0, 2.31, 3.92)  # a small bell gong's inharmonic modes
GONG_HZ = (1040.0, 1290.0)  # the two gongs


def phone_ring(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    gongs = [modal([f * p for p in GONG_PARTIALS], [0.25, 0.12, 0.06], [1.0, 0.5, 0.3], int(0.4 * rate),
                   rate, ctx.rng)
             for f in GONG_HZ]
    starts = np.arange(0.0, ctx.seconds, RING_ON + RING_OFF)
    strikes = np.concatenate([s + np.arange(0.0, RING_ON, 1.0 / CLAPPER_HZ) for s in starts])
    strikes = strikes[strikes < ctx.seconds - 0.3]
    at = (strikes * rate).astype(np.int64)
    out = np.zeros(n, dtype=np.float32)
    for k, gong in enumerate(gongs):  # the clapper alternates between the two gongs
        out += scatter(n, at[k::2], 1.0, [gong], ctx.rng)
    return stereo(out)


def _keystroke(rng: np.random.Generator, rate: int, space: bool) -> Array:
    n = int(0.12 * rate)
    down = noise_burst(rng, n, rate, 0.0015, (2000.0, 7000.0))
    thock_hz = 220.0 if space else rng.uniform(380.0, 650.0)
    thock = modal([thock_hz, thock_hz * 2.7], [0.008, 0.004], [1.0, 0.4], n, rate, rng)
    release_at = int(rng.uniform(0.06, 0.09) * rate)
    out = down + 0.7 * thock
    out[release_at:] += 0.35 * noise_burst(rng, n - release_at, rate, 0.001, (2500.0, 8000.0))
    return out.astype(np.float32)


def keyboard_typing(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    keys = [_keystroke(ctx.rng, rate, space=False) for _ in range(10)]
    spaces = [_keystroke(ctx.rng, rate, space=True) for _ in range(2)]
    per_second = 4.0 + 6.0 * ctx.intensity  # 50-120 words per minute
    times: list[float] = []
    t = 0.0
    while t < ctx.seconds:  # words: 3-8 keys then a space, and now and then a pause to think
        for _ in range(int(ctx.rng.integers(3, 9))):
            times.append(t)
            t += ctx.rng.gamma(4.0, 1.0 / (4.0 * per_second))
        times.append(-t)  # negative marks a space bar
        t += (ctx.rng.gamma(4.0, 1.0 / (4.0 * per_second))
              + (ctx.rng.uniform(0.5, 1.5) if ctx.rng.random() < 0.15 else 0))
    stamps = np.array(times)
    letters = (stamps[(stamps >= 0) & (stamps < ctx.seconds)] * rate).astype(np.int64)
    bars = (-stamps[(stamps < 0) & (-stamps < ctx.seconds)] * rate).astype(np.int64)
    mono = scatter(n, letters, ctx.rng.uniform(0.6, 1.0, letters.size),
                   ctx.checked(keys), ctx.rng, circular=True)
    mono += scatter(n, bars, 0.9, ctx.checked(spaces), ctx.rng, circular=True)
    room = circular(lambda x: lowpass(x, 500.0, rate), pink_noise(ctx.rng, n, 2), rate) * 0.002
    return stereo(mono, mono) + room


def clock_tick(ctx: SynthContext) -> Array:
    """An escapement: tick and tock alternate, each a metallic click ringing the wooden case."""
    n, rate = ctx.frames, ctx.rate
    beat = 1.0 / ctx.value("beats_per_second")

    def click(pitch: float) -> Array:
        m = int(0.08 * rate)
        metal = modal([3100.0 * pitch, 4700.0 * pitch, 6900.0 * pitch], [0.008, 0.005, 0.003],
                      [1.0, 0.5, 0.3], m, rate, ctx.rng)
        case = modal([520.0 * pitch, 1150.0 * pitch], [0.02, 0.012], [0.4, 0.2], m, rate, ctx.rng)
        return (metal + case).astype(np.float32)

    at = periodic_onsets(ctx.rng, n, rate, beat, jitter=0.0005, start=0.05)
    tick = scatter(n, at[::2], 1.0, [click(1.0)], ctx.rng, circular=True)
    tock = scatter(n, at[1::2], 0.8, [click(0.92)], ctx.rng, circular=True)
    return stereo(tick + tock)


def generators() -> tuple[Generator, ...]:
    h = Family.HOUSEHOLD
    return (
        Generator("phone_ring", h, SoundKind.SPOT, phone_ring, -22.0, (1000, 3500),
                  "a telephone bell ringing", default_duration=8.0),
        Generator("keyboard_typing", h, SoundKind.BED, keyboard_typing, -32.0, (800, 4500),
                  "typing on a keyboard", default_duration=8.0),
        Generator("clock_tick", h, SoundKind.BED, clock_tick, -36.0, (1000, 5000), "a ticking clock",
                  default_duration=8.0,
                  params=(ParamSpec("beats_per_second", 1.0, 0.5, 5.0, "escapement rate"),)),
    )
