"""The public schema of ``soundstage/speech``: text, a voice, a stream format, a speed."""

from __future__ import annotations

import enum

from pydantic import BaseModel, Field

from soundstage.speech.controls import SPEED_RANGE

__all__ = ["MAX_INPUT_CHARS", "SpeechAudio", "SpeechFormat", "SpeechInput", "SpeechOutput"]

MAX_INPUT_CHARS = 8_000  # about eight minutes of speech (OpenAI's limit is 4,096)


class SpeechFormat(enum.Enum):
    MP3 = "mp3"
    OPUS = "opus"
    AAC = "aac"
    FLAC = "flac"
    WAV = "wav"
    PCM = "pcm"


class SpeechInput(BaseModel):
    input: str = Field(min_length=1, max_length=MAX_INPUT_CHARS, description="The text to speak.",
                       json_schema_extra={"x-ui": "textarea"})
    voice: str = Field(default="af_heart", description=(
        "A preset (kian_en_zh ...), a Kokoro voice (af_heart ...), a saved custom voice, an OpenAI voice "
        "name (alloy, echo, fable, onyx, nova, shimmer ...) or a blend: af_bella(2)+af_sky(1)."))
    response_format: SpeechFormat = Field(default=SpeechFormat.MP3, description=(
        "mp3, opus (Ogg), aac (ADTS), flac, wav, or pcm (24 kHz 16-bit little-endian mono)."))
    speed: float = Field(default=1.0, ge=SPEED_RANGE[0], le=SPEED_RANGE[1], description="Speaking rate.")
    language: str | None = Field(default=None, description=(
        "Language code (en, zh, ja, es, pt, id, fr, it, hi); by default found from the text."))
    stream: bool = Field(default=False, description=(
        "Emit the audio as it is made: events on /run/{id}/stream, first phrase first."))


class SpeechAudio(BaseModel):
    url: str
    content_type: str
    file_name: str
    file_size: int
    duration: float = Field(description="Seconds, measured by decoding the file written.")
    sample_rate: int
    channels: int


class SpeechOutput(BaseModel):
    audio: SpeechAudio
    voice: str = Field(description="The voice that spoke.")
    language: str
