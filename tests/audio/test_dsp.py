"""DSP building blocks: noise colours, pan law, distance model, resampling, ducking gain, PNG writer."""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from soundstage.audio.buffer import MIX_RATE, SPEECH_RATE, AudioBuffer
from soundstage.audio.dsp import distance_cutoff, distance_gain, pan_gains, pink_noise, remove_dc
from soundstage.audio.ducking import DuckingParams, duck_gain
from soundstage.audio.resample import resample, to_channels
from soundstage.audio.spectrogram import IMAGE_HEIGHT, write_spectrogram


def _octave_power(x: np.ndarray, low: float) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / MIX_RATE)
    return float(spectrum[(freqs >= low) & (freqs < 2 * low)].sum())


def test_pink_noise_has_equal_power_per_octave() -> None:
    x = pink_noise(np.random.default_rng(0), 4 * MIX_RATE)[:, 0].astype(np.float64)
    octaves = [_octave_power(x, f) for f in (125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0)]
    assert max(octaves) / min(octaves) < 1.5  # white noise would double per octave (x32 over this span)


def test_pan_law_is_constant_power() -> None:
    for pan in np.linspace(-1, 1, 9):
        left, right = pan_gains(float(pan))
        assert left**2 + right**2 == pytest.approx(1.0)
    assert pan_gains(0.0)[0] == pytest.approx(1 / math.sqrt(2))
    assert pan_gains(-1.0) == pytest.approx((1.0, 0.0), abs=1e-12)


def test_distance_model() -> None:
    assert distance_gain(2.0) == pytest.approx(0.5)  # -6 dB per doubling
    assert distance_gain(0.3) == 1.0  # no boost inside the reference distance
    cutoffs = [distance_cutoff(d) for d in (1, 10, 100, 1000)]
    assert cutoffs == sorted(cutoffs, reverse=True) and cutoffs[0] >= 15_000


def test_remove_dc() -> None:
    x = (np.random.default_rng(1).standard_normal((MIX_RATE, 2)) * 0.1 + 0.3).astype(np.float32)
    assert np.abs(remove_dc(x, MIX_RATE).mean(axis=0)).max() < 1e-6


@pytest.mark.parametrize(("rate_in", "frames"), [(SPEECH_RATE, 24_001), (44_100, 44_100), (22_050, 1_000)])
def test_resample_length_and_pitch(rate_in: int, frames: int) -> None:
    t = np.arange(frames) / rate_in
    buf = AudioBuffer.from_mono((0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate_in)
    out = resample(buf, MIX_RATE)
    assert out.frames == round(frames * MIX_RATE / rate_in) and out.rate == MIX_RATE
    if frames >= rate_in:
        spectrum = np.abs(np.fft.rfft(out.mono()))
        assert np.fft.rfftfreq(out.frames, 1 / MIX_RATE)[np.argmax(spectrum)] == pytest.approx(440, abs=2)
    assert resample(out, MIX_RATE) is out
    assert to_channels(buf, 2).channels == 2


def test_ducking_is_fully_down_when_speech_starts_and_bridges_short_pauses() -> None:
    key = np.zeros((6 * MIX_RATE, 1), dtype=np.float32)
    key[2 * MIX_RATE : 3 * MIX_RATE] = 0.1
    key[int(3.2 * MIX_RATE) : 4 * MIX_RATE] = 0.1  # a 0.2 s pause: shorter than the hold
    params = DuckingParams(depth_db=12.0)
    gain_db = 20 * np.log10(duck_gain(key, key.shape[0], MIX_RATE, params))
    assert gain_db[2 * MIX_RATE + 480] == pytest.approx(-12.0, abs=0.5)  # 10 ms into speech
    assert gain_db[int(3.1 * MIX_RATE)] == pytest.approx(-12.0, abs=0.1)  # held through the pause
    assert gain_db[MIX_RATE] == pytest.approx(0.0, abs=0.01)  # untouched well before
    assert gain_db[int(5.5 * MIX_RATE)] == pytest.approx(0.0, abs=0.01)  # released after


def test_spectrogram_png_is_a_valid_image(tmp_path: Path) -> None:
    buf = AudioBuffer.from_mono(np.random.default_rng(2).standard_normal(MIX_RATE).astype(np.float32) * 0.1,
                                MIX_RATE)
    data = write_spectrogram(buf, tmp_path / "s.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert height == IMAGE_HEIGHT and width > 0
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)
