"""Interiors: room tone, fluorescent/electrical hum, HVAC, a refrigerator's compressor.

Mains-driven sounds sit on the mains frequency: magnetostriction in ballasts and transformers
hums at twice mains (100/120 Hz) with odd-order buzz; induction motors run just below
synchronous speed. Tones are tuned to whole cycles over the loop (``loop_freq``), so the beds loop.
"""

from __future__ import annotations

import math

import numpy as np

from soundstage.audio.dsp import Array, bandpass, brown_noise, highpass, lowpass, pink_noise, smooth_noise
from soundstage.sound.generators.base import Family, Generator, ParamSpec, SoundKind, SynthContext, stereo
from soundstage.sound.generators.water import bubble
from soundstage.sound.synth import circular, loop_freq, onsets, scatter, tone

__all__ = ["generators"]

MAINS = ParamSpec("mains_hz", 60.0, 50.0, 60.0, "mains frequency: 60 Hz (Americas, parts of Asia) or 50 Hz")


def _harmonics(ctx: SynthContext, fundamental: float, amps: list[float]) -> Array:
    out = np.zeros(ctx.frames, dtype=np.float32)
    for k, a in enumerate(amps, start=1):
        f = loop_freq(fundamental * k, ctx.frames, ctx.rate)
        if f < ctx.rate / 2:
            out += a * tone(f, ctx.frames, ctx.rate, phase=ctx.rng.uniform(0, 2 * math.pi))
    return out


def room_tone(ctx: SynthContext) -> Array:
    """The 'silence' of a room: low air noise from distant ventilation and traffic, faint mains."""
    air = circular(lambda x: lowpass(x, 900.0, ctx.rate), pink_noise(ctx.rng, ctx.frames, 2), ctx.rate)
    low = circular(lambda x: lowpass(x, 150.0, ctx.rate), brown_noise(ctx.rng, ctx.frames, 2), ctx.rate)
    hum = _harmonics(ctx, ctx.value("mains_hz"), [0.01, 0.004, 0.002])
    return air + 0.6 * low + stereo(hum)


def electrical_hum(ctx: SynthContext) -> Array:
    """Fluorescent tube ballast: 2x mains with buzz harmonics, a faint high whine and flicker."""
    buzz = _harmonics(ctx, 2 * ctx.value("mains_hz"), [1.0, 0.5, 0.45, 0.2, 0.25, 0.12, 0.1, 0.06])
    whine = tone(loop_freq(8 * 1000.0 + 500.0 * ctx.rng.random(), ctx.frames, ctx.rate),
                 ctx.frames, ctx.rate) * 0.01
    flutter = 1.0 + 0.05 * smooth_noise(ctx.rng, ctx.frames, ctx.rate, 0.5)
    hiss = circular(lambda x: highpass(x, 3000.0, ctx.rate),
                    ctx.rng.standard_normal((ctx.frames, 2)).astype(np.float32), ctx.rate) * 0.01
    return stereo(buzz * flutter + whine) + hiss


def hvac(ctx: SynthContext) -> Array:
    """Air handling: broadband duct airflow, the blade-pass tone of the fan, low rumble."""
    air = circular(lambda x: bandpass(x, 80.0, 2500.0, ctx.rate), pink_noise(ctx.rng, ctx.frames, 2),
                   ctx.rate)
    blade = _harmonics(ctx, ctx.rng.uniform(90.0, 140.0), [0.08, 0.03, 0.015])  # blades x rev/s
    rumble = circular(lambda x: lowpass(x, 90.0, ctx.rate), brown_noise(ctx.rng, ctx.frames, 2), ctx.rate)
    return air * (0.8 + 0.4 * ctx.intensity) + stereo(blade) + 0.5 * rumble


def fridge_compressor(ctx: SynthContext) -> Array:
    """A running compressor: motor hum near mains with rich harmonics and a rattle, refrigerant gurgles."""
    mains = ctx.value("mains_hz")
    hum = _harmonics(ctx, mains * 0.98, [1.0, 0.6, 0.5, 0.3, 0.2, 0.15, 0.1, 0.08, 0.05, 0.04])
    beat = 1.0 + 0.15 * tone(loop_freq(0.7, ctx.frames, ctx.rate), ctx.frames, ctx.rate)  # slip beating
    rattle = circular(lambda x: bandpass(x, 300.0, 1200.0, ctx.rate), pink_noise(ctx.rng, ctx.frames, 1),
                      ctx.rate)
    gurgles = [bubble(ctx.rng, ctx.rate, r) for r in ctx.rng.uniform(3.0, 8.0, 6)]
    at = onsets(ctx.rng, ctx.frames, ctx.rate, 1.0 + 2.0 * ctx.intensity)
    flow = scatter(ctx.frames, at, ctx.rng.uniform(0.02, 0.06, at.size),
                   ctx.checked(gurgles), ctx.rng, circular=True)
    mono = hum * beat + 0.05 * rattle[:, 0] + flow
    return stereo(mono, mono)


def generators() -> tuple[Generator, ...]:
    i, bed = Family.INTERIOR, SoundKind.BED
    return (
        Generator("room_tone", i, bed, room_tone, -48.0, (60, 600), "quiet room tone", params=(MAINS,)),
        Generator("electrical_hum", i, bed, electrical_hum, -42.0, (100, 600),
                  "fluorescent light / electrical hum", params=(MAINS,)),
        Generator("hvac", i, bed, hvac, -40.0, (80, 900), "air conditioning / ventilation"),
        Generator("fridge_compressor", i, bed, fridge_compressor, -40.0, (50, 400),
                  "a refrigerator compressor running", params=(MAINS,)),
    )
