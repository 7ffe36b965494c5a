"""Issue 9: user audio is decoded in bounded time and memory, and cut or corrupt files are refused."""

from __future__ import annotations

import numpy as np
import pytest

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.codecs import AudioFormat, encode
from soundstage.audio.intake import ClipLimits, read_clip
from soundstage.errors import InvalidInput

LIMITS = ClipLimits(30.0)


def tone(seconds: float, fmt: AudioFormat) -> bytes:
    t = np.arange(int(seconds * 24_000)) / 24_000
    return encode(AudioBuffer.from_mono((0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), 24_000), fmt,
                  24_000).data


@pytest.mark.parametrize("fmt", [AudioFormat.WAV, AudioFormat.MP3, AudioFormat.OGG_OPUS])
def test_issue9_whole_files_decode_and_cut_ones_are_refused(fmt: AudioFormat) -> None:
    whole = tone(2.0, fmt)
    assert read_clip(whole, "", "audio_urls[0]", LIMITS).duration == pytest.approx(2.0, abs=0.05)
    for cut in (whole[: len(whole) // 2], whole[:-7]):
        with pytest.raises(InvalidInput, match="audio_urls\\[0\\]: not a readable .* cut short or corrupt"):
            read_clip(cut, "", "audio_urls[0]", LIMITS)


def test_issue9_ogg_that_lost_pages_is_refused() -> None:
    data = tone(2.0, AudioFormat.OGG_OPUS)
    damaged = data[:300] + bytes(b ^ 0xFF for b in data[300:320]) + data[320:]
    with pytest.raises(InvalidInput, match="corrupt"):
        read_clip(damaged, "", "f", LIMITS)


def test_issue9_decoding_stops_at_the_limit() -> None:
    with pytest.raises(InvalidInput, match="runs past 1 s"):
        read_clip(tone(5.0, AudioFormat.MP3), "", "f", ClipLimits(1.0))


@pytest.mark.parametrize("content_type,size,words", [
    ("audio/pcm;rate=0", 4800, "the limits are"),
    ("audio/pcm;rate=fast", 4800, "must be integers"),
    ("audio/pcm;rate=24000;channels=0", 4800, "the limits are"),
    ("audio/pcm;rate=24000;channels=99", 4800, "the limits are"),
    ("audio/pcm;rate=24000;channels=2", 4802, "not whole 16-bit frames"),
    ("audio/pcm", 0, "empty"),
])
def test_issue9_raw_pcm_parameters_are_bounded(content_type: str, size: int, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        read_clip(bytes(size), content_type, "f", LIMITS)


def test_raw_pcm_reads_its_rate_and_channels() -> None:
    clip = read_clip(bytes(48_000 * 2 * 2), "audio/pcm;rate=48000;channels=2", "f", LIMITS)
    assert (clip.rate, clip.channels, clip.duration) == (48_000, 2, 1.0)


def test_issue9_only_the_accepted_containers_are_opened() -> None:
    playlist = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://169.254.169.254/latest/meta-data\n"
    with pytest.raises(InvalidInput, match="not a readable"):
        read_clip(playlist, "audio/mpeg", "f", LIMITS)
