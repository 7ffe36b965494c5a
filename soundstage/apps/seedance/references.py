"""Reference files of the video endpoints: fetched, measured, and refused at submit when they break a limit.

Images are opened for their size only (a decompression bomb is refused before any pixel is decoded);
reference videos are probed by decoding (their real length, not the header's); audio clips are
decoded to measure them. Every refusal is a 422 naming the field, the value and the limit.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from soundstage.apps.seedance.schema import (
    MAX_AUDIO_BYTES,
    MAX_AUDIO_SECONDS,
    MAX_IMAGE_BYTES,
    MAX_VIDEO_BYTES,
    MAX_VIDEO_SECONDS,
    MIN_VIDEO_SECONDS,
)
from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.intake import ClipLimits, read_clip
from soundstage.errors import InvalidInput
from soundstage.script.image import MAX_IMAGE_PIXELS, check_image
from soundstage.script.mentions import mentions
from soundstage.video.probe import VideoInfo, probe_video

__all__ = ["MAX_IMAGE_PIXELS", "check_mentions", "load_audio", "load_image", "probe_reference_video"]

MAX_REFERENCE_PIXELS = 3840 * 2160  # per frame of a reference video
AUDIO_TYPES = ("mp3", "wav")
AUDIO_LIMITS = ClipLimits(MAX_AUDIO_SECONDS, formats="mp3,wav", described="mp3 or wav")


def _too_big(field: str, size: int, limit: int) -> InvalidInput:
    return InvalidInput(f"{field}: file is {size} bytes; the limit is {limit} ({limit >> 20} MB)",
                        field=field, value=f"{size} bytes")


def image_size(data: bytes, field: str) -> tuple[int, int]:
    """Width and height of a real JPEG/PNG/WebP within the pixel limit (read from the header only)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_big(field, len(data), MAX_IMAGE_BYTES)
    check_image(data, field)
    with Image.open(io.BytesIO(data)) as img:
        width, height = img.size
    if width * height > MAX_IMAGE_PIXELS or width < 2 or height < 2:
        raise InvalidInput(f"{field}: image is {width}x{height}; the limit is {MAX_IMAGE_PIXELS:,} pixels "
                           f"(at least 2x2)", field=field, value=f"{width}x{height}")
    return width, height


def load_image(data: bytes, field: str) -> npt.NDArray[np.uint8]:
    """The image as RGB pixels (H, W, 3), after the checks of ``image_size``."""
    image_size(data, field)
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"), dtype=np.uint8)


def probe_reference_video(data: bytes, field: str, workdir: Path | None = None) -> VideoInfo:
    if len(data) > MAX_VIDEO_BYTES:
        raise _too_big(field, len(data), MAX_VIDEO_BYTES)
    with tempfile.NamedTemporaryFile(suffix=".video", dir=workdir) as tmp:
        tmp.write(data)
        tmp.flush()
        return probe_video(Path(tmp.name), max_seconds=MAX_VIDEO_SECONDS, max_pixels=MAX_REFERENCE_PIXELS,
                           field=field)


def check_video_total(seconds: list[float]) -> None:
    total = sum(seconds)
    if seconds and not MIN_VIDEO_SECONDS <= total <= MAX_VIDEO_SECONDS:
        raise InvalidInput(f"video_urls: the videos run {total:.1f} s combined; the limit is "
                           f"{MIN_VIDEO_SECONDS:g}-{MAX_VIDEO_SECONDS:g} s", field="video_urls",
                           value=f"{total:.1f} s")


def load_audio(data: bytes, content_type: str, field: str) -> AudioBuffer:
    if len(data) > MAX_AUDIO_BYTES:
        raise _too_big(field, len(data), MAX_AUDIO_BYTES)
    return read_clip(data, content_type, field, AUDIO_LIMITS)  # bounded, cut files refused (issue 9)


def check_audio_total(clips: list[AudioBuffer]) -> None:
    total = sum(c.duration for c in clips)
    if total > MAX_AUDIO_SECONDS:
        raise InvalidInput(f"audio_urls: the clips run {total:.1f} s combined; the limit is "
                           f"{MAX_AUDIO_SECONDS:g} s", field="audio_urls", value=f"{total:.1f} s")


@dataclass(frozen=True)
class Counts:
    images: int
    videos: int
    audios: int


def check_mentions(prompt: str, counts: Counts) -> None:
    """``@Video2`` with one video is an error, not a silent no-op."""
    have = {"image": counts.images, "video": counts.videos, "audio": counts.audios}
    for m in mentions(prompt):
        if not 1 <= m.index <= have[m.kind]:
            raise InvalidInput(f"prompt: mentions {m.text} but {have[m.kind]} {m.kind} reference(s) were"
                               f" given in {m.kind}_urls", field="prompt", value=m.text)
