"""Sidechain ducking: beds dip under dialogue by a fixed depth, with look-ahead ramps.

Offline, we know where speech starts, so the duck is fully down when the first syllable lands
(as a mixer riding the fader would do it) and recovers after a hold that bridges pauses between
words. Ramps are linear in dB, computed from distances to the nearest speech frame, all vectorized.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from soundstage.audio.dsp import Array
from soundstage.cancellation import BLOCK_FRAMES, CancelCheck, blocks, never
from soundstage.cancellation import check as _check

__all__ = ["DuckingParams", "duck_gain", "speech_activity"]

DETECT_FRAME = 0.010  # s: envelope resolution of the key detector
_FLOOR = 1e-12


@dataclass(frozen=True)
class DuckingParams:
    depth_db: float = 10.0  # how far beds dip under speech (broadcast practice: 6-12 dB)
    threshold_db: float = -50.0  # dBFS RMS of the key above which a frame counts as speech
    attack_s: float = 0.15  # ramp down, finished as speech starts
    release_s: float = 0.6  # ramp back up after speech (and hold) ends
    hold_s: float = 0.35  # gaps shorter than this between words stay ducked
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.depth_db < 0:
            raise ValueError(f"DuckingParams.depth_db must be >= 0 dB, got {self.depth_db}")


def _energy(key: Array) -> npt.NDArray[np.float64]:
    energy = np.zeros(key.shape[0], dtype=np.float64)
    for ch in range(key.shape[1]):
        energy += np.square(key[:, ch], dtype=np.float64) / key.shape[1]
    return energy


def _frame_rms_db(key: Array, frame: int, cancelled: CancelCheck = never) -> npt.NDArray[np.float64]:
    whole = key.shape[0] // frame
    ms = np.empty(whole, dtype=np.float64)
    for lo, hi in blocks(whole, cancelled, max(1, BLOCK_FRAMES // frame)):  # in detector frames
        ms[lo:hi] = _energy(key[lo * frame : hi * frame]).reshape(hi - lo, frame).mean(axis=1)
    if key.shape[0] > whole * frame:
        ms = np.append(ms, _energy(key[whole * frame :]).mean())
    return 10.0 * np.log10(ms + _FLOOR)


def _distance_to_active(active: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per frame: frames since the last active frame, and frames until the next one (inf if none)."""
    n = active.size
    idx = np.arange(n, dtype=np.float64)
    last = np.where(active, idx, -np.inf)
    last = np.maximum.accumulate(last)
    nxt = np.where(active, idx, np.inf)
    nxt = np.minimum.accumulate(nxt[::-1])[::-1]
    return idx - last, nxt - idx


def speech_activity(key: Array, rate: int, params: DuckingParams,
                    cancelled: CancelCheck = never) -> npt.NDArray[np.bool_]:
    """Per detector frame: is the key (dialogue) speaking, with short pauses bridged."""
    frame = max(1, round(DETECT_FRAME * rate))
    loud = _frame_rms_db(key, frame, cancelled) > params.threshold_db
    since, until = _distance_to_active(loud)
    gap = since + until
    return loud | (gap <= params.hold_s / DETECT_FRAME)


def duck_gain(key: Array, frames: int, rate: int, params: DuckingParams,
              cancelled: CancelCheck = never) -> Array:
    """Per-sample linear gain (``frames`` long) to apply to beds ducked under ``key``.

    The per-sample curve is drawn in blocks, ``cancelled`` looked at between them (issue 9)."""
    if not params.enabled or params.depth_db == 0.0:
        return np.ones(frames, dtype=np.float32)
    active = speech_activity(key, rate, params, cancelled)
    _check(cancelled)
    if not active.any():
        return np.ones(frames, dtype=np.float32)
    since, until = _distance_to_active(active)
    release = np.clip(1.0 - since * DETECT_FRAME / max(params.release_s, DETECT_FRAME), 0.0, 1.0)
    attack = np.clip(1.0 - until * DETECT_FRAME / max(params.attack_s, DETECT_FRAME), 0.0, 1.0)
    amount = np.maximum(release, attack)
    frame = max(1, round(DETECT_FRAME * rate))
    centres = (np.arange(amount.size) + 0.5) * frame
    out = np.empty(frames, dtype=np.float32)
    for lo, hi in blocks(frames, cancelled):
        per_sample = np.interp(np.arange(lo, hi, dtype=np.float64), centres, amount)
        out[lo:hi] = 10.0 ** (-params.depth_db * per_sample / 20.0)
    return out
