"""Mastering: loudness normalization plus true-peak limiting, expressed as one gain curve.

The result is a per-sample gain rather than a processed signal, so the same curve can be applied
to every stem and the stems still sum exactly to the master (EBU R128 delivery with stems).

Make-up gain and limiting interact (limiting lowers loudness a little), so we iterate on cheap
estimates: the K-weighted power and the true-peak envelope are measured once, and both scale with
a gain that varies slowly, which lets each iteration avoid re-filtering and re-oversampling.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.loudness import (
    TRUE_PEAK_CEILING_DBTP,
    LimiterParams,
    LoudnessTarget,
    db_to_gain,
    envelope_gain,
    gain_to_db,
    gated_loudness,
    limiter_gain,
    true_peak_dbfs,
    true_peak_envelope,
    weighted_power,
)
from soundstage.cancellation import CancelCheck, blocks, never
from soundstage.cancellation import check as _check

__all__ = ["MasterParams", "MasterReport", "apply_gain", "master_gain"]

_ITERATIONS = 8
_TOLERANCE_LU = 0.05
_DECIMATE = 16  # samples per block in the make-up search (0.33 ms at 48 kHz)
_ENVELOPE_MARGIN_DB = 6.0  # make-up rarely grows more than this over the iterations


@dataclass(frozen=True)
class MasterParams:
    target_lufs: float = LoudnessTarget.DEFAULT.value
    ceiling_dbtp: float = TRUE_PEAK_CEILING_DBTP
    normalize: bool = True  # False: leave the level alone, only limit
    max_gain_db: float = 40.0  # never lift near-silence into a wall of noise
    max_limiting_db: float = 12.0  # beyond this a limiter audibly crushes transients: fall short instead


@dataclass(frozen=True)
class MasterReport:
    integrated_lufs: float
    true_peak_dbtp: float
    makeup_db: float
    max_reduction_db: float  # deepest limiter gain reduction


def apply_gain(buf: AudioBuffer, gain: npt.NDArray[np.float32],
               cancelled: CancelCheck = never) -> AudioBuffer:
    out = np.empty(buf.samples.shape, dtype=np.float32)
    gain = gain.astype(np.float32, copy=False)
    for lo, hi in blocks(buf.frames, cancelled):
        np.multiply(buf.samples[lo:hi], gain[lo:hi, None], out=out[lo:hi])
    return AudioBuffer(out, buf.rate)


def _blocks(x: npt.NDArray[Any], reduce: Callable[..., Any]) -> npt.NDArray[Any]:
    """``x`` reduced over consecutive blocks of ``_DECIMATE`` samples (the last block zero-padded).

    Loudness is estimated from block power times the squared gain: K(g x) ~= g K(x) while g moves
    slowly against the K filter's time constants, and a block is far shorter than any gain move.
    """
    pad = (-x.size) % _DECIMATE
    return reduce(np.pad(x, (0, pad)).reshape(-1, _DECIMATE), axis=1)  # type: ignore[no-any-return]


def _makeup_curve(mix: AudioBuffer, params: MasterParams,
                  cancelled: CancelCheck) -> tuple[float, npt.NDArray[np.float32]]:
    power = weighted_power(mix, cancelled)
    measured = gated_loudness(power, mix.rate, cancelled)
    if not params.normalize or not math.isfinite(measured):
        return 1.0, np.ones(mix.frames, dtype=np.float32)
    limiter = LimiterParams(ceiling_dbtp=params.ceiling_dbtp)
    makeup = db_to_gain(min(params.target_lufs - measured, params.max_gain_db))
    # peaks that stay 6 dB under the ceiling after make-up need no exact reading
    floor = db_to_gain(params.ceiling_dbtp - _ENVELOPE_MARGIN_DB) / makeup
    envelope = true_peak_envelope(mix, floor, cancelled)
    most = db_to_gain(params.ceiling_dbtp + params.max_limiting_db) / max(float(envelope.max()), 1e-12)
    makeup = min(makeup, most)
    # search the make-up gain at block rate (cheap), then draw the final curve at full rate once
    coarse_rate = mix.rate / _DECIMATE
    coarse_env, coarse_power = _blocks(envelope, np.max), _blocks(power, np.mean)
    previous: tuple[float, float] | None = None  # (make-up dB, loudness) of the last try
    for _ in range(_ITERATIONS):
        _check(cancelled)
        curve = makeup * envelope_gain(coarse_env * np.float32(makeup), round(coarse_rate), limiter)
        loudness = gated_loudness(coarse_power * np.square(curve, dtype=np.float64), round(coarse_rate))
        error = params.target_lufs - loudness
        if abs(error) < _TOLERANCE_LU or (error > 0 and makeup >= most):
            break
        step = error
        if previous is not None and abs(loudness - previous[1]) > 1e-6:
            # secant: under heavy limiting each dB of make-up buys much less than a dB of loudness
            slope = (loudness - previous[1]) / (gain_to_db(makeup) - previous[0])
            step = error / min(max(slope, 0.05), 1.0)
        previous = (gain_to_db(makeup), loudness)
        makeup = min(makeup * db_to_gain(min(step, params.max_gain_db)), most)
    _check(cancelled)
    curve = makeup * envelope_gain(envelope * np.float32(makeup), mix.rate, limiter, cancelled)
    return makeup, curve.astype(np.float32)


def master_gain(mix: AudioBuffer, params: MasterParams = MasterParams(),
                cancelled: CancelCheck = never) -> tuple[npt.NDArray[np.float32], MasterReport]:
    """The gain curve that brings ``mix`` to the target loudness under the true-peak ceiling.

    ``cancelled`` is polled between the steps; ``Cancelled`` is raised once it is true."""
    makeup, curve = _makeup_curve(mix, params, cancelled)
    out = apply_gain(mix, curve, cancelled)
    peak = true_peak_dbfs(out, cancelled)
    if peak > params.ceiling_dbtp:
        # gain modulation can add a sliver of inter-sample overshoot: one corrective pass
        correction = limiter_gain(out, LimiterParams(ceiling_dbtp=params.ceiling_dbtp), cancelled)
        curve = (curve * correction).astype(np.float32)
        out = apply_gain(mix, curve, cancelled)
        peak = true_peak_dbfs(out, cancelled)
    report = MasterReport(
        integrated_lufs=gated_loudness(weighted_power(out, cancelled), out.rate, cancelled),
        true_peak_dbtp=peak,
        makeup_db=20.0 * math.log10(makeup),
        max_reduction_db=-20.0 * math.log10(max(float((curve / makeup).min()), 1e-12)),
    )
    return curve, report
