"""Schema pieces every app shares: fal's File objects (with what we measure) and the loudness field."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

__all__ = ["LOUDNESS_PRESETS", "AudioFile", "File", "Loudness", "VideoFile", "loudness_lufs", "not_blank"]

LOUDNESS_PRESETS = {"default": -16.0, "broadcast": -23.0, "streaming": -14.0}  # LUFS (EBU R128 = -23)
LOUDNESS_RANGE = (-30.0, -8.0)  # LUFS


def _check_loudness(value: float | str) -> float | str:
    if not isinstance(value, str) and not LOUDNESS_RANGE[0] <= value <= LOUDNESS_RANGE[1]:
        raise ValueError(f"{value} LUFS is outside the range {LOUDNESS_RANGE[0]:g}..{LOUDNESS_RANGE[1]:g}")
    return value


Loudness = Annotated[float | Literal["default", "broadcast", "streaming"], AfterValidator(_check_loudness)]
LOUDNESS_DESCRIPTION = ("Integrated loudness target in LUFS (-30..-8), or a preset: default -16, broadcast"
                        " -23, streaming -14.")


def not_blank(value: str) -> str:
    """A prompt of only white space is refused like an empty one."""
    if not value.strip():
        raise ValueError("the prompt is empty (only white space); at least 1 character is required")
    return value


def loudness_lufs(value: float | str) -> float:
    return LOUDNESS_PRESETS[value] if isinstance(value, str) else float(value)


class File(BaseModel):
    """fal's File object."""

    url: str
    content_type: str | None = None
    file_name: str | None = None
    file_size: int | None = None


class AudioFile(File):
    duration: float | None = Field(default=None,
                                   description="Seconds, measured by decoding the file written.")
    channels: int | None = None
    sample_rate: int | None = None


class VideoFile(File):
    width: int | None = Field(default=None, description="Pixels, measured from the file written.")
    height: int | None = None
    fps: float | None = None
    duration: float | None = Field(default=None, description="Seconds: the video stream's, from the file.")
    num_frames: int | None = None
    has_audio: bool | None = None
