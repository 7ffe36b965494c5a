"""Synthesis primitives shared by the generator families: events, grains, modes, loop-safe filters.

Beds must loop without a seam, so their building blocks are periodic over the rendered length:
events wrap around the end (:func:`scatter` with ``circular``), tones are tuned to a whole number of
cycles (:func:`loop_freq`), control signals come from :func:`soundstage.audio.dsp.smooth_noise` and
filters run on the signal with its own tail prepended (:func:`circular`) so they start in the state
they end in. Everything returns float32 arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from scipy import signal

from soundstage.audio.dsp import Array

__all__ = [
    "circular",
    "exp_env",
    "loop_crossfade",
    "loop_freq",
    "modal",
    "noise_burst",
    "onsets",
    "periodic_onsets",
    "scatter",
    "sweep",
    "tone",
]

WARMUP = 0.5  # s of periodic continuation a circular filter runs on before the part we keep


def circular(fn: Callable[[Array], Array], x: Array, rate: int) -> Array:
    """Apply a causal filter ``fn`` as if ``x`` repeated forever (so the loop point stays seamless)."""
    tail = min(x.shape[0], int(WARMUP * rate))
    if tail == 0:
        return fn(x)
    y = fn(np.concatenate([x[-tail:], x]))
    return np.ascontiguousarray(y[tail:]).astype(np.float32)


def loop_freq(freq: float, frames: int, rate: int) -> float:
    """The frequency nearest ``freq`` that fits a whole number of cycles into ``frames``."""
    cycles = max(1, round(freq * frames / rate))
    return cycles * rate / frames


def tone(freq: float, frames: int, rate: int, phase: float = 0.0) -> Array:
    t = np.arange(frames, dtype=np.float64) / rate
    return np.sin(2 * math.pi * freq * t + phase).astype(np.float32)


def exp_env(length: int, rate: int, decay: float, attack: float = 0.0005) -> Array:
    """Exponential decay (time constant ``decay`` s) after a short linear attack (no click)."""
    t = np.arange(length, dtype=np.float64) / rate
    rise = np.minimum(1.0, t / max(attack, 1.0 / rate))
    return (rise * np.exp(-t / max(decay, 1e-5))).astype(np.float32)


def modal(freqs: Sequence[float], decays: Sequence[float], amps: Sequence[float], length: int, rate: int,
          rng: np.random.Generator | None = None) -> Array:
    """Sum of exponentially damped sinusoids: the impulse response of a struck object (modal synthesis)."""
    t = np.arange(length, dtype=np.float64) / rate
    out = np.zeros(length, dtype=np.float64)
    for f, d, a in zip(freqs, decays, amps, strict=True):
        if f >= rate / 2:
            continue
        phase = rng.uniform(0, 2 * math.pi) if rng is not None else 0.0
        out += a * np.exp(-t / d) * np.sin(2 * math.pi * f * t + phase)
    rise = np.minimum(1.0, t / 0.0003)  # 0.3 ms: a hard strike, but not a step
    return (out * rise).astype(np.float32)


def noise_burst(rng: np.random.Generator, length: int, rate: int, decay: float,
                band: tuple[float, float] | None = None) -> Array:
    """A decaying noise grain, optionally band-limited: clicks, taps, claps, crackles."""
    x = rng.standard_normal(length).astype(np.float32)
    if band is not None:
        lo, hi = band
        sos = signal.butter(2, [max(lo, 20.0), min(hi, 0.45 * rate)], btype="band", fs=rate, output="sos")
        x = signal.sosfilt(sos, x).astype(np.float32)
    return x * exp_env(length, rate, decay)


def sweep(f0: float, f1: float, length: int, rate: int, curve: float = 1.0) -> Array:
    """Sinusoid gliding from ``f0`` to ``f1`` Hz (exponential glide when both are positive)."""
    u = (np.arange(length, dtype=np.float64) / max(length - 1, 1)) ** curve
    freq = f0 * (f1 / f0) ** u if f0 > 0 and f1 > 0 else f0 + (f1 - f0) * u
    return np.sin(2 * math.pi * np.cumsum(freq) / rate).astype(np.float32)


def onsets(rng: np.random.Generator, frames: int, rate: int, per_second: float) -> npt.NDArray[np.int64]:
    """Poisson event times (sample indices, sorted) at ``per_second`` on average."""
    frames = max(frames, 0)
    count = rng.poisson(max(per_second, 0.0) * frames / rate)
    return np.sort(rng.integers(0, max(frames, 1), size=count))


def periodic_onsets(rng: np.random.Generator, frames: int, rate: int, period: float,
                    jitter: float = 0.0, start: float = 0.0) -> npt.NDArray[np.int64]:
    """Events every ``period`` s with Gaussian timing ``jitter`` (s): steps, ticks, heartbeats."""
    times = np.arange(start, frames / rate, period)
    times = times + rng.normal(0.0, jitter, times.size) if jitter > 0 else times
    return np.clip(np.round(times * rate).astype(np.int64), 0, max(frames - 1, 0))


def scatter(frames: int, at: npt.NDArray[np.int64], amps: npt.ArrayLike, grains: Sequence[Array],
            rng: np.random.Generator, circular: bool = False) -> Array:
    """Place grains at sample indices ``at`` with gains ``amps``; each event uses a random grain.

    One impulse train per grain variant is convolved with that grain (FFT), so thousands of events
    cost a few convolutions. With ``circular`` the tails wrap to the start: a seamless loop.
    """
    out = np.zeros(frames, dtype=np.float64)
    if frames == 0 or len(at) == 0 or not grains:
        return out.astype(np.float32)
    gains = np.broadcast_to(np.asarray(amps, dtype=np.float64), (len(at),))
    choice = rng.integers(0, len(grains), size=len(at))
    for k, grain in enumerate(grains):
        mask = choice == k
        if not mask.any():
            continue
        train = np.zeros(frames, dtype=np.float64)
        np.add.at(train, np.asarray(at)[mask] % frames, gains[mask])
        wet = signal.oaconvolve(train, grain.astype(np.float64))
        out += wet[:frames]
        if circular and wet.shape[0] > frames:
            spill = wet[frames:]
            reps = math.ceil(spill.shape[0] / frames)
            out += np.pad(spill, (0, reps * frames - spill.shape[0])).reshape(reps, frames).sum(axis=0)
    return out.astype(np.float32)


def loop_crossfade(x: Array, frames: int) -> Array:
    """Fold the ``x.shape[0] - frames`` extra frames rendered past the end onto the start.

    The last kept frame is followed, on wrap, by the first extra frame's continuation, so the seam
    is as smooth as the signal itself. Equal-power fades suit uncorrelated material (voices, noise).
    """
    fade = min(x.shape[0] - frames, frames)  # a loop shorter than the fade folds only what fits
    out = np.array(x[:frames], dtype=np.float32, copy=True)
    if fade <= 0:
        return out
    theta = np.linspace(0.0, math.pi / 2, fade, endpoint=False)
    fade_in, fade_out = np.sin(theta), np.cos(theta)
    shape = (fade,) + (1,) * (x.ndim - 1)
    out[:fade] = x[:fade] * fade_in.reshape(shape) + x[frames : frames + fade] * fade_out.reshape(shape)
    return out
