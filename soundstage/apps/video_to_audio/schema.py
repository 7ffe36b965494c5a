"""The public schema of soundstage/video-to-audio: fal-ai/mmaudio-v2's field names, plus ours.

MMAudio's ``video_url``, ``prompt``, ``negative_prompt`` and ``seed`` mean what they mean there; its
``num_steps``, ``duration``, ``cfg_strength`` and ``mask_away_clip`` are accepted so ported code runs, and
have nothing to steer (the soundtrack is always exactly the video's length). Limits from the issue:
mp4/mov/webm/mkv up to 100 MB and 60 s.
"""

from __future__ import annotations

import enum

from pydantic import BaseModel, Field, field_validator

from soundstage.apps.schema import LOUDNESS_DESCRIPTION, AudioFile, Loudness, VideoFile, loudness_lufs

__all__ = ["MAX_LINES", "MAX_VIDEO_BYTES", "MAX_VIDEO_PIXELS", "MAX_VIDEO_SECONDS", "DialogueLine",
           "OriginalAudio", "OutputKind", "Stem", "VideoToAudioInput", "VideoToAudioOutput"]

MAX_VIDEO_BYTES = 100 * 1024 * 1024
MAX_VIDEO_SECONDS = 60.0
MAX_VIDEO_PIXELS = 4096 * 2160  # DCI 4K: larger frames are refused before they are decoded
MAX_PROMPT_CHARS = 5_000
MAX_LINES = 50


class OriginalAudio(enum.Enum):
    REPLACE = "replace"  # the new track only
    MIX = "mix"  # the video's own sound kept at its level under the new track
    DUCK = "duck"  # kept 12 dB down, and dipping further under the dialogue


class OutputKind(enum.Enum):
    VIDEO = "video"
    AUDIO = "audio"
    BOTH = "both"


class DialogueLine(BaseModel):
    start: float = Field(ge=0.0, le=MAX_VIDEO_SECONDS, description="Seconds from the start of the video.")
    speaker: str = Field(default="Speaker", min_length=1, max_length=64, description=(
        "Who says it: one voice per speaker for the whole video."))
    text: str = Field(min_length=1, max_length=1_000, description="The words, spoken exactly as written.")
    voice: str | None = Field(default=None, max_length=128, description=(
        "A voice id (GET /voices); omitted: chosen per speaker, distinct from the others."))

    @field_validator("text", "speaker")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty (only white space)")
        return value.strip()


class VideoToAudioInput(BaseModel):
    video_url: str = Field(description="mp4, mov, webm or mkv, up to 100 MB and 60 s.")
    prompt: str = Field(default="", max_length=MAX_PROMPT_CHARS, description=(
        "What should be heard: places, weather, things that hit, footsteps... Time ranges place parts: "
        "'0-3s: rainy street; 3-8s: inside a bar', or shots: 'shot 2: a kitchen'. Empty: soft foley for "
        "what moves, silence where nothing does."))
    negative_prompt: str = Field(default="", max_length=MAX_PROMPT_CHARS, description=(
        "Sounds to leave out: 'footsteps, traffic, music'."))
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1, description="Same seed, same bytes.")
    # MMAudio's knobs of its diffusion: accepted so its code ports, nothing here to steer
    num_steps: int | None = Field(default=None, ge=1, le=50,
                                  description="Accepted for MMAudio's code; unused.")
    duration: float | None = Field(default=None, ge=0, description=(
        "Accepted for MMAudio's code; unused: the track is always exactly the video's length."))
    cfg_strength: float | None = Field(default=None, description="Accepted for MMAudio's code; unused.")
    mask_away_clip: bool | None = Field(default=None, description="Accepted for MMAudio's code; unused.")
    # Beyond MMAudio
    dialogue: list[DialogueLine] | None = Field(default=None, max_length=MAX_LINES, description=(
        "Lines spoken at their times, in the chosen voices. Nothing else in the track is speech."))
    original_audio: OriginalAudio = Field(default=OriginalAudio.REPLACE, description=(
        "The video's own sound: replace (default), mix (kept under the new track) or duck "
        "(kept 12 dB down)."))
    music: str | None = Field(default=None, max_length=200, description=(
        "A music bed in this mood (calm, hopeful, sad, tense, mysterious, upbeat, or words for one). "
        "Off by default: no music unless asked."))
    loudness: Loudness = Field(default="default", description=LOUDNESS_DESCRIPTION)
    stems: bool = Field(default=False,
                        description="Also return each track (ambience, foley, dialogue...) as WAV.")
    output: OutputKind = Field(default=OutputKind.VIDEO, description=(
        "video: the MP4 with its new track; audio: the track alone (WAV); both."))

    @field_validator("music")
    @classmethod
    def _music(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @property
    def loudness_target(self) -> float:
        return loudness_lufs(self.loudness)


class Stem(BaseModel):
    track: str  # ambience, foley, dialogue, music, original
    audio: AudioFile


class VideoToAudioOutput(BaseModel):
    video: VideoFile | None = Field(default=None,
                                    description="The video with its new track (output video/both).")
    audio: AudioFile | None = Field(default=None,
                                    description="The track alone, 48 kHz stereo WAV (output audio/both).")
    stems: list[Stem] | None = None
    seed: int

