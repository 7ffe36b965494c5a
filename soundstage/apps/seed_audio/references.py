"""Reference clips and the image: fetched, measured and refused at submit when they break the limits.

A clip is decoded (``audio.intake``: bounded, only wav/mp3/ogg demuxers, cut files refused) to
measure its real duration: a corrupt, truncated or mislabelled file is a 422 naming ``audio_urls[i]``,
as is one over 30 s or 10 MB. Raw pcm has no header, so it is read as 16-bit little-endian with the
rate and channels its content type gives (``audio/pcm;rate=..``), 24 kHz mono by default.
"""

from __future__ import annotations

from dataclasses import dataclass

from soundstage.apps.seed_audio.schema import (
    MAX_CLIP_BYTES,
    MAX_CLIP_SECONDS,
    MAX_IMAGE_BYTES,
    SeedAudioInput,
)
from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.intake import PCM_TYPES, ClipLimits, read_clip
from soundstage.errors import InvalidInput
from soundstage.script.image import check_image
from soundstage.script.mentions import mentions

__all__ = ["PCM_TYPES", "Reference", "check_mentions", "load_clip"]

CLIP_LIMITS = ClipLimits(MAX_CLIP_SECONDS)


@dataclass(frozen=True)
class Reference:
    index: int  # 1-based, as in @Audio1
    audio: AudioBuffer


def load_clip(data: bytes, content_type: str, field: str) -> AudioBuffer:
    """Decode and measure a clip; InvalidInput naming ``field`` for anything unusable."""
    if len(data) > MAX_CLIP_BYTES:
        raise InvalidInput(f"{field}: clip is {len(data)} bytes; the limit is {MAX_CLIP_BYTES} (10 MB)",
                           field=field, value=f"{len(data)} bytes")
    return read_clip(data, content_type, field, CLIP_LIMITS)


def check_mentions(inp: SeedAudioInput) -> None:
    """``@Audio3`` with two references is an error, not a silent no-op."""
    count = len(inp.audio_urls or [])
    for m in mentions(inp.prompt):
        if m.kind == "audio" and not 1 <= m.index <= count:
            raise InvalidInput(f"prompt: mentions @Audio{m.index} but {count} reference clip(s) were given"
                               f" in audio_urls", field="prompt", value=m.text)


def check_image_bytes(data: bytes, field: str = "image_url") -> str:
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(f"{field}: image is {len(data)} bytes; the limit is {MAX_IMAGE_BYTES} (10 MB)",
                           field=field, value=f"{len(data)} bytes")
    return check_image(data, field)
