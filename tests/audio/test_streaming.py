"""audio.streaming: every format decodes from the bytes pushed so far and in full (issue 12)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from soundstage.audio.buffer import SPEECH_RATE, AudioBuffer
from soundstage.audio.codecs import AudioFormat, decode
from soundstage.audio.streaming import UNKNOWN_SIZE, StreamEncoder, StreamFormat, wav_header

PIECE = SPEECH_RATE // 2  # half a second per push
CODEC_PADDING = 0.1  # seconds: MP3 and AAC priming and last-frame padding (a stream has no gapless header)


def _tone(frames: int, start: int) -> AudioBuffer:
    t = (np.arange(frames) + start) / SPEECH_RATE
    return AudioBuffer.from_mono(0.3 * np.sin(2 * np.pi * 220 * t), SPEECH_RATE)


def _encode(fmt: StreamFormat, pushes: int = 3) -> list[bytes]:
    encoder = StreamEncoder(fmt, SPEECH_RATE)
    parts = [encoder.push(_tone(PIECE, i * PIECE)) for i in range(pushes)]
    return [*parts, encoder.close()]


@pytest.mark.parametrize("fmt", [f for f in StreamFormat if f is not StreamFormat.PCM], ids=lambda f: f.value)
def test_the_whole_stream_and_its_prefix_decode(fmt: StreamFormat) -> None:
    parts = _encode(fmt)
    whole = decode(b"".join(parts))
    assert 1.5 <= whole.duration <= 1.5 + CODEC_PADDING, whole.duration
    assert parts[0], "the first push already yields bytes a player can start on"
    prefix = decode(b"".join(parts[:2]))
    assert 0.3 <= prefix.duration <= whole.duration


def test_pcm_is_the_samples_and_wav_declares_an_unknown_length() -> None:
    pcm = b"".join(_encode(StreamFormat.PCM))
    assert len(pcm) == 3 * PIECE * 2
    decoded = decode(pcm, AudioFormat.PCM, SPEECH_RATE).mono()
    assert np.allclose(decoded, _tone(3 * PIECE, 0).mono(), atol=1e-4)
    wav = b"".join(_encode(StreamFormat.WAV))
    assert wav[:4] == b"RIFF" and struct.unpack("<I", wav[40:44])[0] == UNKNOWN_SIZE
    assert wav[44:] == pcm
    assert decode(wav_header(SPEECH_RATE, 1, len(pcm)) + pcm).frames == 3 * PIECE


def test_a_buffer_at_another_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="24000 Hz"):
        StreamEncoder(StreamFormat.MP3, SPEECH_RATE).push(AudioBuffer.silence(100, 48_000))
