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

__all__ = ["DuckingParams", "detector_frame", "duck_amount", "duck_block", "duck_gain", "frame_levels"]

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


def _distance_to_active(active: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.float64],
                                                                 npt.NDArray[np.float64]]:
    """Per frame: frames since the last active frame, and frames until the next one (inf if none)."""
    n = active.size
    idx = np.arange(n, dtype=np.float64)
    last = np.where(active, idx, -np.inf)
    last = np.maximum.accumulate(last)
    nxt = np.where(active, idx, np.inf)
    nxt = np.minimum.accumulate(nxt[::-1])[::-1]
    return idx - last, nxt - idx


def detector_frame(rate: int) -> int:
    """Samples per detector frame at ``rate``."""
    return max(1, round(DETECT_FRAME * rate))


def frame_levels(key: Array, rate: int, cancelled: CancelCheck = never) -> npt.NDArray[np.float64]:
    """Per detector frame: the key's RMS level (dB). A long key may be measured in pieces whose
    lengths are whole frames (the last piece need not be): the levels concatenate to the whole's."""
    return _frame_rms_db(key, detector_frame(rate), cancelled)


def _active(levels: npt.NDArray[np.float64], params: DuckingParams) -> npt.NDArray[np.bool_]:
    loud = levels > params.threshold_db
    since, until = _distance_to_active(loud)
    return loud | (since + until <= params.hold_s / DETECT_FRAME)


def duck_amount(levels: npt.NDArray[np.float64], params: DuckingParams) -> npt.NDArray[np.float64] | None:
    """Per detector frame, how far (0..1 of ``depth_db``) beds dip under a key of these ``levels``;
    None when they never dip (ducking off, or no speech)."""
    if not params.enabled or params.depth_db == 0.0:
        return None
    active = _active(levels, params)
    if not active.any():
        return None
    since, until = _distance_to_active(active)
    release = np.clip(1.0 - since * DETECT_FRAME / max(params.release_s, DETECT_FRAME), 0.0, 1.0)
    attack = np.clip(1.0 - until * DETECT_FRAME / max(params.attack_s, DETECT_FRAME), 0.0, 1.0)
    return np.maximum(release, attack)


def duck_block(amount: npt.NDArray[np.float64] | None, rate: int, params: DuckingParams, lo: int,
               hi: int) -> Array:
    """The per-sample linear gain of samples ``lo:hi`` from ``duck_amount``'s frames."""
    if amount is None:
        return np.ones(hi - lo, dtype=np.float32)
    centres = (np.arange(amount.size) + 0.5) * detector_frame(rate)
    per_sample = np.interp(np.arange(lo, hi, dtype=np.float64), centres, amount)
    return (10.0 ** (-params.depth_db * per_sample / 20.0)).astype(np.float32)


def duck_gain(key: Array, frames: int, rate: int, params: DuckingParams,
              cancelled: CancelCheck = never) -> Array:
    """Per-sample linear gain (``frames`` long) to apply to beds ducked under ``key``.

    The per-sample curve is drawn in blocks, ``cancelled`` looked at between them (issue 9)."""
    if not params.enabled or params.depth_db == 0.0:
        return np.ones(frames, dtype=np.float32)
    amount = duck_amount(frame_levels(key, rate, cancelled), params)
    _check(cancelled)
    out = np.empty(frames, dtype=np.float32)
    for lo, hi in blocks(frames, cancelled):
        out[lo:hi] = duck_block(amount, rate, params, lo, hi)
    return out
