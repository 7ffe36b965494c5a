"""Measure a video file by decoding it, refusing hostile or oversized files in bounded time and memory.

Figures come from what decodes (frames counted, timestamps read, samples counted), not from what the
headers claim; headers are only used to refuse early. Bounds:
- only MP4/QuickTime and Matroska/WebM demuxers, reading only the file itself (no playlists, no nested
  URLs: ffmpeg's hls and concat demuxers would otherwise open whatever a file names);
- only common video and audio decoders, each frame at most ``max_pixels`` (the decoder refuses larger
  frames before allocating them);
- at most ``max_seconds`` of picture and sound, and at most ``MAX_FPS`` frames per second of it, so the
  decoding work is bounded by ``max_seconds x MAX_FPS x max_pixels`` whatever the file says.

``audio_duration`` is the audio stream's duration as the container presents it (its edit list applied,
what players play); ``audio_samples`` is what a decoder returns, which for AAC can be up to one frame
more (docs/video-notes.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.container import InputContainer

from soundstage.errors import InvalidInput

__all__ = ["AUDIO_CODECS", "FORMATS", "MAX_FPS", "VIDEO_CODECS", "VideoInfo", "open_video", "probe_video"]

FORMATS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"  # ffmpeg demuxer names
VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "libdav1d", "mpeg4", "prores"})
AUDIO_CODECS = frozenset({"aac", "mp3", "mp3float", "opus", "libopus", "vorbis", "flac", "alac", "ac3",
                          "eac3", "pcm_s16le", "pcm_s24le", "pcm_f32le"})
MAX_FPS = 240  # frames per second: above any camera's, so more is a hostile timestamp trick
TOLERANCE = 0.5  # seconds past max_seconds a decoded stream may run (last frame's length, AAC padding)


@dataclass(frozen=True)
class VideoInfo:
    width: int  # pixels, of the decoded frames
    height: int
    fps: float  # frames / duration
    frames: int  # decoded
    duration: float  # seconds, from the first frame's timestamp to the end of the last frame
    video_codec: str
    pixel_format: str
    has_audio: bool
    audio_codec: str | None
    audio_rate: int | None  # Hz, decoded
    audio_channels: int | None
    audio_duration: float  # seconds, the container's (edit list applied); 0.0 without audio
    audio_samples: int  # decoded, per channel
    size: int  # bytes


def _refuse(field: str, path: Path, why: str) -> InvalidInput:
    return InvalidInput(f"{field}: {why}", field=field, value=path.name)


def open_video(path: Path, field: str = "video") -> InputContainer:
    """Open ``path`` with only the allowed demuxers and no nested protocols, or refuse it."""
    options = {"format_whitelist": FORMATS, "protocol_whitelist": "file",
               "codec_whitelist": ",".join(sorted(VIDEO_CODECS | AUDIO_CODECS))}
    try:
        return av.open(str(path), options=options)
    except av.FFmpegError as e:
        raise _refuse(field, path, f"not a readable MP4, MOV, MKV or WebM video ({e.strerror})") from e


def _check_headers(container: InputContainer, path: Path, field: str, max_seconds: float,
                   max_pixels: int) -> None:
    if not container.streams.video:
        raise _refuse(field, path, "the file holds no video stream")
    video = container.streams.video[0]
    cc = video.codec_context
    if cc.name not in VIDEO_CODECS:
        raise _refuse(field, path,
                      f"video codec {cc.name} is not supported; use one of {', '.join(sorted(VIDEO_CODECS))}")
    if cc.width * cc.height > max_pixels:
        raise _refuse(field, path, f"frames are {cc.width}x{cc.height}; the limit is {max_pixels} pixels")
    if container.duration is not None and container.duration / av.time_base > max_seconds + TOLERANCE:
        raise _refuse(field, path, f"the video is {container.duration / av.time_base:.1f} s long; "
                                   f"the limit is {max_seconds:g} s")
    if container.streams.audio and container.streams.audio[0].codec_context.name not in AUDIO_CODECS:
        name = container.streams.audio[0].codec_context.name
        raise _refuse(field, path,
                      f"audio codec {name} is not supported; use one of {', '.join(sorted(AUDIO_CODECS))}")


@dataclass
class _Tally:
    """What has decoded so far."""

    frames: int = 0
    width: int = 0
    height: int = 0
    pixel_format: str = ""
    first: Fraction | None = None
    end: Fraction = Fraction(0)
    samples: int = 0
    rate: int = 0
    channels: int = 0


def _add_video(tally: _Tally, frame: av.VideoFrame, stream: av.VideoStream, limits: tuple[float, int],
               refuse: Callable[[str], InvalidInput]) -> None:
    max_seconds, max_pixels = limits
    if frame.width * frame.height > max_pixels:
        raise refuse(f"frames are {frame.width}x{frame.height}; the limit is {max_pixels} pixels")
    rate = stream.average_rate or stream.guessed_rate or Fraction(24)
    tb = stream.time_base or Fraction(1, 90_000)
    start = frame.pts * tb if frame.pts is not None else tally.frames / rate
    length = frame.duration * tb if frame.duration else 1 / rate
    tally.first = start if tally.first is None else min(tally.first, start)
    tally.end = max(tally.end, start + length)
    tally.frames += 1
    tally.width, tally.height, tally.pixel_format = frame.width, frame.height, frame.format.name
    if tally.end - tally.first > max_seconds + TOLERANCE:
        raise refuse(f"the video runs past {max_seconds:g} s, the limit")
    if tally.frames > max_seconds * MAX_FPS:
        raise refuse(f"the video holds more than {max_seconds * MAX_FPS:g} frames ({MAX_FPS} fps for"
                     f" {max_seconds:g} s)")


def _add_audio(tally: _Tally, frame: av.AudioFrame, max_seconds: float,
               refuse: Callable[[str], InvalidInput]) -> None:
    tally.samples += frame.samples
    tally.rate, tally.channels = frame.sample_rate, len(frame.layout.channels)
    if tally.samples > (max_seconds + TOLERANCE) * tally.rate:
        raise refuse(f"the audio runs past {max_seconds:g} s, the limit")


def probe_video(path: Path, *, max_seconds: float, max_pixels: int, field: str = "video") -> VideoInfo:
    """Decode ``path`` once, counting frames and samples; ``InvalidInput`` naming ``field`` and the limit."""
    def refuse(why: str) -> InvalidInput:
        return _refuse(field, path, why)

    with open_video(path, field) as container:
        _check_headers(container, path, field, max_seconds, max_pixels)
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        video.codec_context.options = {"max_pixels": str(max_pixels)}
        video.thread_type = "AUTO"
        tally = _Tally()
        try:
            for packet in container.demux(*(s for s in (video, audio) if s is not None)):
                for frame in packet.decode():
                    if isinstance(frame, av.VideoFrame):
                        _add_video(tally, frame, video, (max_seconds, max_pixels), refuse)
                    elif isinstance(frame, av.AudioFrame):
                        _add_audio(tally, frame, max_seconds, refuse)
        except av.FFmpegError as e:
            raise refuse(f"the file is damaged ({e.strerror}) after {tally.frames} frames") from e
        promised = video.frames  # the sample table's count: used only to notice a cut-off file
        if tally.frames == 0 or tally.first is None:
            raise refuse("no video frame decodes")
        if promised and tally.frames < promised:
            raise refuse(f"the file is truncated or damaged: {tally.frames} of its {promised} frames decode")
        return _info(container, tally, audio, path.stat().st_size)


def _info(container: InputContainer, tally: _Tally, audio: av.AudioStream | None, size: int) -> VideoInfo:
    duration = float(tally.end - (tally.first or 0))
    audio_duration = 0.0
    if audio is not None and audio.duration is not None and audio.time_base is not None:
        audio_duration = float(audio.duration * audio.time_base)
    elif audio is not None and tally.rate:
        audio_duration = tally.samples / tally.rate
    return VideoInfo(
        width=tally.width, height=tally.height, fps=tally.frames / duration if duration else 0.0,
        frames=tally.frames, duration=duration, video_codec=container.streams.video[0].codec_context.name,
        pixel_format=tally.pixel_format, has_audio=audio is not None and tally.samples > 0,
        audio_codec=audio.codec_context.name if audio is not None else None, audio_rate=tally.rate or None,
        audio_channels=tally.channels or None, audio_duration=audio_duration, audio_samples=tally.samples,
        size=size)
