"""The public schema: every field of both fal pages for bytedance/seed-audio-1.0, plus opt-in extras.

Limits come from the seed pages: up to 3 reference clips of at most 30 s and 10 MB each, one image of
at most 10 MB that cannot be combined with audio, speed and volume 0.5-2, pitch -12..12 semitones,
sample rates 8-48 kHz (the page shows the rate as a string enum: both forms are accepted).
"""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, field_validator

from soundstage.apps.schema import (
    LOUDNESS_DESCRIPTION,
    LOUDNESS_PRESETS,
    AudioFile,
    Loudness,
    loudness_lufs,
    not_blank,
)

__all__ = [
    "LOUDNESS_PRESETS",
    "MAX_CLIP_BYTES",
    "MAX_CLIP_SECONDS",
    "MAX_IMAGE_BYTES",
    "MAX_OUTPUT_SECONDS",
    "MAX_PROMPT_CHARS",
    "MAX_REFERENCES",
    "SAMPLE_RATES",
    "AudioFile",
    "OutputFormat",
    "PromptMode",
    "SeedAudioInput",
    "SeedAudioOutput",
    "Stem",
    "Subtitles",
    "WordTiming",
]

SAMPLE_RATES = (8_000, 16_000, 24_000, 32_000, 44_100, 48_000)  # Hz, the page's enum
MAX_REFERENCES = 3
MAX_CLIP_SECONDS = 30.0
MAX_CLIP_BYTES = 10 * 1024 * 1024
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PROMPT_CHARS = 12_000  # about ten minutes of speech, the output limit below
MAX_OUTPUT_SECONDS = 600.0  # fal's is 2 minutes; ours is 10


class OutputFormat(enum.Enum):
    WAV = "wav"
    MP3 = "mp3"
    PCM = "pcm"
    OGG_OPUS = "ogg_opus"


class PromptMode(enum.Enum):
    AUTO = "auto"
    TEXT = "text"
    SCRIPT = "script"
    INSTRUCTION = "instruction"


def _rate(value: object) -> object:
    """The page shows "24000" (a string enum); clients also send 24000."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


SampleRate = Annotated[Literal[8000, 16000, 24000, 32000, 44100, 48000], BeforeValidator(_rate)]


class SeedAudioInput(BaseModel):
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS, description=(
        "Prompt or text to synthesize: plain text, a script, or an instruction. Reference audio inputs by"
        " order with @Audio1, @Audio2, @Audio3."))
    voice: str | None = Field(default=None, description=(
        "A preset voice (e.g. kian_en_zh), one of the 54 Kokoro voices (e.g. af_heart), "
        "or a custom voice id."))
    audio_urls: list[str] | None = Field(default=None, max_length=MAX_REFERENCES, description=(
        "Up to 3 reference audio URLs (or data URIs), referenced in the prompt as @Audio1..@Audio3. Each"
        " clip: up to 30 s, 10 MB, wav/mp3/pcm/ogg_opus."))
    image_url: str | None = Field(default=None, description=(
        "A single reference image URL (jpeg/png/webp, up to 10 MB). "
        "Cannot be combined with audio references."))
    output_format: OutputFormat = Field(default=OutputFormat.MP3, description="Output audio format.")
    sample_rate: SampleRate = Field(default=24_000, description="Sample rate of the output audio in Hz.")
    speed: float = Field(default=1.0, ge=0.5, le=2.0, description="Speech speed; 2.0 halves the duration.")
    volume: float = Field(default=1.0, ge=0.5, le=2.0, description="Gain after mastering: 2.0 is +6 dB.")
    pitch: int = Field(default=0, ge=-12, le=12, description="Voice pitch shift in semitones.")
    multilingual: bool = Field(default=False, description="Let the voice switch language with the text.")
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1, description="Same seed, same bytes.")
    # Beyond fal: opt-in
    mode: PromptMode = Field(default=PromptMode.AUTO, description="How to read the prompt; auto decides.")
    timestamps: bool = Field(default=False, description="Return word timings with speakers.")
    subtitles: bool = Field(default=False, description="Return SRT and WebVTT subtitle files.")
    stems: bool = Field(default=False,
                        description="Return one file per track (dialogue, ambience, foley, music).")
    loudness: Loudness = Field(default="default", description=LOUDNESS_DESCRIPTION)

    _prompt = field_validator("prompt")(not_blank)

    @field_validator("image_url")
    @classmethod
    def _image(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value and info.data.get("audio_urls"):
            raise ValueError("image_url cannot be combined with audio_urls; send one or the other")
        return value

    @property
    def loudness_target(self) -> float:
        return loudness_lufs(self.loudness)




class WordTiming(BaseModel):
    word: str
    speaker: str
    start: float
    end: float


class Subtitles(BaseModel):
    srt: AudioFile
    vtt: AudioFile


class Stem(BaseModel):
    track: str
    audio: AudioFile


class SeedAudioOutput(BaseModel):
    audio: AudioFile
    seed: int | None = None
    mode: str | None = None
    timestamps: list[WordTiming] | None = None
    subtitles: Subtitles | None = None
    stems: list[Stem] | None = None
