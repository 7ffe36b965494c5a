"""mux with pictures we did not encode (issue 10): users' files copied packet for packet, whatever their
shape.

Each input is made here with a known property (rotation metadata, variable frame rate, an audio stream of
its own, Matroska B-frames without decode times, WebM VP9 or VP8, AV1) and must come out with identical
video packets, that property kept, and an AAC track whose stream duration equals the video stream's
exactly and which decodes to at least that many samples (at most one AAC frame more).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from soundstage.audio.buffer import AudioBuffer
from soundstage.video.encode import AAC_FRAME, AUDIO_RATE, MATROSKA, MP4, container_for, mux

SIZE = (128, 96)


def moving_bar(index: int) -> av.VideoFrame:
    rgb = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    x = (index * 5) % (SIZE[0] - 16)
    rgb[:, x:x + 16] = (250, 200, 40)
    return av.VideoFrame.from_ndarray(rgb, format="rgb24")


def make_video(path: Path, *, fmt: str = "mp4", codec: str = "libx264", frames: int = 24, fps: int = 24,
               rotation: int | None = None, vfr: bool = False, audio: bool = False) -> Path:
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        if vfr:
            stream.time_base = stream.codec_context.time_base = Fraction(1, 90_000)
        if rotation is not None:
            stream.set_display_rotation(rotation)
        sound = out.add_stream("aac", rate=AUDIO_RATE, layout="stereo") if audio else None
        tick = 0
        for i in range(frames):
            frame = moving_bar(i)
            if vfr:  # 1/30 s and 1/15 s frames, alternating irregularly
                frame.pts, frame.time_base = tick, Fraction(1, 90_000)
                tick += 6000 if i % 3 == 0 else 3000
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
        if sound is not None:
            total = round(frames / fps * AUDIO_RATE)
            for start in range(0, total, AAC_FRAME):
                chunk = av.AudioFrame.from_ndarray(np.full((2, min(AAC_FRAME, total - start)), 0.1,
                                                           np.float32),
                                                   format="fltp", layout="stereo")
                chunk.sample_rate, chunk.pts = AUDIO_RATE, start
                out.mux(sound.encode(chunk))
            out.mux(sound.encode())
    return path


def packet_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with av.open(str(path)) as src:
        for packet in src.demux(src.streams.video[0]):
            if packet.pts is not None:
                digest.update(bytes(packet))
    return digest.hexdigest()


def tone(seconds: float) -> AudioBuffer:
    t = np.arange(round(seconds * AUDIO_RATE)) / AUDIO_RATE
    return AudioBuffer.from_mono((0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), AUDIO_RATE)


def check_copied(source: Path, out: Path) -> None:
    assert packet_digest(out) == packet_digest(source)
    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert len(container.streams.audio) == 1
        assert audio.codec_context.name == "aac" and audio.codec_context.profile == "LC"
        assert audio.sample_rate == AUDIO_RATE and audio.codec_context.channels == 2
        assert video.duration is not None and audio.duration is not None
        seconds = video.duration * video.time_base
        assert audio.duration * audio.time_base == seconds  # to the sample: Fractions, not floats
    with av.open(str(out)) as container:
        samples = sum(f.samples for f in container.decode(audio=0))
    assert round(seconds * AUDIO_RATE) <= samples <= round(seconds * AUDIO_RATE) + AAC_FRAME
    with av.open(str(source)) as a, av.open(str(out)) as b:
        assert len(list(a.decode(video=0))) == len(list(b.decode(video=0)))


Maker = Callable[[Path], Path]
CASES: dict[str, Maker] = {
    "rotated": lambda d: make_video(d / "rotated.mp4", rotation=90),
    "vfr": lambda d: make_video(d / "vfr.mp4", vfr=True),
    "with_audio": lambda d: make_video(d / "with_audio.mp4", audio=True),
    "mkv_bframes": lambda d: make_video(d / "bframes.mkv", fmt="matroska"),
    "webm_vp9": lambda d: make_video(d / "clip.webm", fmt="webm", codec="libvpx-vp9", frames=12),
    "mov": lambda d: make_video(d / "clip.mov", fmt="mov"),
    "av1": lambda d: make_video(d / "av1.mp4", codec="libsvtav1", frames=8),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_users_video_is_copied_and_the_track_is_exactly_its_length(tmp_path: Path, case: str) -> None:
    source = CASES[case](tmp_path)
    container = container_for(source)
    assert container is MP4
    out = tmp_path / "out.mp4"
    mux(source, tone(10.0), out, container)  # longer than the picture: cut to it
    check_copied(source, out)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staged copy left behind


def test_rotation_metadata_is_kept(tmp_path: Path) -> None:
    source = make_video(tmp_path / "portrait.mp4", rotation=90)
    out = tmp_path / "out.mp4"
    mux(source, tone(0.5), out)  # shorter than the picture: padded with silence
    with av.open(str(out)) as container:
        assert next(container.decode(video=0)).rotation == 90


def test_matroska_b_frames_keep_the_picture_from_its_first_key_frame(tmp_path: Path) -> None:
    """Matroska's first B-frame packets have no decode time; they were skipped, and the key frame with
    them."""
    source = make_video(tmp_path / "bframes.mkv", fmt="matroska")
    with av.open(str(source)) as container:
        assert any(p.dts is None and p.pts is not None for p in container.demux(video=0))
    out = tmp_path / "out.mp4"
    mux(source, tone(1.0), out)
    with av.open(str(out)) as container:
        assert len(list(container.decode(video=0))) == 24


def test_vp8_goes_in_matroska_with_audio_at_least_as_long(tmp_path: Path) -> None:
    """The mp4 muxer refuses VP8; Matroska holds it (no edit lists there: the track may run one AAC frame
    on)."""
    source = make_video(tmp_path / "vp8.webm", fmt="webm", codec="libvpx", frames=12)
    assert container_for(source) is MATROSKA
    out = tmp_path / "out.mkv"
    mux(source, tone(1.0), out, MATROSKA)
    assert packet_digest(out) == packet_digest(source)
    with av.open(str(out)) as container:
        samples = sum(f.samples for f in container.decode(audio=0))
    expected = round(Fraction(12, 24) * AUDIO_RATE)
    assert expected - 1 <= samples <= expected + 2 * AAC_FRAME  # Matroska times are whole milliseconds


def test_a_picture_starting_late_keeps_its_sound_in_sync(tmp_path: Path) -> None:
    """A recorder's Matroska whose first frame is at 0.5 s: picture and track start together (at 0), and
    a click 0.25 s into the track is heard 0.25 s after the first frame, not half a second early."""
    source = tmp_path / "late.mkv"
    with av.open(str(source), "w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        for i in range(24):
            frame = moving_bar(i)
            frame.pts, frame.time_base = 12 + i, Fraction(1, 24)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    click = np.zeros((AUDIO_RATE, 2), np.float32)
    click[AUDIO_RATE // 4:AUDIO_RATE // 4 + 48] = 0.8
    out_path = tmp_path / "out.mp4"
    mux(source, AudioBuffer(click, AUDIO_RATE), out_path)
    with av.open(str(out_path)) as container:
        first_frame = next(container.decode(video=0)).time
    with av.open(str(out_path)) as container:
        frames = list(container.decode(audio=0))
    samples = np.concatenate([f.to_ndarray() for f in frames], axis=1)[0]
    heard = frames[0].time + int(np.argmax(np.abs(samples) > 0.3)) / AUDIO_RATE
    assert heard - first_frame == pytest.approx(0.25, abs=1 / AUDIO_RATE)
    check_copied(source, out_path)
