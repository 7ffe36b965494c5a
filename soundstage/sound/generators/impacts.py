"""Impacts and swings: the foley a picture's motion asks for (a box landing, a pan set down, an arm's swing).

Struck objects ring at their modes (modal synthesis, as in ``doors``): a heavy thing on a floor is a low
body thump (90-350 Hz) under a short contact click; wood knocks at a few hundred hertz and dies within
tens of milliseconds; metal rings inharmonically for most of a second (free plate modes, roughly
1 : 2.76 : 5.40 : 8.93 like a bar, detuned). Every hit strikes ``ONSET`` into its buffer (3 ms), so a
clip placed that much before an event's time is heard on its frame. A whoosh is air: noise through a
band-pass that sweeps up and back as the swing passes, loudest a quarter of the way in.
"""

from __future__ import annotations

import numpy as np

from soundstage.audio.dsp import Array, lowpass
from soundstage.sound.generators.base import Family, Generator, SoundKind, SynthContext, stereo
from soundstage.sound.synth import exp_env, modal, noise_burst

__all__ = ["generators"]

FLOOR_MODES = (95.0, 150.0, 230.0, 340.0)  # Hz: a heavy box on a wooden floor
WOOD_MODES = (240.0, 530.0, 910.0, 1480.0)  # Hz: a block of hardwood struck
METAL_MODES = (520.0, 1435.0, 2808.0, 4644.0)  # Hz: a small steel plate, bar-like ratios detuned
ONSET = 0.003  # s of silence before a strike: the registry fades a spot's first 2 ms in


def _hit(ctx: SynthContext, modes: tuple[float, ...], decays: tuple[float, ...], amps: tuple[float, ...],
         click_band: tuple[float, float], click: float) -> Array:
    """One strike: modes detuned a little per seed, a contact click brighter with intensity."""
    n, rate = ctx.frames, ctx.rate
    detune = ctx.rng.uniform(0.95, 1.05, len(modes))
    body = modal([f * d for f, d in zip(modes, detune, strict=True)], list(decays), list(amps), n, rate,
                 ctx.rng)
    contact = noise_burst(ctx.rng, n, rate, 0.002 + 0.002 * (1 - ctx.intensity), click_band)
    hit = body + click * (0.4 + 0.8 * ctx.intensity) * contact
    # A decaying low mode is lopsided: its offset is taken out under the same decay, so the hit is
    # zero-mean with a silent tail (a constant removed later would leave a step at the end).
    envelope = exp_env(n, rate, max(decays))
    hit = hit - hit.mean() * envelope / max(float(envelope.mean()), 1e-9)
    lead = min(n, round(ONSET * rate))  # the registry's 2 ms fade-in must not eat the strike
    return np.concatenate([np.zeros(lead, np.float32), hit[: n - lead]]).astype(np.float32)


def impact(ctx: SynthContext) -> Array:
    hit = _hit(ctx, FLOOR_MODES, (0.08, 0.06, 0.045, 0.03), (1.0, 0.8, 0.6, 0.4), (800.0, 5000.0), 0.6)
    rattle = noise_burst(ctx.rng, ctx.frames, ctx.rate, 0.04, (300.0, 2500.0)) * 0.06
    return stereo(hit + rattle)


def impact_wood(ctx: SynthContext) -> Array:
    return stereo(_hit(ctx, WOOD_MODES, (0.035, 0.025, 0.018, 0.012), (1.0, 0.8, 0.5, 0.35),
                       (1500.0, 7000.0), 0.6))


def impact_metal(ctx: SynthContext) -> Array:
    ring = _hit(ctx, METAL_MODES, (0.6, 0.45, 0.3, 0.2), (1.0, 0.7, 0.5, 0.3), (2000.0, 9000.0), 0.8)
    return stereo(ring)


def whoosh(ctx: SynthContext) -> Array:
    """Noise through a band that sweeps up then down; the swing's loudest point a quarter of the way in."""
    n, rate = ctx.frames, ctx.rate
    t = np.arange(n, dtype=np.float64) / max(n - 1, 1)
    envelope = (t / 0.25) ** 2 * np.exp(2 * (1 - t / 0.25)) if n > 1 else np.ones(1)
    noise = ctx.rng.standard_normal(n).astype(np.float32)
    low = lowpass(noise, 700.0, rate)
    high = lowpass(noise, 2500.0, rate) - low
    sweep = np.clip(envelope / max(float(envelope.max()), 1e-9), 0.0, 1.0)
    out = (low + (0.3 + 0.7 * ctx.intensity) * high * sweep) * envelope
    return stereo(np.asarray(out, dtype=np.float32))


def generators() -> tuple[Generator, ...]:
    f, spot = Family.IMPACTS, SoundKind.SPOT
    return (
        Generator("impact", f, spot, impact, -20.0, (100, 1500),
                  "something heavy landing: a thud on the floor", default_duration=0.8),
        Generator("impact_wood", f, spot, impact_wood, -22.0, (300, 3000), "a wooden knock or clack",
                  default_duration=0.4),
        Generator("impact_metal", f, spot, impact_metal, -24.0, (800, 5000), "metal struck: a clang",
                  default_duration=1.5),
        Generator("whoosh", f, spot, whoosh, -28.0, (150, 1500), "a swing through the air",
                  default_duration=0.6),
    )
