"""The user's speed, pitch and volume controls, validated once, and the DSP that applies them.

- speed: users expect duration x 1/speed. Kokoro's own ``speed`` input divides each token's predicted
  duration and rounds it with a floor of one frame, so it is not linear (measured: speed 2 gives x0.53-0.58
  of the duration). The engine therefore calibrates the model speed against the predicted durations
  (``KokoroModel.model_speed``) and time-stretches the small remainder (``time_stretch``, WSOLA).
- pitch: WORLD (pyworld) analysis/resynthesis with F0 scaled and the spectral envelope kept, so the
  formants stay where they were and the duration is unchanged.
- volume: a gain, then a true-peak limiter at -1 dBTP, so 2.0 never clips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from soundstage.errors import InvalidInput

__all__ = [
    "PITCH_RANGE",
    "SPEED_RANGE",
    "VOLUME_RANGE",
    "Controls",
    "apply_volume",
    "shift_pitch",
    "time_stretch",
]

SPEED_RANGE = (0.5, 2.0)
PITCH_RANGE = (-12.0, 12.0)  # semitones
VOLUME_RANGE = (0.5, 2.0)
SEMITONES_PER_OCTAVE = 12.0
WORLD_FRAME_MS = 5.0  # WORLD's default frame period
LIMITER_CEILING_DBTP = -1.0  # EBU R128 / streaming practice: true peak <= -1 dBTP

Audio = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Controls:
    """speed: duration x 1/speed; pitch: semitones, duration kept; volume: linear gain, never clips."""

    speed: float = 1.0
    pitch: float = 0.0
    volume: float = 1.0

    def __post_init__(self) -> None:
        for name, limits in (("speed", SPEED_RANGE), ("pitch", PITCH_RANGE), ("volume", VOLUME_RANGE)):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value)
                    and limits[0] <= value <= limits[1]):
                raise InvalidInput(f"{name}: {value!r} is outside {limits[0]}..{limits[1]}", field=name,
                                   value=value)


# --- speed -----------------------------------------------------------------------------------


def time_stretch(audio: Audio, factor: float, rate: int) -> Audio:
    """WSOLA: duration x ``factor`` with pitch kept. Exact output length round(len x factor)."""
    out_len = round(len(audio) * factor)
    if abs(factor - 1.0) < 1e-4 or len(audio) == 0:
        return _fit(audio, out_len)
    win = int(0.030 * rate)  # 30 ms windows, 50% overlap: short enough to follow phonemes
    hop = win // 2
    tolerance = int(0.010 * rate)  # search +-10 ms for the best-matching continuation
    window = np.hanning(win).astype(np.float32)
    padded = np.concatenate([np.zeros(tolerance + win, np.float32), audio,
                             np.zeros(2 * win + tolerance, np.float32)])
    out = np.zeros(out_len + 2 * win, np.float32)
    norm = np.zeros_like(out)
    prev = tolerance + win  # read position of the previous frame (in padded)
    for k, out_pos in enumerate(range(0, out_len + win, hop)):
        ideal = tolerance + win + round(out_pos / factor)
        pos = ideal if k == 0 else _best_offset(padded, prev + hop, ideal, win, tolerance)
        out[out_pos:out_pos + win] += padded[pos:pos + win] * window
        norm[out_pos:out_pos + win] += window
        prev = pos
    return (out / np.maximum(norm, 1e-3))[:out_len].astype(np.float32)


def _best_offset(x: Audio, natural: int, ideal: int, win: int, tolerance: int) -> int:
    """The start near ``ideal`` whose frame best continues the natural continuation at ``natural``."""
    target = x[natural:natural + win]
    lo = max(0, ideal - tolerance)
    region = x[lo:ideal + tolerance + win]
    if len(region) < win or not np.any(target):
        return ideal
    corr = np.correlate(region, target, mode="valid")
    return lo + int(np.argmax(corr))


def _fit(audio: Audio, length: int) -> Audio:
    if len(audio) >= length:
        return audio[:length].astype(np.float32)
    return np.concatenate([audio, np.zeros(length - len(audio), np.float32)])


# --- pitch -----------------------------------------------------------------------------------


def shift_pitch(audio: Audio, semitones: float, rate: int) -> Audio:
    """WORLD resynthesis with F0 x 2^(semitones/12) and the same envelope: formants and length kept."""
    if abs(semitones) < 1e-3 or len(audio) == 0:
        return audio
    import pyworld

    x = audio.astype(np.float64)
    f0, t = pyworld.dio(x, rate, frame_period=WORLD_FRAME_MS)
    f0 = pyworld.stonemask(x, f0, t, rate)
    envelope = pyworld.cheaptrick(x, f0, t, rate)
    aperiodicity = pyworld.d4c(x, f0, t, rate)
    ratio = 2.0 ** (semitones / SEMITONES_PER_OCTAVE)
    y = pyworld.synthesize(f0 * ratio, envelope, aperiodicity, rate, frame_period=WORLD_FRAME_MS)
    return _fit(y.astype(np.float32), len(audio))


# --- volume ----------------------------------------------------------------------------------


def apply_volume(audio: Audio, volume: float, rate: int) -> Audio:
    """Gain, then a true-peak limiter (shared with the mixer) so that the result never clips."""
    if volume == 1.0:
        return audio
    from soundstage.audio.buffer import AudioBuffer
    from soundstage.audio.loudness import limit_true_peak

    gained = AudioBuffer.from_mono(audio * np.float32(volume), rate)
    return limit_true_peak(gained, ceiling_dbtp=LIMITER_CEILING_DBTP).samples[:, 0]
