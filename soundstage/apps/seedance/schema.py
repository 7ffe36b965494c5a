"""The public schemas of the Seedance 2.0 endpoints (fal's pages), plus opt-in extras.

Limits from the pages: ``duration`` "auto" or 4-15 s (the string enum; the seed article sends the
integer 8, so both are accepted), 480p/720p/1080p (fast and mini: 480p/720p), images jpeg/png/webp up
to 30 MB, reference videos up to 3 (2-15 s combined, under 50 MB each), reference audio up to 3
(mp3/wav, 15 s combined, 15 MB each, only with an image or a video), at most 12 files in all.
"""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, field_validator, model_validator

from soundstage.apps.schema import (
    LOUDNESS_DESCRIPTION,
    File,
    Loudness,
    VideoFile,
    loudness_lufs,
    not_blank,
)

__all__ = [
    "MAX_AUDIO_BYTES",
    "MAX_AUDIO_SECONDS",
    "MAX_FILES",
    "MAX_IMAGE_BYTES",
    "MAX_VIDEO_BYTES",
    "MAX_VIDEO_SECONDS",
    "MIN_VIDEO_SECONDS",
    "AspectRatio",
    "FastImageToVideoInput",
    "FastReferenceToVideoInput",
    "FastTextToVideoInput",
    "ImageToVideoInput",
    "ReferenceToVideoInput",
    "SeedanceOutput",
    "TextToVideoInput",
    "VideoFile",
    "VideoInput",
]

MAX_PROMPT_CHARS = 5_000
MAX_IMAGE_BYTES = 30 * 1024 * 1024
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MAX_AUDIO_BYTES = 15 * 1024 * 1024
MIN_VIDEO_SECONDS, MAX_VIDEO_SECONDS = 2.0, 15.0  # combined length of the reference videos
MAX_AUDIO_SECONDS = 15.0  # combined length of the reference audio
MAX_IMAGES, MAX_VIDEOS, MAX_AUDIOS, MAX_FILES = 9, 3, 3, 12
DURATIONS = ("auto", *(str(s) for s in range(4, 16)))


class AspectRatio(enum.Enum):
    AUTO = "auto"
    R21_9 = "21:9"
    R16_9 = "16:9"
    R4_3 = "4:3"
    R1_1 = "1:1"
    R3_4 = "3:4"
    R9_16 = "9:16"

    @property
    def ratio(self) -> float:
        w, h = self.value.split(":")
        return int(w) / int(h)


def _duration(value: object) -> object:
    """The page's enum is strings ("auto", "4".."15"); the seed article sends 8."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


Duration = Annotated[Literal["auto", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"],
                     BeforeValidator(_duration)]


class VideoInput(BaseModel):
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS, description=(
        "The shot: subject, action, setting, lighting, camera move; "
        "dialogue in quotes or as dialogue: '...'."))
    resolution: Literal["480p", "720p", "1080p"] = Field(default="720p", description="Video resolution.")
    duration: Duration = Field(default="auto", description=(
        "Seconds (4-15), or auto: as long as the dialogue needs, 4-15 s."))
    aspect_ratio: AspectRatio = Field(default=AspectRatio.AUTO, description=(
        "auto: 16:9 for text, the image's nearest ratio for images."))
    generate_audio: bool = Field(default=True, description=(
        "A synced track (dialogue, ambience, foley; 48 kHz stereo; exactly the video's length). "
        "False: no audio stream; the dialogue still drives the lip movement."))
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1, description="Same seed, same bytes.")
    end_user_id: str | None = Field(default=None, max_length=256, description="Your end user's id (logged).")
    # Beyond fal: opt-in
    lipsync: bool = Field(default=False,
                          description="Return per-speaker visemes (OVR 15) with start and end.")
    subtitles: bool = Field(default=False, description="Return SRT and WebVTT subtitles of the dialogue.")
    stems: bool = Field(default=False,
                        description="Return dialogue, ambience and foley as separate WAV files.")
    loudness: Loudness = Field(default="default", description=LOUDNESS_DESCRIPTION)

    _prompt = field_validator("prompt")(not_blank)

    @property
    def loudness_target(self) -> float:
        return loudness_lufs(self.loudness)

    @property
    def seconds(self) -> float | None:
        return None if self.duration == "auto" else float(self.duration)


class TextToVideoInput(VideoInput):
    pass


class ImageToVideoInput(VideoInput):
    image_url: str = Field(description="The first frame: jpeg, png or webp, up to 30 MB.")
    end_image_url: str | None = Field(default=None, description="The last frame (optional).")


class ReferenceToVideoInput(VideoInput):
    image_urls: list[str] | None = Field(default=None, max_length=MAX_IMAGES, description=(
        "Up to 9 reference images (@Image1..@Image9): jpeg, png or webp, up to 30 MB each."))
    video_urls: list[str] | None = Field(default=None, max_length=MAX_VIDEOS, description=(
        "Up to 3 reference videos (@Video1..@Video3): 2-15 s combined, under 50 MB each."))
    audio_urls: list[str] | None = Field(default=None, max_length=MAX_AUDIOS, description=(
        "Up to 3 reference audio clips (@Audio1..@Audio3): mp3 or wav, 15 s combined, 15 MB each; "
        "needs at least one image or video. A clip named as a voice ('the voice of @Audio1') is matched."))

    @model_validator(mode="after")
    def _files(self) -> ReferenceToVideoInput:
        images, videos, audios = (len(x or []) for x in (self.image_urls, self.video_urls, self.audio_urls))
        if audios and not (images or videos):
            raise ValueError("audio_urls needs at least one image_urls or video_urls entry")
        if images + videos + audios > MAX_FILES:
            raise ValueError(f"{images + videos + audios} reference files; the limit is {MAX_FILES} in all")
        if not (images or videos):
            raise ValueError("reference-to-video needs at least one image_urls or video_urls entry")
        return self


FastResolution = Literal["480p", "720p"]
FAST_RESOLUTION = Field(default="720p",
                        description="Video resolution: 480p or 720p on the fast and mini tiers.")


class FastTextToVideoInput(TextToVideoInput):
    resolution: FastResolution = FAST_RESOLUTION  # type: ignore[assignment]


class FastImageToVideoInput(ImageToVideoInput):
    resolution: FastResolution = FAST_RESOLUTION  # type: ignore[assignment]


class FastReferenceToVideoInput(ReferenceToVideoInput):
    resolution: FastResolution = FAST_RESOLUTION  # type: ignore[assignment]






class Subtitles(BaseModel):
    srt: File
    vtt: File


class Stem(BaseModel):
    track: str
    audio: File


class SeedanceOutput(BaseModel):
    video: VideoFile
    seed: int
    lipsync: File | None = None
    subtitles: Subtitles | None = None
    stems: list[Stem] | None = None
