"""Loudness (ITU-R BS.1770-4), true peak (BS.1770-4 Annex 2) and a true-peak look-ahead limiter.

Everything here works on an :class:`AudioBuffer` and returns new buffers; nothing is changed in place.
The limiter is offline: it sees the whole signal, so its "look-ahead" costs no latency and the output
stays sample-aligned with the input (the timeline mixer relies on that for exact lengths and stems).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt
from scipy import ndimage, signal

from soundstage.audio.buffer import AudioBuffer
from soundstage.cancellation import BLOCK_FRAMES, CancelCheck, blocks, never
from soundstage.cancellation import check as _check

__all__ = [
    "PEAK_CONTEXT",
    "TRUE_PEAK_CEILING_DBTP",
    "KWeighting",
    "LimiterParams",
    "LoudnessMeter",
    "LoudnessTarget",
    "db_to_gain",
    "envelope_gain",
    "gain_to_db",
    "gated_loudness",
    "integrated_lufs",
    "limit_true_peak",
    "limiter_gain",
    "normalize_loudness",
    "release_tail",
    "true_peak_dbfs",
    "true_peak_envelope",
    "true_peaks",
]

TRUE_PEAK_CEILING_DBTP = -1.0  # EBU R128 / Tech 3341: maximum permitted true peak level
OVERSAMPLE = 4  # BS.1770-4 Annex 2: 4x oversampling for 48 kHz signals
GATING_BLOCK = 0.4  # s, BS.1770-4 gating block; shorter signals are measured as one padded block
SILENCE_LUFS = -math.inf  # what a signal below the -70 LUFS absolute gate measures
_FLOOR = 1e-12  # avoids log(0) on digital silence
_RELEASED_DB = 1e-3  # dB: a gain reduction this small counts as fully released


class LoudnessTarget(float, Enum):
    """Integrated loudness presets, LUFS."""

    DEFAULT = -16.0  # common podcast / web delivery target
    BROADCAST = -23.0  # EBU R128 programme loudness
    STREAMING = -14.0  # music streaming platforms' normalization level


@dataclass(frozen=True)
class LimiterParams:
    ceiling_dbtp: float = TRUE_PEAK_CEILING_DBTP
    lookahead_s: float = 0.003  # attack ramp length; the gain is fully down when the peak arrives
    release_s: float = 0.080  # time constant of the gain-reduction recovery (in dB)
    safety_db: float = 0.05  # headroom for the interpolation filter's own error


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def gain_to_db(gain: float) -> float:
    return float(20.0 * math.log10(max(gain, _FLOOR)))


# BS.1770-4 K-weighting, as analogue prototypes so any rate gets exact coefficients (the
# standard tabulates 48 kHz only): a +4 dB high shelf (head) then a 38 Hz high-pass (RLB).
_SHELF_GAIN_DB = 3.999843853973347
_SHELF_Q = 0.7071752369554196
_SHELF_FC = 1681.974450955533  # Hz
_SHELF_VB_EXP = 0.4996667741545416
_HP_Q = 0.5003270373238773
_HP_FC = 38.13547087602444  # Hz
_CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)  # L, R, C, Ls, Rs
_ABSOLUTE_GATE = -70.0  # LUFS
_RELATIVE_GATE = -10.0  # LU below the absolutely-gated loudness
_BLOCK_STEP = 0.25  # of a block: 75 % overlap
_LOUDNESS_OFFSET = -0.691  # dB: makes a 997 Hz 0 dBFS sine in one channel read -3.01 LKFS


def _k_weighting(rate: int) -> npt.NDArray[np.float64]:
    k = math.tan(math.pi * _SHELF_FC / rate)
    vh = 10.0 ** (_SHELF_GAIN_DB / 20.0)
    vb = vh**_SHELF_VB_EXP
    a0 = 1.0 + k / _SHELF_Q + k * k
    shelf = [(vh + vb * k / _SHELF_Q + k * k) / a0, 2.0 * (k * k - vh) / a0,
             (vh - vb * k / _SHELF_Q + k * k) / a0, 1.0, 2.0 * (k * k - 1.0) / a0,
             (1.0 - k / _SHELF_Q + k * k) / a0]
    k = math.tan(math.pi * _HP_FC / rate)
    a0 = 1.0 + k / _HP_Q + k * k
    high_pass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / _HP_Q + k * k) / a0]
    return np.array([shelf, high_pass])


class KWeighting:
    """The K-weighted, channel-weighted power of consecutive blocks (BS.1770-4 eq. 1-2 integrand), the
    filter state carried across them: feeding a signal in any blocks gives what one pass gives."""

    def __init__(self, rate: int, channels: int) -> None:
        if channels > len(_CHANNEL_WEIGHTS):
            raise ValueError(f"BS.1770-4 weights up to {len(_CHANNEL_WEIGHTS)} channels, got {channels}")
        # single precision filtering reads within 1e-5 LU of double here and runs twice as fast
        self._sos = _k_weighting(rate).astype(np.float32)
        self._state = np.zeros((self._sos.shape[0], channels, 2), dtype=np.float32)

    def power(self, samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        channels = np.ascontiguousarray(samples.T)
        filtered, self._state = signal.sosfilt(self._sos, channels, axis=1, zi=self._state)
        power = np.zeros(samples.shape[0], dtype=np.float64)
        for weight, row in zip(_CHANNEL_WEIGHTS, filtered, strict=False):
            power += weight * np.square(row, dtype=np.float64)
        return power


class LoudnessMeter:
    """Integrated loudness of a signal fed in consecutive blocks, in memory that does not grow with
    its length beyond one number per 100 ms (issue 16): the running sum of the weighted power is noted
    at every gating block's start and end, which is all ``gated_loudness`` reads of it."""

    def __init__(self, rate: int, channels: int) -> None:
        self.rate = rate
        self._weighting = KWeighting(rate, channels)
        self._block = round(GATING_BLOCK * rate)
        self._step = round(GATING_BLOCK * _BLOCK_STEP * rate)
        self._frames = 0
        self._total = 0.0
        self._marks: dict[int, float] = {0: 0.0}  # frame -> running sum of power before it

    def feed(self, samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """Measure the next block; returns its per-sample power (for callers that keep a summary)."""
        power = self._weighting.power(samples)
        lo, hi = self._frames, self._frames + power.size
        running = np.cumsum(power) + self._total
        for mark in self._wanted(lo, hi):
            self._marks[mark] = float(running[mark - lo - 1])
        self._total = float(running[-1]) if power.size else self._total
        self._frames = hi
        return power

    def _wanted(self, lo: int, hi: int) -> list[int]:
        """Gating block boundaries in ``(lo, hi]``: starts at multiples of the step, ends a block later."""
        first = -(-(lo + 1) // self._step) * self._step
        starts = range(first, hi + 1, self._step)
        ends = range(-(-(lo + 1 - self._block) // self._step) * self._step + self._block, hi + 1, self._step)
        return sorted({*starts, *(e for e in ends if e > lo)})

    def integrated(self) -> float:
        """Gated integrated loudness (LUFS) of everything fed; -inf for silence."""
        if self._frames == 0:
            return SILENCE_LUFS
        if self._frames < self._block:  # one block of the sound and silence
            z = np.array([self._total / self._block])
        else:
            starts = range(0, self._frames - self._block + 1, self._step)
            z = np.array([(self._marks[s + self._block] - self._marks[s]) / self._block for s in starts])
        return _gate(z)


def gated_loudness(power: npt.NDArray[np.float64], rate: int, cancelled: CancelCheck = never) -> float:
    """Integrated loudness from per-sample weighted power: 400 ms blocks, 75 % overlap, two gates."""
    block = round(GATING_BLOCK * rate)
    step = round(GATING_BLOCK * _BLOCK_STEP * rate)
    if power.size < block:
        power = np.pad(power, (0, block - power.size))  # one block of the sound and silence
    starts = np.arange(0, power.size - block + 1, step)
    z = np.empty(starts.size, dtype=np.float64)
    for lo, hi in blocks(starts.size, cancelled, max(1, BLOCK_FRAMES // step)):
        # running sums restart per stretch: long signals are done in stretches, and sums stay small
        first = starts[lo]
        total = np.concatenate([[0.0], np.cumsum(power[first : starts[hi - 1] + block])])
        local = starts[lo:hi] - first
        z[lo:hi] = (total[local + block] - total[local]) / block
    return _gate(z)


def _gate(z: npt.NDArray[np.float64]) -> float:
    """Integrated loudness from the mean-square powers of the gating blocks: the two gates of BS.1770-4."""
    with np.errstate(divide="ignore"):
        levels = _LOUDNESS_OFFSET + 10.0 * np.log10(z)
    above = z[levels > _ABSOLUTE_GATE]
    if above.size == 0:
        return SILENCE_LUFS
    relative = _LOUDNESS_OFFSET + 10.0 * math.log10(float(above.mean())) + _RELATIVE_GATE
    kept = z[levels > max(relative, _ABSOLUTE_GATE)]
    return _LOUDNESS_OFFSET + 10.0 * math.log10(float(kept.mean()))


def integrated_lufs(buf: AudioBuffer, cancelled: CancelCheck = never) -> float:
    """Gated integrated loudness per BS.1770-4 (K-weighting, 400 ms blocks, -70/-10 gates).

    Returns -inf for silence. Signals shorter than one gating block are measured as one block
    padded with silence, which under-reads them; short sounds have no well-defined loudness.
    Metered in blocks (``LoudnessMeter``): a long signal costs no full-length power array.
    """
    meter = LoudnessMeter(buf.rate, buf.channels)
    for lo, hi in blocks(buf.frames, cancelled):
        meter.feed(buf.samples[lo:hi])
    return meter.integrated()


_GATHER_CHUNK = 1 << 16  # candidate samples per gathered block (bounds the temporary to ~16 MB)
_DENSE_FRACTION = 0.1  # above this share of candidates, filtering everything is cheaper than gathering
PHASE_TAPS = 12  # taps per polyphase branch, as in BS.1770-4 Annex 2 (48-tap, 4-phase filter)
_KAISER_BETA = 6.0  # about 60 dB stop band; enough for peak reading (errors well below 0.1 dB)


def _phase_filters() -> list[npt.NDArray[np.float32]]:
    """Windowed-sinc branches for the fractional positions 1/4, 2/4, 3/4 between samples.

    Position 0 needs no filter: a Nyquist-band sinc passes the original samples unchanged.
    """
    half = PHASE_TAPS // 2
    m = np.arange(-half + 1, half + 1, dtype=np.float64)
    branches = []
    for k in range(1, OVERSAMPLE):
        t = m - k / OVERSAMPLE
        window = np.kaiser(PHASE_TAPS + 1, _KAISER_BETA)
        w = np.interp(t, np.linspace(-half, half, PHASE_TAPS + 1), window)
        h = np.sinc(t) * w
        branches.append((h / h.sum()).astype(np.float32))
    return branches


def _abs_max_over_channels(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    out = np.abs(samples[:, 0])
    for ch in range(1, samples.shape[1]):
        np.maximum(out, np.abs(samples[:, ch]), out=out)
    return out


def _branch_matrix() -> npt.NDArray[np.float32]:
    return np.stack(_phase_filters(), axis=1)  # (PHASE_TAPS, OVERSAMPLE - 1)


def _interpolated_peaks(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Per input sample, the largest |value| (over channels) at the 4x-oversampled points that
    follow it, including the sample itself (BS.1770-4 Annex 2 true-peak points)."""
    channels = np.ascontiguousarray(samples.T)  # (channels, frames): reductions over a short axis 0 are fast
    peak = _abs_max_over_channels(samples)
    for h in _phase_filters():
        # h[j] weighs x[n + j - PHASE_TAPS//2 + 1]; origin -1 aligns that with correlate1d's centring
        branch = ndimage.correlate1d(channels, h, axis=1, mode="constant", origin=-1)
        np.maximum(peak, np.abs(branch, out=branch).max(axis=0), out=peak)
    return peak


def _peaks_at(samples: npt.NDArray[np.float32], frames: npt.NDArray[np.intp]) -> npt.NDArray[np.float32]:
    """:func:`_interpolated_peaks` evaluated only at ``frames`` (gathered windows, chunked)."""
    half = PHASE_TAPS // 2
    padded = np.pad(samples, ((half - 1, half), (0, 0)))
    taps = np.arange(PHASE_TAPS)
    weights = _branch_matrix()
    out = np.abs(samples[frames]).max(axis=1) if frames.size else np.zeros(0, np.float32)
    for lo in range(0, frames.size, _GATHER_CHUNK):
        idx = frames[lo : lo + _GATHER_CHUNK]
        windows = padded[idx[:, None] + taps]  # (k, taps, channels)
        values = np.einsum("ktc,tp->kcp", windows, weights)
        np.maximum(out[lo : lo + idx.size], np.abs(values).max(axis=(1, 2)), out=out[lo : lo + idx.size])
    return out


def _bound_gain() -> float:
    """How far an interpolated point can exceed the largest sample in its filter's reach."""
    return float(np.abs(_branch_matrix()).sum(axis=0).max())


_BLOCK_MARGIN = 4 * PHASE_TAPS  # samples of context each side of a block: more than any filter here reaches
PEAK_CONTEXT = _BLOCK_MARGIN
"""Samples of context each side that make a window's true peaks equal the whole signal's."""


def _exact_above(samples: npt.NDArray[np.float32], floor: float, cancelled: CancelCheck = never,
                 spread: bool = False) -> npt.NDArray[np.float32]:
    """Per-sample interpolated peaks, exact wherever they could exceed ``floor``; elsewhere the
    sample peak (which is then also below ``floor``). The filter's L1 norm bounds the overshoot.

    Every value depends on a few neighbouring samples only, so long signals are done in blocks
    (with ``_BLOCK_MARGIN`` of context) and ``cancelled`` is looked at between them. ``spread``: each
    value is the largest of itself and its two neighbours (``true_peak_envelope``)."""
    frames = samples.shape[0]
    out = np.empty(frames, dtype=np.float32)
    for lo, hi in blocks(frames, cancelled):
        first, last = max(lo - _BLOCK_MARGIN, 0), min(hi + _BLOCK_MARGIN, frames)
        peaks = _exact_above_block(samples[first:last], floor)
        if spread:
            peaks = ndimage.maximum_filter1d(peaks, size=3, mode="nearest")
        out[lo:hi] = peaks[lo - first:hi - first]
    return out


def _exact_above_block(samples: npt.NDArray[np.float32], floor: float) -> npt.NDArray[np.float32]:
    sample_peak = _abs_max_over_channels(samples)
    reach = ndimage.maximum_filter1d(sample_peak, size=PHASE_TAPS + 1, mode="constant")
    candidates = np.flatnonzero(reach * _bound_gain() > floor)
    if candidates.size > _DENSE_FRACTION * samples.shape[0]:
        return _interpolated_peaks(samples)
    sample_peak[candidates] = _peaks_at(samples, candidates)
    return sample_peak


def true_peak_envelope(buf: AudioBuffer, floor: float = 0.0,
                       cancelled: CancelCheck = never) -> npt.NDArray[np.float32]:
    """Per input sample: the largest oversampled |value| across channels around that sample.

    Each sample owns the interpolated points between it and its neighbours on both sides, so a
    gain that is low enough at every sample also covers the inter-sample peaks next to it. Values
    that cannot exceed ``floor`` (linear) may be read from the samples alone, which is cheaper.
    """
    if buf.frames == 0:
        return np.zeros(0, dtype=np.float32)
    return _exact_above(buf.samples, floor, cancelled, spread=True)


def true_peaks(samples: npt.NDArray[np.float32], cancelled: CancelCheck = never) -> npt.NDArray[np.float32]:
    """Per sample: the largest |value| across channels at it and the oversampled points after it
    (BS.1770-4 Annex 2), exact everywhere; the max over a signal is its true peak."""
    return _exact_above(samples, 0.0, cancelled)


def true_peak_dbfs(buf: AudioBuffer, cancelled: CancelCheck = never) -> float:
    """Maximum true-peak level in dBTP (4x oversampled, BS.1770-4 Annex 2); -inf for silence.

    Only samples whose neighbourhood could interpolate above the sample peak are oversampled (the
    filter's L1 norm bounds the overshoot), which is exact and much cheaper on mastered audio.
    """
    if buf.frames == 0:
        return -math.inf
    floor = float(np.abs(buf.samples).max())
    if floor <= 0.0:
        return -math.inf
    peak = float(_exact_above(buf.samples, floor, cancelled).max())
    return 20.0 * math.log10(peak)


def _release(required_db: npt.NDArray[np.float64], alpha: float) -> npt.NDArray[np.float64]:
    """Gain reduction (dB, >= 0) that jumps up at once and decays by ``alpha`` per sample.

    The recursion r[n] = max(w[n], alpha * r[n-1]) is a running maximum in the log domain:
    log r[n] = n*log(alpha) + cummax(log w[k] - k*log(alpha)), so it vectorizes exactly.
    """
    n = np.arange(required_db.size, dtype=np.float64)
    log_alpha = math.log(alpha)
    with np.errstate(divide="ignore"):
        log_w = np.log(required_db)
    running = np.maximum.accumulate(log_w - n * log_alpha)
    return np.exp(running + n * log_alpha)


def _attack(gain: npt.NDArray[np.float64], length: int) -> npt.NDArray[np.float64]:
    """Min over the next ``length`` samples, then a ``length``-sample box average.

    Every average only includes values no larger than the gain required at its own sample, so the
    smoothed gain never exceeds the requirement: the ramp down finishes as the peak arrives.
    """
    if length <= 1:
        return gain
    held = ndimage.minimum_filter1d(gain, size=length, origin=-(length // 2), mode="nearest")
    padded = np.concatenate([np.full(length, held[0]), held])
    total = np.cumsum(padded)
    return (total[length:] - total[:-length]) / length


def _smoothed(reduction_db: npt.NDArray[np.float64], alpha: float, lookahead: int) -> npt.NDArray[np.float64]:
    released = 10.0 ** (-_release(reduction_db, alpha) / 20.0)
    return np.minimum(_attack(released, lookahead), 1.0)


def _spans(active: npt.NDArray[np.intp], before: int, after: int, size: int) -> list[tuple[int, int]]:
    """Merged windows [i - before, i + after) around the active samples."""
    breaks = np.flatnonzero(np.diff(active) > before + after)
    starts = np.maximum(active[np.r_[0, breaks + 1]] - before, 0)
    ends = np.minimum(active[np.r_[breaks, active.size - 1]] + after, size)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def envelope_gain(envelope: npt.NDArray[np.float32], rate: int, params: LimiterParams = LimiterParams(),
                  cancelled: CancelCheck = never, peak: float | None = None) -> npt.NDArray[np.float32]:
    """The smoothed per-sample gain (<= 1) that keeps a true-peak ``envelope`` under the ceiling.

    Only the neighbourhoods of over-ceiling samples are computed: before one, the attack ramp;
    after it, the release until the reduction has decayed below ``_RELEASED_DB``. Elsewhere the
    gain is exactly 1, as the whole-signal computation would give to within that margin.
    ``peak``: the largest envelope value of the whole signal when ``envelope`` is a window of it
    (the release tail is sized from it, so every window agrees with the whole computation).
    """
    ceiling = db_to_gain(params.ceiling_dbtp - params.safety_db)
    over = np.concatenate([np.flatnonzero(_required(envelope[lo:hi], ceiling) < 1.0) + lo
                           for lo, hi in blocks(envelope.size, cancelled)] or [np.zeros(0, np.intp)])
    out = np.ones(envelope.size, dtype=np.float32)
    if over.size == 0:
        return out
    alpha = math.exp(-1.0 / max(params.release_s * rate, 1.0))
    lookahead = max(1, round(params.lookahead_s * rate))
    tail = release_tail(float(envelope[over].max()) if peak is None else peak, rate, params)
    for first, last in _spans(over, lookahead + 1, tail + lookahead + 1, envelope.size):
        _check(cancelled)  # the reduction is computed per span only: long quiet stretches cost nothing
        reduction_db = -20.0 * np.log10(_required(envelope[first:last], ceiling))
        out[first:last] = _smoothed(reduction_db, alpha, lookahead)
    return out


def release_tail(peak: float, rate: int, params: LimiterParams = LimiterParams()) -> int:
    """Samples after an envelope ``peak`` until its gain reduction has released to ``_RELEASED_DB``."""
    ceiling = db_to_gain(params.ceiling_dbtp - params.safety_db)
    alpha = math.exp(-1.0 / max(params.release_s * rate, 1.0))
    deepest = -20.0 * math.log10(float(_required(np.array([peak], np.float32), ceiling)[0]))
    return math.ceil(math.log(max(deepest, _RELEASED_DB) / _RELEASED_DB) / -math.log(alpha))


def _required(envelope: npt.NDArray[np.float32], ceiling: float) -> npt.NDArray[np.float64]:
    """The gain (<= 1) each sample of a true-peak envelope needs to stay under ``ceiling``."""
    return np.minimum(1.0, ceiling / np.maximum(envelope.astype(np.float64), _FLOOR))


def limiter_gain(buf: AudioBuffer, params: LimiterParams = LimiterParams(),
                 cancelled: CancelCheck = never) -> npt.NDArray[np.float32]:
    """The per-sample gain (<= 1) that keeps ``buf`` at or below the true-peak ceiling."""
    return envelope_gain(true_peak_envelope(buf, cancelled=cancelled), buf.rate, params, cancelled)


def limit_true_peak(buf: AudioBuffer, ceiling_dbtp: float = TRUE_PEAK_CEILING_DBTP,
                    params: LimiterParams | None = None) -> AudioBuffer:
    """Look-ahead true-peak limiter: same length and alignment, true peak <= ``ceiling_dbtp``.

    Stereo-linked (one gain for all channels) so the image does not wander. A second pass catches
    the rare overshoot that gain modulation itself adds between samples.
    """
    p = params or LimiterParams(ceiling_dbtp=ceiling_dbtp)
    out = buf
    for _ in range(3):
        gain = limiter_gain(out, p)
        if float(gain.min(initial=1.0)) >= 1.0:
            return out
        out = AudioBuffer((out.samples * gain[:, None]).astype(np.float32), out.rate)
        if true_peak_dbfs(out) <= p.ceiling_dbtp:
            return out
    return out


def normalize_loudness(buf: AudioBuffer, target_lufs: float = LoudnessTarget.DEFAULT) -> AudioBuffer:
    """Static gain to ``target_lufs`` integrated; silence is returned unchanged (no gain to find)."""
    measured = integrated_lufs(buf)
    if not math.isfinite(measured):
        return buf
    gain = db_to_gain(float(target_lufs) - measured)
    return AudioBuffer((buf.samples * gain).astype(np.float32), buf.rate)
