"""Mastering: loudness normalization plus true-peak limiting, expressed as one gain curve.

The result is a per-sample gain rather than a processed signal, so the same curve can be applied
to every stem and the stems still sum exactly to the master (EBU R128 delivery with stems).

Make-up gain and limiting interact (limiting lowers loudness a little), so we iterate on cheap
estimates: the K-weighted power and the true-peak envelope are measured once, and both scale with
a gain that varies slowly, which lets each iteration avoid re-filtering and re-oversampling.

Memory (issue 16): the premaster arrives spilled to disk (``audio.spill``) and is read in blocks.
What the search needs of it is kept compact: the loudness meter's 100 ms sums and, per 16 samples,
the mean power and the largest true-peak value. The full-rate envelope and the curve are spilled
too; each block of the curve is drawn from a window of the envelope wide enough (the limiter's
attack before a peak, twice its release tail after) that it equals the whole-signal computation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.loudness import (
    PEAK_CONTEXT,
    TRUE_PEAK_CEILING_DBTP,
    LimiterParams,
    LoudnessMeter,
    LoudnessTarget,
    db_to_gain,
    envelope_gain,
    gain_to_db,
    gated_loudness,
    release_tail,
    true_peak_envelope,
    true_peaks,
)
from soundstage.audio.spill import Spill
from soundstage.cancellation import CancelCheck, blocks, never
from soundstage.cancellation import check as _check

__all__ = ["DECIMATE", "MasterParams", "MasterReport", "PremasterMeter", "limit_spill", "master_curve"]

_ITERATIONS = 8
_TOLERANCE_LU = 0.05
DECIMATE = 16  # samples per block in the make-up search (0.33 ms at 48 kHz); blocks of work are multiples
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


def _decimated(x: npt.NDArray[Any], reduce: Callable[..., Any]) -> npt.NDArray[Any]:
    """``x`` reduced over consecutive blocks of ``DECIMATE`` samples (the last block zero-padded).

    Loudness is estimated from block power times the squared gain: K(g x) ~= g K(x) while g moves
    slowly against the K filter's time constants, and a block is far shorter than any gain move.
    """
    pad = (-x.size) % DECIMATE
    return reduce(np.pad(x, (0, pad)).reshape(-1, DECIMATE), axis=1)  # type: ignore[no-any-return]


class PremasterMeter:
    """What mastering needs to know of the premaster, fed block by block as it is mixed: the
    integrated loudness and the mean weighted power per ``DECIMATE`` samples."""

    def __init__(self, rate: int, channels: int) -> None:
        self.loudness = LoudnessMeter(rate, channels)
        self._power: list[npt.NDArray[np.float64]] = []

    def feed(self, samples: npt.NDArray[np.float32]) -> None:
        self._power.append(_decimated(self.loudness.feed(samples), np.mean))

    @property
    def coarse_power(self) -> npt.NDArray[np.float64]:
        return np.concatenate(self._power) if self._power else np.zeros(0)


@dataclass(frozen=True)
class _Passes:
    """How the premaster is walked: its spill, the block size (a multiple of ``DECIMATE``), the check."""

    premaster: Spill
    block: int
    cancelled: CancelCheck

    def ranges(self) -> Iterator[tuple[int, int]]:
        return blocks(self.premaster.frames, self.cancelled, self.block)


def _envelope(source: Spill, floor: float, walk: _Passes) -> tuple[Spill, npt.NDArray[np.float32]]:
    """The true-peak envelope of ``source`` spilled, and its maximum per ``DECIMATE`` samples."""
    out, coarse = Spill(source.rate, 1), []
    for lo, hi in walk.ranges():
        window, at = source.window(lo, hi, PEAK_CONTEXT, PEAK_CONTEXT)
        env = true_peak_envelope(AudioBuffer(window, source.rate), floor)[at : at + hi - lo]
        out.append(env)
        coarse.append(_decimated(env, np.max))
    return out, np.concatenate(coarse) if coarse else np.zeros(0, np.float32)


def _gains(envelope: Spill, scale: float, params: LimiterParams,
           walk: _Passes) -> Iterator[npt.NDArray[np.float32]]:
    """Per block: the limiter gain of ``envelope * scale``, from a window that reaches as far as the
    limiter does (the attack ramp after the block, twice the release tail before it)."""
    rate, peak = envelope.rate, envelope.peak * scale
    look = max(1, round(params.lookahead_s * rate))
    before, after = 2 * release_tail(peak, rate, params) + 2 * look + 2, 2 * look + 2
    for lo, hi in walk.ranges():
        window, at = envelope.window(lo, hi, before, after)
        gain = envelope_gain(window[:, 0] * np.float32(scale), rate, params, peak=peak)
        yield gain[at : at + hi - lo]


def _search(measured: float, coarse_env: npt.NDArray[np.float32], coarse_power: npt.NDArray[np.float64],
            rate: int, params: MasterParams, cancelled: CancelCheck) -> float:
    """The make-up gain that lands the limited premaster on the target, searched at block rate."""
    limiter = LimiterParams(ceiling_dbtp=params.ceiling_dbtp)
    makeup = db_to_gain(min(params.target_lufs - measured, params.max_gain_db))
    most = db_to_gain(params.ceiling_dbtp + params.max_limiting_db) / max(float(coarse_env.max()), 1e-12)
    makeup = min(makeup, most)
    coarse_rate = round(rate / DECIMATE)
    previous: tuple[float, float] | None = None  # (make-up dB, loudness) of the last try
    for _ in range(_ITERATIONS):
        _check(cancelled)
        curve = makeup * envelope_gain(coarse_env * np.float32(makeup), coarse_rate, limiter)
        loudness = gated_loudness(coarse_power * np.square(curve, dtype=np.float64), coarse_rate)
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
    return makeup


def _makeup_curve(meter: PremasterMeter, params: MasterParams, walk: _Passes) -> tuple[float, Spill]:
    """The make-up gain and the curve (make-up times the limiter's gain) before any correction."""
    premaster, rate = walk.premaster, walk.premaster.rate
    measured = meter.loudness.integrated()
    curve = Spill(rate, 1)
    if not params.normalize or not math.isfinite(measured):
        for lo, hi in walk.ranges():
            curve.append(np.ones(hi - lo, dtype=np.float32))
        return 1.0, curve
    first = db_to_gain(min(params.target_lufs - measured, params.max_gain_db))
    # peaks that stay 6 dB under the ceiling after make-up need no exact reading
    envelope, coarse_env = _envelope(premaster, db_to_gain(params.ceiling_dbtp - _ENVELOPE_MARGIN_DB) / first,
                                     walk)
    with envelope:
        makeup = _search(measured, coarse_env, meter.coarse_power, rate, params, walk.cancelled)
        for gain in _gains(envelope, makeup, LimiterParams(ceiling_dbtp=params.ceiling_dbtp), walk):
            curve.append(makeup * gain)
    return makeup, curve


def _true_peak(walk: _Passes, curve: Spill | None = None) -> float:
    """The true peak (dBTP) of the premaster, under ``curve`` if given."""
    peak = 0.0
    for lo, hi in walk.ranges():
        x, at = walk.premaster.window(lo, hi, PEAK_CONTEXT, PEAK_CONTEXT)
        if curve is not None:
            x = x * curve.window(lo, hi, PEAK_CONTEXT, PEAK_CONTEXT)[0]
        if x.size:
            peak = max(peak, float(true_peaks(x)[at : at + hi - lo].max()))
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def _corrected(walk: _Passes, curve: Spill, params: MasterParams) -> Spill:
    """``curve`` times the limiter gain of the premaster under it: the overshoot gain modulation adds."""
    with Spill(curve.rate, walk.premaster.channels) as out:
        for lo, hi in walk.ranges():
            out.append(walk.premaster.read(lo, hi) * curve.read(lo, hi))
        envelope, _ = _envelope(out, 0.0, walk)
    fixed = Spill(curve.rate, 1)
    with envelope:
        limiter = LimiterParams(ceiling_dbtp=params.ceiling_dbtp)
        for (lo, hi), gain in zip(walk.ranges(), _gains(envelope, 1.0, limiter, walk), strict=True):
            fixed.append(curve.read(lo, hi)[:, 0] * gain)
    curve.close()
    return fixed


def master_curve(premaster: Spill, meter: PremasterMeter, params: MasterParams, block: int,
                 cancelled: CancelCheck = never) -> tuple[Spill, float, float]:
    """The spilled gain curve that brings ``premaster`` to the target loudness under the true-peak
    ceiling, the make-up gain and the true peak (dBTP) it gives. ``block``: a multiple of ``DECIMATE``.

    ``cancelled`` is polled between blocks; ``Cancelled`` is raised once it is true."""
    walk = _Passes(premaster, block, cancelled)
    makeup, curve = _makeup_curve(meter, params, walk)
    peak = _true_peak(walk, curve)
    if peak > params.ceiling_dbtp:
        # gain modulation can add a sliver of inter-sample overshoot: one corrective pass
        curve = _corrected(walk, curve, params)
        peak = _true_peak(walk, curve)
    return curve, makeup, peak


def limit_spill(audio: Spill, ceiling_dbtp: float, block: int, cancelled: CancelCheck = never) -> Spill:
    """``audio`` under a true-peak ceiling, as ``loudness.limit_true_peak`` does it, in blocks.

    Takes ``audio`` over: returns it as it is when nothing needs limiting, otherwise a new spill (and
    ``audio`` is closed). Up to three passes catch the overshoot the gain changes add themselves."""
    params = LimiterParams(ceiling_dbtp=ceiling_dbtp)
    for _ in range(3):
        walk = _Passes(audio, block, cancelled)
        envelope, _ = _envelope(audio, 0.0, walk)
        limited, lowest = Spill(audio.rate, audio.channels), math.inf
        with envelope:
            for (lo, hi), gain in zip(walk.ranges(), _gains(envelope, 1.0, params, walk), strict=True):
                lowest = min(lowest, float(gain.min(initial=1.0)))
                limited.append(audio.read(lo, hi) * gain[:, None])
        if lowest >= 1.0:
            limited.close()
            return audio
        audio.close()
        audio = limited
        if _true_peak(_Passes(audio, block, cancelled)) <= ceiling_dbtp:
            break
    return audio
