"""probe_video measures by decoding and refuses damaged, hostile or oversized files quickly."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from soundstage.audio.buffer import AudioBuffer
from soundstage.errors import InvalidInput
from soundstage.video.encode import AUDIO_RATE, encode_video, mux
from soundstage.video.plan import VideoFormat
from soundstage.video.probe import probe_video

FMT = VideoFormat(320, 180, 24, 60)  # 2.5 s
LIMITS = {"max_seconds": 30.0, "max_pixels": 1920 * 1080}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("probe")
    frames = [np.full((FMT.height, FMT.width, 3), (4 * k, 80, 160), np.uint8) for k in range(FMT.frames)]
    encode_video(frames, FMT, root / "silent.mp4", lambda: False)
    mux(root / "silent.mp4", AudioBuffer.silence(AUDIO_RATE, AUDIO_RATE, 2), root / "sound.mp4")
    return {"silent": root / "silent.mp4", "sound": root / "sound.mp4", "root": root}


def test_measures_picture_and_sound(files: dict[str, Path]) -> None:
    info = probe_video(files["sound"], **LIMITS)  # type: ignore[arg-type]
    assert (info.width, info.height, info.frames, info.fps, info.duration) == (320, 180, 60, 24.0, 2.5)
    assert (info.video_codec, info.pixel_format) == ("h264", "yuv420p")
    assert info.has_audio and (info.audio_codec, info.audio_rate, info.audio_channels) == ("aac", 48_000, 2)
    assert info.audio_duration == 2.5 and 120_000 <= info.audio_samples <= 120_000 + 1024
    assert info.size == files["sound"].stat().st_size


def test_silent_file_has_no_audio_figures(files: dict[str, Path]) -> None:
    info = probe_video(files["silent"], **LIMITS)  # type: ignore[arg-type]
    assert (not info.has_audio and info.audio_codec is None and info.audio_samples == 0
            and info.audio_duration == 0)


@pytest.mark.parametrize("keep", [0.3, 0.7, 0.97])
def test_truncated_files_are_refused(files: dict[str, Path], keep: float) -> None:
    data = files["sound"].read_bytes()
    cut = files["root"] / f"cut{keep}.mp4"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(InvalidInput, match="truncated|damaged|readable"):
        probe_video(cut, **LIMITS)  # type: ignore[arg-type]


def test_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbage.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64)
    with pytest.raises(InvalidInput, match="not a readable") as caught:
        probe_video(path, **LIMITS, field="video_urls.0")  # type: ignore[arg-type]
    assert caught.value.errors[0].loc == ("body", "video_urls", "0")


def test_playlists_naming_other_files_are_refused(files: dict[str, Path], tmp_path: Path) -> None:
    playlist = tmp_path / "list.m3u8"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{files['sound']}\n#EXT-X-ENDLIST\n")
    with pytest.raises(InvalidInput, match="not a readable"):
        probe_video(playlist, **LIMITS)  # type: ignore[arg-type]


@pytest.mark.parametrize("limits,message", [({"max_seconds": 30.0, "max_pixels": 320 * 179}, "57280 pixels"),
                                            ({"max_seconds": 1.5, "max_pixels": 10**7},
                                             "2.5 s long; the limit is 1.5 s")])
def test_oversized_files_are_refused_before_decoding(files: dict[str, Path], limits: dict[str, float],
                                                      message: str) -> None:
    start = time.perf_counter()
    with pytest.raises(InvalidInput, match=message):
        probe_video(files["sound"], **limits)  # type: ignore[arg-type]
    assert time.perf_counter() - start < 0.5


def test_a_file_that_hides_its_length_is_cut_off_at_the_limit(tmp_path: Path) -> None:
    """Matroska written to a pipe has no duration in its header: decoding stops at the limit."""
    class Pipe:
        def __init__(self) -> None:
            self.data = bytearray()

        def write(self, chunk: bytes) -> int:
            self.data += chunk
            return len(chunk)

    pipe = Pipe()
    with av.open(pipe, "w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=24)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        for k in range(24 * 6):
            frame = av.VideoFrame.from_ndarray(np.full((36, 64, 3), k % 250, np.uint8), format="rgb24")
            frame.pts, frame.time_base = k, Fraction(1, 24)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    path = tmp_path / "streamed.mkv"
    path.write_bytes(bytes(pipe.data))
    with av.open(str(path)) as src:
        assert src.duration is None
    with pytest.raises(InvalidInput, match="runs past 3 s"):
        probe_video(path, max_seconds=3.0, max_pixels=10**6)
    assert probe_video(path, max_seconds=10.0, max_pixels=10**6).frames == 144
