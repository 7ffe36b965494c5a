"""Frames -> H.264 MP4, and muxing a soundtrack exactly as long as the picture.

``encode_video`` writes the picture alone: libx264, yuv420p, BT.709, constant frame rate, track
timescale 1/fps (every frame lasts one tick). Frames are pulled from the renderer in a helper thread
while the encoder works: Pillow's resize and x264 both release the GIL, so on two cores drawing and
encoding overlap.

``mux`` copies that picture's packets untouched (they hash the same) and, when there is audio, encodes
it as AAC-LC 48 kHz stereo cut or padded to ``round(duration x 48000)`` samples first. The mp4 muxer
writes an edit list hiding the encoder's 1024 priming samples, so the audio stream's duration equals the
video stream's to the sample; decoders return up to one AAC frame more (the last frame's padding),
never less (docs/video-notes.md). Both write to disk as they go: no whole file is held in memory.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import av
import numpy as np
import numpy.typing as npt
from av.container import InputContainer, OutputContainer
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc, VideoReformatter

from soundstage.audio.buffer import MIX_RATE, AudioBuffer
from soundstage.audio.resample import STEREO, resample, to_channels
from soundstage.errors import AppFailed, Cancelled, InvalidInput
from soundstage.video.plan import VideoFormat

__all__ = ["AAC_BITRATE", "AAC_FRAME", "AUDIO_RATE", "MATROSKA", "MP4", "QUICKTIME", "X264_CRF",
           "X264_PRESET", "Container", "container_for", "encode_video", "mux", "video_duration"]

VIDEO_CODEC = "libx264"
PIXEL_FORMAT = "yuv420p"
# bench/video_render.py, 8 s 1280x720 push-in animatic, CPU seconds for render + encode (render alone 2.4):
# ultrafast 3.5 s at 4.8 Mbit/s, superfast 4.2 s at 2.2, veryfast 4.5 s at 0.94, faster 5.7 s at 1.0.
# veryfast: files a fifth of ultrafast's for 30% more CPU, still 3.6x real time on two idle cores.
X264_PRESET = "veryfast"
X264_CRF = 20  # visually clean on flat colour and text
AUDIO_RATE = MIX_RATE  # Hz: Seedance's track is 48 kHz stereo
AAC_FRAME = 1024  # samples per AAC-LC frame
AAC_BITRATE = 192_000  # bits/s for stereo: transparent for dialogue and mixes
AUDIO_AHEAD = 0.5  # seconds of audio muxed ahead of the video, for interleaving
PREFETCH = 3  # frames drawn ahead of the encoder
MP4_OPTIONS = {"movflags": "+faststart"}  # index first: browsers play before the download ends

T = TypeVar("T")


def encode_video(frames: Iterable[npt.NDArray[np.uint8]], fmt: VideoFormat, path: Path,
                 cancelled: Callable[[], bool], *, preset: str = X264_PRESET) -> None:
    """Encode exactly ``fmt.frames`` RGB frames to an H.264 MP4 at ``path`` (removed again on any error).

    ``preset`` is x264's speed/size trade-off; "ultrafast" takes 22% less CPU for 5x the bytes.
    """
    try:
        with av.open(str(path), "w", format="mp4", options=_mp4_options(fmt.fps)) as out:
            stream = out.add_stream(VIDEO_CODEC, rate=fmt.fps,
                                    options={"preset": preset, "crf": str(X264_CRF)})
            assert isinstance(stream, av.VideoStream)
            stream.width, stream.height, stream.pix_fmt = fmt.width, fmt.height, PIXEL_FORMAT
            stream.time_base = Fraction(1, fmt.fps)
            cc = stream.codec_context
            cc.colorspace, cc.color_range = Colorspace.ITU709, ColorRange.MPEG
            cc.color_primaries, cc.color_trc = ColorPrimaries.BT709, ColorTrc.BT709
            count = 0
            reformatter = VideoReformatter()
            for rgb in _prefetch(frames, PREFETCH):
                if cancelled():
                    raise Cancelled()
                _check_frame(rgb, fmt, count)
                frame = reformatter.reformat(av.VideoFrame.from_ndarray(rgb, format="rgb24"),
                                             format=PIXEL_FORMAT, dst_colorspace=Colorspace.ITU709,
                                             dst_color_range=ColorRange.MPEG)
                frame.pts, frame.time_base = count, stream.time_base
                out.mux(stream.encode(frame))
                count += 1
            if count != fmt.frames:
                raise AppFailed(f"video renderer yielded {count} frames; the format asks for {fmt.frames}")
            out.mux(stream.encode(None))
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _check_frame(rgb: npt.NDArray[np.uint8], fmt: VideoFormat, index: int) -> None:
    if index >= fmt.frames:
        raise AppFailed(f"video renderer yielded more than the {fmt.frames} frames the format asks for")
    if rgb.shape != (fmt.height, fmt.width, 3) or rgb.dtype != np.uint8:
        raise AppFailed(f"video renderer frame {index} is {rgb.shape} {rgb.dtype}; "
                        f"expected ({fmt.height}, {fmt.width}, 3) uint8")


def _prefetch(items: Iterable[T], depth: int) -> Iterator[T]:
    """``items`` produced in a helper thread up to ``depth`` ahead; its exceptions re-raised here."""
    done = object()
    slots: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            slots.put(done)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, which raises it
            slots.put(e)
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="video-frames", daemon=True)
    worker.start()
    try:
        while (item := slots.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(0.05)


def video_duration(path: Path) -> Fraction:
    """The first video stream's duration in seconds, from its packets' timestamps (no decoding)."""
    return _scan(path)[0]


def _scan(path: Path) -> tuple[Fraction, bool, Fraction]:
    """(the duration, whether every timed packet has a decode time, the first frame's time in s),
    reading packets only."""
    with av.open(str(path)) as src:
        stream = src.streams.video[0]
        first, last, complete = None, None, True
        for packet in src.demux(stream):
            if packet.pts is None:
                continue
            complete = complete and packet.dts is not None
            first = packet.pts if first is None else min(first, packet.pts)
            last = max(last or 0, packet.pts + (packet.duration or 0))
        if first is None or last is None or stream.time_base is None:
            raise InvalidInput(f"video: {path.name} holds no timed video packets", field="video",
                               value=path.name)
        return (last - first) * stream.time_base, complete, first * stream.time_base


def _stream_duration(path: Path) -> Fraction:
    """The video stream's duration as the container states it (edit list applied), else from packets."""
    with av.open(str(path)) as src:
        stream = src.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return stream.duration * stream.time_base
    return video_duration(path)


def _audio_samples(audio: AudioBuffer, duration: Fraction) -> npt.NDArray[np.float32]:
    """``audio`` at 48 kHz stereo, exactly ``round(duration x 48000)`` samples, planar (channels, samples)."""
    target = round(duration * AUDIO_RATE)
    buf = to_channels(resample(audio, AUDIO_RATE), STEREO)
    samples = buf.samples[:target]
    if samples.shape[0] < target:
        samples = np.pad(samples, ((0, target - samples.shape[0]), (0, 0)))
    return np.ascontiguousarray(samples.T, dtype=np.float32)


def _audio_frames(planar: npt.NDArray[np.float32]) -> Iterator[av.AudioFrame]:
    chunk = AAC_FRAME * 16
    for start in range(0, planar.shape[1], chunk):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(planar[:, start:start + chunk]),
                                           format="fltp", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = AUDIO_RATE, start, Fraction(1, AUDIO_RATE)
        yield frame


def _mp4_options(fps: int) -> dict[str, str]:
    """Tracks timed in 1/fps and 1/48000 s, edit lists in units both divide.

    The mp4 muxer's movie timescale defaults to 1/1000 s, and edit lists are written in it: measured
    here, 106,000 samples of AAC (2.2083 s, 53 frames at 24 fps) then read back as 105,984.
    """
    return {**MP4_OPTIONS, "video_track_timescale": str(fps),
            "movie_timescale": str(math.lcm(fps, AUDIO_RATE))}


@dataclass(frozen=True)
class Container:
    """An output container: the ffmpeg muxer, the file suffix and the content type."""

    format: str
    suffix: str
    content_type: str


MP4 = Container("mp4", ".mp4", "video/mp4")
QUICKTIME = Container("mov", ".mov", "video/quicktime")
MATROSKA = Container("matroska", ".mkv", "video/x-matroska")
# Codecs the mp4 muxer refuses (measured with PyAV 18): ProRes goes in QuickTime, VP8 in Matroska.
# Matroska has no edit lists and times in ms: there the audio matches the picture to the millisecond.
NOT_IN_MP4 = {"prores": QUICKTIME, "vp8": MATROSKA}


def container_for(video_path: Path) -> Container:
    """MP4 when it can hold ``video_path``'s video codec as it is, else the container that can."""
    with av.open(str(video_path)) as src:
        codec = src.streams.video[0].codec_context.codec.canonical_name  # "av1", not its decoder's name
    return NOT_IN_MP4.get(codec, MP4)


def mux(video_path: Path, audio: AudioBuffer | None, out_path: Path, container: Container = MP4) -> None:
    """``video_path``'s picture (copied, not re-encoded) with ``audio`` as AAC cut to its length, or silent.

    Any video stream is copied as it is: H.264 from our encoder, or a user's file with rotation
    metadata (the display matrix travels with the codec parameters), variable frame rate (timestamps
    and time base kept), B-frames whose first packets have no decode time (Matroska: the muxer
    derives it) or its own audio stream (not copied: ``audio`` replaces it).
    """
    duration, complete, start = _scan(video_path)
    if container is MATROSKA or (complete and _stream_duration(video_path) == duration):
        _mux_once(video_path, audio, out_path, container, (start, duration))
        return
    # The track's length follows the decode times the muxer writes, which need not span the timestamps
    # exactly: Matroska stores none for B-frames (the muxer derives them, measured a millisecond off),
    # and an edit list may state another length. Copy the picture once, measure it, then add the audio.
    staged = out_path.with_name(f".{out_path.stem}.picture{container.suffix}")
    try:
        _mux_once(video_path, None, staged, container, (start, duration))
        _mux_once(staged, audio, out_path, container, (_scan(staged)[2], _stream_duration(staged)))
    finally:
        staged.unlink(missing_ok=True)


def _mux_once(video_path: Path, audio: AudioBuffer | None, out_path: Path, container: Container,
              span: tuple[Fraction, Fraction]) -> None:
    """One pass; ``span``: the picture's first frame time and duration (s), which the audio matches."""
    try:
        with av.open(str(video_path)) as src:
            vin = src.streams.video[0]
            time_base = vin.time_base or Fraction(1, AUDIO_RATE)  # demuxed streams always have one
            options = {}
            if container is not MATROSKA:
                options = _mp4_options(time_base.denominator) if time_base.numerator == 1 else MP4_OPTIONS
            with av.open(str(out_path), "w", format=container.format, options=options) as out:
                _copy_with_audio(src, vin, out, time_base, audio, span)
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise


def _copy_with_audio(src: InputContainer, vin: av.VideoStream, out: OutputContainer, time_base: Fraction,
                     audio: AudioBuffer | None, span: tuple[Fraction, Fraction]) -> None:
    """Video packets copied in order, with audio encoded just ahead of them so the file interleaves.

    A picture whose first frame is late (a recorder's Matroska starting at 0.5 s) is moved to start at 0,
    with the audio: its packets keep their bytes, and the mp4 muxer's edit lists stay the usual ones (an
    audio track delayed to match counts the encoder's priming into its length, measured here)."""
    # opaque: the template's own codec, so no encoder of its name is needed (AV1 decodes with libdav1d)
    vout = out.add_stream_from_template(vin, opaque=True)
    vout.time_base = time_base
    aout: av.AudioStream | None = None
    pending: Iterator[av.AudioFrame] = iter(())
    if audio is not None:
        aout = out.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
        aout.bit_rate = AAC_BITRATE
        pending = _audio_frames(_audio_samples(audio, span[1]))
    audio_until = 0.0
    shift = round(span[0] / time_base)  # ticks: the first frame's time
    for packet in src.demux(vin):
        if packet.pts is None:  # nowhere to put it; a decode time alone is derived by the muxer
            continue
        at = (packet.dts if packet.dts is not None else packet.pts) - shift
        while aout is not None and audio_until < float(at * time_base) + AUDIO_AHEAD:
            frame = next(pending, None)
            if frame is None:
                break
            out.mux(aout.encode(frame))
            audio_until = ((frame.pts or 0) + frame.samples) / AUDIO_RATE
        packet.pts -= shift
        if packet.dts is not None:
            packet.dts -= shift
        packet.stream = vout
        out.mux(packet)
    if aout is not None:
        for frame in pending:
            out.mux(aout.encode(frame))
        out.mux(aout.encode(None))
