"""Convolution reverb with synthetic, seeded impulse responses: one per acoustic space.

The impulse response is a sparse set of early reflections followed by a late tail of decorrelated
noise per channel that decays exponentially; high frequencies decay faster as ``damping`` rises
(air and soft surfaces absorb highs first, Sabine). Its energy is normalized to 1, so a send of
gain ``g`` returns a wet signal roughly ``g`` times as loud as the dry one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from soundstage.audio.dsp import Array, lowpass
from soundstage.cancellation import CancelCheck, blocks, never

__all__ = ["Space", "apply_reverb", "impulse_response"]

MIN_RT60 = 0.25  # s: a small furnished room
MAX_RT60 = 3.0  # s: a large hall or church
MAX_PREDELAY = 0.030  # s: time to the first reflection in the largest space
EARLY_REFLECTIONS = 12
EARLY_WINDOW = 0.080  # s: early reflections arrive within about 80 ms (Haas / clarity C80)
DAMPED_CUTOFF = 2_500.0  # Hz: where a fully damped space has lost its highs by mid-tail
_TAIL_DB = 60.0  # dB: RT60 definition, the tail is generated until it has decayed this much


@dataclass(frozen=True)
class Space:
    """An acoustic space shared by the clips that sit in it."""

    name: str
    room_size: float = 0.3  # 0 (closet) .. 1 (hall): sets RT60 and pre-delay
    damping: float = 0.5  # 0 (bright, hard walls) .. 1 (dull, soft furnishings)
    seed: int = 0

    def __post_init__(self) -> None:
        for field, value in (("room_size", self.room_size), ("damping", self.damping)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Space.{field} must be within [0, 1], got {value}")

    @property
    def rt60(self) -> float:
        """Reverberation time in seconds, geometric between the extremes."""
        return MIN_RT60 * (MAX_RT60 / MIN_RT60) ** self.room_size


def _early(rng: np.random.Generator, space: Space, rate: int, frames: int) -> Array:
    out = np.zeros((frames, 2), dtype=np.float32)
    start = int(MAX_PREDELAY * space.room_size * rate) + 1
    taps = rng.integers(start, start + int(EARLY_WINDOW * rate), size=(EARLY_REFLECTIONS, 2))
    gains = (rng.uniform(0.3, 0.8, size=(EARLY_REFLECTIONS, 2))
             * rng.choice([-1.0, 1.0], (EARLY_REFLECTIONS, 2)))
    for ch in range(2):
        np.add.at(out[:, ch], np.minimum(taps[:, ch], frames - 1), gains[:, ch].astype(np.float32))
    return out


def impulse_response(space: Space, rate: int) -> Array:
    """A stereo impulse response ``(frames, 2)`` with unit energy per channel."""
    rng = np.random.default_rng(space.seed)
    length = int(space.rt60 * rate)
    t = np.arange(length, dtype=np.float64) / rate
    decay = np.exp(-t * math.log(10 ** (_TAIL_DB / 20)) / space.rt60)[:, None]
    noise = rng.standard_normal((length, 2)).astype(np.float32)
    dull = lowpass(noise, DAMPED_CUTOFF, rate, order=2)
    # brightness falls over the tail: faster for more damping
    bright = np.exp(-t * (1.0 + 8.0 * space.damping) / space.rt60)[:, None]
    tail = (bright * noise + (1.0 - bright) * dull) * decay
    onset = np.minimum(1.0, t / (EARLY_WINDOW + 1e-9))[:, None]  # the tail builds up as reflections multiply
    ir = _early(rng, space, rate, length) * (1.0 - 0.7 * space.damping) + 0.5 * tail * onset
    ir /= np.sqrt(np.sum(ir**2, axis=0, keepdims=True)) + 1e-12
    return ir.astype(np.float32)


def _active_spans(send: Array, gap: int, cancelled: CancelCheck = never) -> list[tuple[int, int]]:
    """Runs of non-silent frames, merged across silences shorter than ``gap`` frames."""
    active = np.concatenate([np.flatnonzero(np.any(send[lo:hi] != 0.0, axis=1)) + lo
                             for lo, hi in blocks(send.shape[0], cancelled)] or [np.zeros(0, np.intp)])
    if active.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(active) > gap)
    starts = active[np.r_[0, breaks + 1]]
    ends = active[np.r_[breaks, active.size - 1]] + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def apply_reverb(send: Array, ir: Array, cancelled: CancelCheck = never) -> Array:
    """Wet signal of a stereo ``send`` through ``ir``, truncated to the send's length.

    Convolution is linear, so each burst of activity (a line, a door slam) is convolved on its own
    and the tails are summed: sparse dialogue and foley sends cost a fraction of the whole timeline.
    """
    out = np.zeros_like(send)
    for first, last in _active_spans(send, ir.shape[0], cancelled):
        for lo, hi in blocks(last - first, cancelled):  # long spans in blocks: cancel is seen between
            start = first + lo
            wet = signal.oaconvolve(send[start : first + hi], ir, axes=0)
            span = min(wet.shape[0], send.shape[0] - start)
            out[start : start + span] += wet[:span]
    return out
