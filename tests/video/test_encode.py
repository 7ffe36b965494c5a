"""Encoding and muxing: exact frames, fps and time base; audio exactly as long as the picture; copied
packets."""

from __future__ import annotations

import hashlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from soundstage.audio.buffer import SPEECH_RATE, AudioBuffer
from soundstage.errors import AppFailed, Cancelled
from soundstage.video.animatic import AnimaticRenderer
from soundstage.video.encode import AAC_FRAME, AUDIO_RATE, encode_video, mux, video_duration
from soundstage.video.plan import VideoFormat
from tests.video.plans import text_plan


def gradient_frames(fmt: VideoFormat) -> list[npt.NDArray[np.uint8]]:
    x = np.linspace(0, 255, fmt.width, dtype=np.float32)[None, :, None]
    return [np.broadcast_to((x + 3 * k) % 256, (fmt.height, fmt.width, 3)).astype(np.uint8)
            for k in range(fmt.frames)]


def encoded(tmp_path: Path, fmt: VideoFormat) -> Path:
    path = tmp_path / "picture.mp4"
    encode_video(gradient_frames(fmt), fmt, path, lambda: False)
    return path


def packet_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with av.open(str(path)) as src:
        for packet in src.demux(src.streams.video[0]):
            if packet.pts is not None:
                digest.update(bytes(packet))
    return digest.hexdigest()


def stream_duration(stream: av.stream.Stream) -> Fraction:
    assert stream.duration is not None and stream.time_base is not None
    return stream.duration * stream.time_base


@pytest.mark.parametrize("fmt", [VideoFormat(320, 180, 24, 48), VideoFormat(256, 144, 30, 41),
                                 VideoFormat(160, 90, 25, 1)])
def test_exact_frames_size_fps_and_time_base(tmp_path: Path, fmt: VideoFormat) -> None:
    path = encoded(tmp_path, fmt)
    with av.open(str(path)) as src:
        stream = src.streams.video[0]
        frames = list(src.decode(stream))
        assert stream.codec_context.name == "h264" and stream.time_base == Fraction(1, fmt.fps)
        assert stream_duration(stream) == Fraction(fmt.frames, fmt.fps)
        assert len(frames) == fmt.frames
        assert {(f.width, f.height, f.format.name) for f in frames} == {(fmt.width, fmt.height, "yuv420p")}
        assert [f.pts for f in frames] == list(range(fmt.frames))
    assert video_duration(path) == Fraction(fmt.frames, fmt.fps)


def test_the_picture_survives_encoding(tmp_path: Path) -> None:
    fmt = VideoFormat(320, 180, 24, 24)
    frames = list(AnimaticRenderer().render(text_plan(fmt), lambda: False))
    path = tmp_path / "board.mp4"
    encode_video(iter(frames), fmt, path, lambda: False)
    with av.open(str(path)) as src:
        decoded = [f.to_ndarray(format="rgb24") for f in src.decode(video=0)]
    error = np.abs(decoded[12].astype(int) - frames[12].astype(int)).mean()
    assert error < 4  # of 255, mean over the frame: BT.709 in, BT.709 out


@pytest.mark.parametrize("seconds,rate,channels",
                         [(1.0, SPEECH_RATE, 1), (3.7, AUDIO_RATE, 2), (2.0, 44_100, 2)])
def test_audio_is_exactly_as_long_as_the_picture(tmp_path: Path, seconds: float, rate: int,
                                                 channels: int) -> None:
    fmt = VideoFormat(320, 180, 24, 53)  # 2.2083 s: not a whole number of AAC frames
    picture = encoded(tmp_path, fmt)
    t = np.arange(int(seconds * rate)) / rate
    tone = np.repeat((0.3 * np.sin(2 * np.pi * 440 * t))[:, None], channels, axis=1).astype(np.float32)
    out = tmp_path / "with_sound.mp4"
    mux(picture, AudioBuffer(tone, rate), out)
    expected = round(Fraction(fmt.frames, fmt.fps) * AUDIO_RATE)
    with av.open(str(out)) as src:
        video, audio = src.streams.video[0], src.streams.audio[0]
        assert audio.codec_context.name == "aac" and audio.codec_context.profile == "LC"
        assert audio.sample_rate == AUDIO_RATE and audio.codec_context.channels == 2
        assert stream_duration(audio) == stream_duration(video) == Fraction(expected, AUDIO_RATE)
        samples = sum(f.samples for f in src.decode(audio))
    assert expected <= samples <= expected + AAC_FRAME  # decoders keep the last frame's padding, never cut
    assert packet_digest(out) == packet_digest(picture)


def test_without_audio_there_is_no_audio_stream(tmp_path: Path) -> None:
    picture = encoded(tmp_path, VideoFormat(320, 180, 24, 24))
    out = tmp_path / "silent.mp4"
    mux(picture, None, out)
    with av.open(str(out)) as src:
        assert len(src.streams.audio) == 0 and len(src.streams.video) == 1
    assert packet_digest(out) == packet_digest(picture)


def test_index_comes_first(tmp_path: Path) -> None:
    picture = encoded(tmp_path, VideoFormat(320, 180, 24, 24))
    out = tmp_path / "faststart.mp4"
    mux(picture, AudioBuffer.silence(AUDIO_RATE, AUDIO_RATE), out)
    head = out.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))


@pytest.mark.parametrize("count", [47, 49])
def test_a_renderer_giving_the_wrong_frame_count_fails_and_leaves_no_file(tmp_path: Path, count: int) -> None:
    fmt = VideoFormat(320, 180, 24, 48)
    path = tmp_path / "wrong.mp4"
    with pytest.raises(AppFailed, match="48"):
        encode_video(gradient_frames(VideoFormat(320, 180, 24, count)), fmt, path, lambda: False)
    assert not path.exists()


def test_cancelling_stops_encoding_and_removes_the_file(tmp_path: Path) -> None:
    fmt = VideoFormat(320, 180, 24, 48)
    calls = iter(range(1000))
    path = tmp_path / "cancelled.mp4"
    with pytest.raises(Cancelled):
        encode_video(AnimaticRenderer().render(text_plan(fmt), lambda: False), fmt, path,
                     lambda: next(calls) >= 10)
    assert not path.exists()


def test_renderer_errors_reach_the_caller(tmp_path: Path) -> None:
    fmt = VideoFormat(320, 180, 24, 48)

    def failing() -> list[npt.NDArray[np.uint8]]:
        raise Cancelled("stop")

    def frames():  # type: ignore[no-untyped-def]
        yield from gradient_frames(VideoFormat(320, 180, 24, 3))
        failing()

    with pytest.raises(Cancelled, match="stop"):
        encode_video(frames(), fmt, tmp_path / "x.mp4", lambda: False)
