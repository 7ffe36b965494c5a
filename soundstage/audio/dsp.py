"""Small signal-processing building blocks shared by the generators and the mixer.

Arrays here are float32 ``(frames, channels)`` or 1-D mono, processed along axis 0. Filters are
Butterworth second-order sections (numerically safe at low cut-offs, unlike direct-form IIR).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import signal

__all__ = [
    "AIR_CUTOFF_NEAR",
    "REFERENCE_DISTANCE",
    "Array",
    "bandpass",
    "brown_noise",
    "distance_cutoff",
    "distance_gain",
    "equal_power_fades",
    "highpass",
    "linear_fade",
    "lowpass",
    "lowpass_sos",
    "pan_gains",
    "pink_noise",
    "remove_dc",
    "smooth_noise",
]

Array = npt.NDArray[np.float32]

REFERENCE_DISTANCE = 1.0  # m: a clip at 1 m plays at its own level
AIR_CUTOFF_NEAR = 20_000.0  # Hz: no audible air absorption within a few metres
_AIR_CUTOFF_PER_DOUBLING = 0.72  # ISO 9613-1 at 20 C / 50 % RH: ~-3 dB at 8 kHz by ~100 m, modelled as
# a low-pass whose cut-off falls by this factor per doubling of distance beyond the reference
_MIN_CUTOFF = 1_500.0  # Hz: very distant sources keep their body (thunder, sirens)
_CONTROL_OVERSAMPLE = 24  # control points per cycle of the highest wanted frequency
DC_CUTOFF = 18.0  # Hz: below hearing; removes DC and sub-sonic drift from noise models


def _sos_filter(x: Array, sos: npt.NDArray[np.float64]) -> Array:
    return signal.sosfilt(sos, x, axis=0).astype(np.float32)


def _clamp_cutoff(cutoff: float, rate: int) -> float:
    return float(min(max(cutoff, 1.0), 0.45 * rate))


def lowpass_sos(cutoff: float, rate: int, order: int = 2) -> npt.NDArray[np.float64]:
    """The Butterworth low-pass ``lowpass`` applies, as second-order sections (for block-wise filtering)."""
    return np.asarray(signal.butter(order, _clamp_cutoff(cutoff, rate), btype="low", fs=rate, output="sos"))


def lowpass(x: Array, cutoff: float, rate: int, order: int = 2) -> Array:
    return _sos_filter(x, lowpass_sos(cutoff, rate, order))


def highpass(x: Array, cutoff: float, rate: int, order: int = 2) -> Array:
    sos = signal.butter(order, _clamp_cutoff(cutoff, rate), btype="high", fs=rate, output="sos")
    return _sos_filter(x, sos)


def bandpass(x: Array, low: float, high: float, rate: int, order: int = 2) -> Array:
    band = [_clamp_cutoff(low, rate), _clamp_cutoff(max(high, low * 1.01), rate)]
    sos = signal.butter(order, band, btype="band", fs=rate, output="sos")
    return _sos_filter(x, sos)


def remove_dc(x: Array, rate: int) -> Array:
    """High-pass below hearing, then subtract any remaining mean (BS.1770 meters ignore DC; DACs don't)."""
    y = highpass(x, DC_CUTOFF, rate, order=2)
    return (y - y.mean(axis=0, keepdims=True)).astype(np.float32)


def pink_noise(rng: np.random.Generator, frames: int, channels: int = 1) -> Array:
    """-3 dB/octave noise, shaped in the frequency domain (exact slope, no filter warm-up)."""
    spectrum = np.fft.rfft(rng.standard_normal((frames, channels)), axis=0)
    freqs = np.arange(spectrum.shape[0], dtype=np.float64)
    freqs[0] = 1.0
    shaped = np.fft.irfft(spectrum / np.sqrt(freqs)[:, None], n=frames, axis=0)
    return (shaped / (np.std(shaped) + 1e-12)).astype(np.float32)


def brown_noise(rng: np.random.Generator, frames: int, channels: int = 1) -> Array:
    """-6 dB/octave noise (rumble), frequency-domain shaped like :func:`pink_noise`."""
    spectrum = np.fft.rfft(rng.standard_normal((frames, channels)), axis=0)
    freqs = np.arange(spectrum.shape[0], dtype=np.float64)
    freqs[0] = 1.0
    shaped = np.fft.irfft(spectrum / freqs[:, None], n=frames, axis=0)
    return (shaped / (np.std(shaped) + 1e-12)).astype(np.float32)


def smooth_noise(rng: np.random.Generator, frames: int, rate: int, bandwidth: float) -> Array:
    """A slowly wandering control signal (mean 0, std 1) with energy below ``bandwidth`` Hz.

    Made in the frequency domain so it is periodic over ``frames``: envelopes built from it wrap
    around without a jump, which keeps looped beds seamless. It is drawn at a control rate of at
    least ``_CONTROL_OVERSAMPLE`` points per cycle of ``bandwidth`` and interpolated (cheap for long beds).
    """
    if frames == 0:
        return np.zeros(0, dtype=np.float32)
    seconds = frames / rate
    points = int(min(frames, max(16, math.ceil(seconds * bandwidth * _CONTROL_OVERSAMPLE))))
    spectrum = np.fft.rfft(rng.standard_normal(points))
    freqs = np.fft.rfftfreq(points, seconds / points)
    spectrum[freqs > bandwidth] = 0.0
    spectrum[0] = 0.0
    control = np.fft.irfft(spectrum, n=points)
    control /= np.std(control) + 1e-12
    if points == frames:
        return control.astype(np.float32)
    wrapped = np.append(control, control[0])  # periodic: the last point leads back to the first
    return np.interp(np.arange(frames) * (points / frames), np.arange(points + 1), wrapped).astype(np.float32)


def linear_fade(frames: int, rising: bool = True) -> Array:
    ramp = (np.linspace(0.0, 1.0, frames, endpoint=False, dtype=np.float32) if frames
            else np.zeros(0, np.float32))
    return ramp if rising else ramp[::-1].copy()


def equal_power_fades(frames: int) -> tuple[Array, Array]:
    """(fade in, fade out) whose squares sum to 1: constant power across a cross-fade of uncorrelated
    signals such as noise beds."""
    theta = np.linspace(0.0, math.pi / 2, frames, endpoint=False, dtype=np.float64)
    return np.sin(theta).astype(np.float32), np.cos(theta).astype(np.float32)


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power (sin/cos, -3 dB at centre) left/right gains for ``pan`` in [-1, 1]."""
    theta = (min(max(pan, -1.0), 1.0) + 1.0) * math.pi / 4
    return math.cos(theta), math.sin(theta)


def distance_gain(distance: float) -> float:
    """Inverse-distance law (point source, free field): -6 dB per doubling beyond 1 m."""
    return REFERENCE_DISTANCE / max(distance, REFERENCE_DISTANCE)


def distance_cutoff(distance: float) -> float:
    """Low-pass cut-off modelling air absorption at ``distance`` metres."""
    doublings = math.log2(max(distance, REFERENCE_DISTANCE) / REFERENCE_DISTANCE)
    return max(AIR_CUTOFF_NEAR * _AIR_CUTOFF_PER_DOUBLING**doublings, _MIN_CUTOFF)
