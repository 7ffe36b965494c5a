"""Loudness meter, true-peak meter and limiter, measured against independent references."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest
from scipy import signal

from soundstage.audio.buffer import MIX_RATE, AudioBuffer
from soundstage.audio.loudness import (
    LoudnessTarget,
    _k_weighting,
    integrated_lufs,
    limit_true_peak,
    normalize_loudness,
    true_peak_dbfs,
)

SECONDS = 3


def _sine(freq: float, amp: float, phase: float = 0.0, seconds: float = SECONDS) -> np.ndarray:
    t = np.arange(int(seconds * MIX_RATE)) / MIX_RATE
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02)  # no onset step: its Gibbs overshoot is real
    return (amp * fade * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)


def _reference_true_peak(buf: AudioBuffer) -> float:
    """16x FFT-free polyphase oversampling with scipy's own filter: an independent reading."""
    up = signal.resample_poly(buf.samples.astype(np.float64), 16, 1, axis=0)
    return 20 * math.log10(float(np.abs(up).max()))


def _program(seed: int = 1) -> AudioBuffer:
    """Speech-like bursts of filtered noise with a few hot transients: varied content."""
    rng = np.random.default_rng(seed)
    n = SECONDS * MIX_RATE
    noise = rng.standard_normal((n, 2))
    sos = signal.butter(4, [150, 6000], btype="band", fs=MIX_RATE, output="sos")
    shaped = signal.sosfilt(sos, noise, axis=0)
    envelope = (np.sin(2 * np.pi * 3.0 * np.arange(n) / MIX_RATE) > 0).astype(float)
    shaped *= envelope[:, None]
    shaped[rng.integers(0, n, 20)] = 4.0  # clicks far over full scale
    return AudioBuffer((0.3 * shaped).astype(np.float32), MIX_RATE)


def test_integrated_lufs_matches_pyloudnorm_and_bs1770_sine() -> None:
    s = _sine(997, 0.5)
    buf = AudioBuffer(np.stack([s, s], axis=1), MIX_RATE)
    reference = pyloudnorm.Meter(MIX_RATE).integrated_loudness(buf.samples.astype(np.float64))
    # pyloudnorm approximates the K filter (fc 1500 Hz, G 4 dB); it reads ~0.04 LU apart from the standard
    assert integrated_lufs(buf) == pytest.approx(reference, abs=0.1)
    # BS.1770-4: a 0 dBFS 997 Hz sine in one channel reads -3.01 LKFS; here -6.02 dB and two channels
    assert integrated_lufs(buf) == pytest.approx(-3.01 - 6.02 + 3.01, abs=0.1)


def test_k_weighting_matches_bs1770_table_at_48k() -> None:
    # BS.1770-4 Tables 1 and 2 (48 kHz coefficients)
    expected = [
        [1.53512485958697, -2.69169618940638, 1.19839281085285, 1.0, -1.69065929318241, 0.73248077421585],
        [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621],
    ]
    assert np.allclose(_k_weighting(MIX_RATE), expected, atol=1e-10)


def test_gating_ignores_silence_and_quiet_passages() -> None:
    rng = np.random.default_rng(3)
    loud = (0.1 * rng.standard_normal((5 * MIX_RATE, 2))).astype(np.float32)
    with_gap = np.concatenate([loud, np.zeros((5 * MIX_RATE, 2), np.float32), loud])
    a = integrated_lufs(AudioBuffer(loud, MIX_RATE))
    assert integrated_lufs(AudioBuffer(with_gap, MIX_RATE)) == pytest.approx(a, abs=0.2)  # edge blocks count
    reference = pyloudnorm.Meter(MIX_RATE).integrated_loudness(with_gap.astype(np.float64))
    assert integrated_lufs(AudioBuffer(with_gap, MIX_RATE)) == pytest.approx(reference, abs=0.1)


def test_silence_measures_minus_infinity() -> None:
    silence = AudioBuffer.silence(MIX_RATE, MIX_RATE, 2)
    assert integrated_lufs(silence) == -math.inf
    assert true_peak_dbfs(silence) == -math.inf


@pytest.mark.parametrize("freq", [997.0, 6000.0, 12000.0, 18000.0])
def test_true_peak_reads_intersample_peaks(freq: float) -> None:
    # fs/4 with a 45 degree phase never hits its crest on a sample: sample peak reads -3 dB low
    buf = AudioBuffer.from_mono(_sine(freq, 0.5, phase=math.pi / 4), MIX_RATE)
    assert true_peak_dbfs(buf) == pytest.approx(20 * math.log10(0.5), abs=0.2)
    assert true_peak_dbfs(buf) == pytest.approx(_reference_true_peak(buf), abs=0.2)


def test_limiter_holds_ceiling_keeps_length_and_leaves_quiet_audio_alone() -> None:
    program = _program()
    assert true_peak_dbfs(program) > 1.0
    limited = limit_true_peak(program, -1.0)
    assert limited.frames == program.frames
    assert true_peak_dbfs(limited) <= -1.0
    assert _reference_true_peak(limited) <= -0.7  # an independent 16x reading agrees closely
    quiet = AudioBuffer((program.samples * 0.01).astype(np.float32), MIX_RATE)
    assert np.array_equal(limit_true_peak(quiet).samples, quiet.samples)


def test_limiter_only_touches_the_neighbourhood_of_peaks() -> None:
    s = _sine(440, 0.2, seconds=2)
    s[MIX_RATE] = 1.5  # one click in the middle
    limited = limit_true_peak(AudioBuffer.from_mono(s, MIX_RATE)).mono()
    far = slice(0, MIX_RATE - MIX_RATE // 50)  # more than 20 ms before the click: untouched
    assert np.allclose(limited[far], s[far], atol=1e-6)
    assert float(np.abs(limited).max()) < 0.9


@pytest.mark.parametrize("target", list(LoudnessTarget))
def test_normalize_loudness_hits_target(target: LoudnessTarget) -> None:
    out = normalize_loudness(_program(2), target)
    assert integrated_lufs(out) == pytest.approx(float(target), abs=0.05)


def test_sparse_limiter_gain_equals_the_whole_signal_computation() -> None:
    from soundstage.audio.loudness import LimiterParams, _smoothed, envelope_gain, true_peak_envelope

    program = _program(5)
    envelope = true_peak_envelope(program)
    params = LimiterParams()
    sparse = envelope_gain(envelope, MIX_RATE, params)
    ceiling = 10 ** ((params.ceiling_dbtp - params.safety_db) / 20)
    required = np.minimum(1.0, ceiling / np.maximum(envelope.astype(np.float64), 1e-12))
    alpha = math.exp(-1.0 / (params.release_s * MIX_RATE))
    dense = _smoothed(-20 * np.log10(required), alpha, round(params.lookahead_s * MIX_RATE))
    assert np.abs(20 * np.log10(sparse / dense)).max() < 2e-3  # dB
    assert float(sparse.min()) < 0.9  # the test content really is limited
