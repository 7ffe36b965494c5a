"""Every format x rate encodes, decodes back to the same length and channels, and keeps the signal."""

from __future__ import annotations

import numpy as np
import pytest

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.codecs import OPUS_DECODE_RATE, OPUS_RATES, AudioFormat, decode, encode, probe

RATES = (8_000, 16_000, 24_000, 32_000, 44_100, 48_000)
SOURCE_RATE = 48_000


def tone(seconds: float, channels: int) -> AudioBuffer:
    t = np.arange(int(seconds * SOURCE_RATE)) / SOURCE_RATE
    mono = 0.5 * np.sin(2 * np.pi * 440 * t)
    return AudioBuffer(np.repeat(mono[:, None], channels, axis=1).astype(np.float32), SOURCE_RATE)


@pytest.mark.parametrize("fmt", list(AudioFormat))
@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("channels", [1, 2])
def test_encode_probe_roundtrip(fmt: AudioFormat, rate: int, channels: int) -> None:
    encoded = encode(tone(1.5, channels), fmt, rate)
    measured = probe(encoded.data, fmt, pcm_rate=rate, pcm_channels=channels)
    expected_rate = OPUS_DECODE_RATE if fmt is AudioFormat.OGG_OPUS else rate
    assert measured.sample_rate == expected_rate
    assert measured.channels == channels
    # mp3 and opus pad to whole frames; the Info header / pre-skip bring them back within a frame
    assert measured.duration == pytest.approx(
        1.5, abs=0.03 if fmt in (AudioFormat.MP3, AudioFormat.OGG_OPUS) else 1e-9)
    audio = decode(encoded.data, fmt, pcm_rate=rate, pcm_channels=channels).mono()
    middle = audio[len(audio) // 4: 3 * len(audio) // 4]
    peak_hz = np.argmax(np.abs(np.fft.rfft(middle))) * measured.sample_rate / len(middle)
    assert abs(peak_hz - 440) < 3
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)


def test_opus_codes_at_the_requested_rate_when_libopus_has_it() -> None:
    assert 24_000 in OPUS_RATES and 44_100 not in OPUS_RATES


def test_content_types() -> None:
    buf = tone(0.1, 1)
    assert encode(buf, AudioFormat.WAV, 24_000).content_type == "audio/wav"
    assert encode(buf, AudioFormat.MP3, 24_000).content_type == "audio/mpeg"
    assert encode(buf, AudioFormat.PCM, 16_000).content_type == "audio/pcm;rate=16000;channels=1;format=s16le"
    assert encode(buf, AudioFormat.OGG_OPUS, 24_000).content_type.startswith("audio/ogg")
