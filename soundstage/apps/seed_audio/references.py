"""Reference clips and the image: fetched, measured and refused at submit when they break the limits.

A clip is decoded in full (PyAV) to measure its real duration: a corrupt or mislabelled file is a
422 naming ``audio_urls[i]``, as is one over 30 s or 10 MB. Raw pcm has no header, so it is read as
16-bit little-endian with the rate and channels its content type gives (``audio/pcm;rate=..``),
24 kHz mono by default.
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
from soundstage.audio.codecs import AudioFormat, decode
from soundstage.errors import InvalidInput, SoundstageError
from soundstage.script.image import check_image
from soundstage.script.mentions import mentions

__all__ = ["PCM_TYPES", "Reference", "check_mentions", "load_clip"]

PCM_TYPES = ("audio/pcm", "audio/l16", "audio/x-pcm", "audio/raw")
DEFAULT_PCM_RATE = 24_000


@dataclass(frozen=True)
class Reference:
    index: int  # 1-based, as in @Audio1
    audio: AudioBuffer


def _pcm_params(content_type: str) -> tuple[int, int]:
    params = dict(p.strip().split("=", 1) for p in content_type.split(";")[1:] if "=" in p)
    return int(params.get("rate", DEFAULT_PCM_RATE)), int(params.get("channels", 1))


def load_clip(data: bytes, content_type: str, field: str) -> AudioBuffer:
    """Decode and measure a clip; InvalidInput naming ``field`` for anything unusable."""
    if len(data) > MAX_CLIP_BYTES:
        raise InvalidInput(f"{field}: clip is {len(data)} bytes; the limit is {MAX_CLIP_BYTES} (10 MB)", field=field,
                           value=f"{len(data)} bytes")
    try:
        if content_type.lower().startswith(PCM_TYPES):
            rate, channels = _pcm_params(content_type)
            clip = decode(data, AudioFormat.PCM, pcm_rate=rate, pcm_channels=channels)
        else:
            clip = decode(data)
    except (SoundstageError, ValueError, OSError) as e:  # av.error.* subclass OSError/ValueError
        raise InvalidInput(f"{field}: not a readable wav, mp3, pcm or ogg_opus clip ({type(e).__name__})",
                           field=field, value=content_type or "unknown type") from e
    if clip.duration > MAX_CLIP_SECONDS:
        raise InvalidInput(f"{field}: clip is {clip.duration:.1f} s; the limit is {MAX_CLIP_SECONDS:.0f} s",
                           field=field, value=f"{clip.duration:.1f} s")
    if clip.frames == 0:
        raise InvalidInput(f"{field}: clip holds no audio", field=field, value="0 s")
    return clip


def check_mentions(inp: SeedAudioInput) -> None:
    """``@Audio3`` with two references is an error, not a silent no-op."""
    count = len(inp.audio_urls or [])
    for m in mentions(inp.prompt):
        if m.kind == "audio" and not 1 <= m.index <= count:
            raise InvalidInput(f"prompt: mentions @Audio{m.index} but {count} reference clip(s) were given in "
                               f"audio_urls", field="prompt", value=m.text)


def check_image_bytes(data: bytes, field: str = "image_url") -> str:
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(f"{field}: image is {len(data)} bytes; the limit is {MAX_IMAGE_BYTES} (10 MB)",
                           field=field, value=f"{len(data)} bytes")
    return check_image(data, field)
