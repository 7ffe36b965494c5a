"""The ``soundstage/speech`` app: text to speech in one voice, encoded while it is synthesized.

With ``stream`` on, each encoded piece goes out as an event the moment the encoder releases it (the
first phrase first: ``speech.stream``), so ``/run/soundstage/speech/stream`` and the OpenAI route
can start playing before the rest exists. The stored file is exactly the concatenation of the events.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from soundstage.apps.base import Admission, App, AppEnv, RunContext, Runner
from soundstage.apps.speech.schema import SpeechAudio, SpeechInput, SpeechOutput
from soundstage.apps.speech.voices import speech_voice
from soundstage.audio.buffer import SPEECH_RATE
from soundstage.audio.codecs import decode
from soundstage.audio.streaming import StreamEncoder, StreamFormat, wav_header
from soundstage.errors import InvalidInput
from soundstage.production.casting import line_language
from soundstage.settings import Settings
from soundstage.speech.controls import Controls
from soundstage.speech.engine import SpeechEngine, SpeechRequest
from soundstage.speech.languages import Language, parse_language
from soundstage.speech.stream import stream_speech
from soundstage.speech.voices import CustomVoices, Voice

__all__ = ["APP_ID", "speech_app"]

APP_ID = "soundstage/speech"
DESCRIPTION = ("Text to speech in any preset, Kokoro or blended voice; mp3, opus, aac, flac, wav or pcm, "
               "streamed as it is made (first phrase first). The engine behind the OpenAI-compatible "
               "/v1/audio/speech.")
CHANNELS = 1
WAV_HEADER_BYTES = 44


def custom_voices(settings: Settings) -> CustomVoices:
    return CustomVoices(settings.data_dir / "voices.json")


def language_of(inp: SpeechInput, voice: Voice) -> Language:
    if not inp.language:
        return line_language(inp.input, voice)
    try:
        return parse_language(inp.language)
    except ValueError as e:  # found by the schema fuzz (issue 9): a 422 naming the field, not a 500
        raise InvalidInput(f"language: {e}", field="language", value=inp.language) from e


def admit(inp: SpeechInput, admission: Admission) -> SpeechInput:
    """Voice and language are checked before anything is queued (a 422 naming the known values)."""
    language_of(inp, speech_voice(inp.voice, custom_voices(admission.settings)))
    return inp


def content_type(fmt: StreamFormat) -> str:
    if fmt is StreamFormat.PCM:
        return f"audio/pcm;rate={SPEECH_RATE};channels={CHANNELS};format=s16le"
    return fmt.content_type


@dataclass
class Speaker:
    settings: Settings
    engine: SpeechEngine

    def run(self, inp: SpeechInput, ctx: RunContext) -> SpeechOutput:
        voice = speech_voice(inp.voice, custom_voices(self.settings))
        language = language_of(inp, voice)
        fmt = StreamFormat(inp.response_format.value)
        ctx.log(f"voice {voice.id}, language {language.value}, {len(inp.input)} characters, {fmt.value}")
        request = SpeechRequest(inp.input, language, voice, Controls(speed=inp.speed))
        encoder = StreamEncoder(fmt, SPEECH_RATE, CHANNELS)
        parts: list[bytes] = []
        spoken = 0
        for index, chunk in enumerate(stream_speech(self.engine, request)):
            ctx.check_cancelled()
            parts.append(encoder.push(chunk.audio))
            if inp.stream:
                ctx.emit(_event(index, parts[-1], fmt, text=chunk.text, offset=chunk.offset,
                                duration=chunk.audio.duration))
            spoken += len(chunk.text)
            ctx.progress(min(spoken / len(inp.input), 0.99))
        parts.append(encoder.close())
        if inp.stream:
            ctx.emit(_event(len(parts) - 1, parts[-1], fmt, final=True))
        audio = self._save(b"".join(parts), fmt, ctx)
        return SpeechOutput(audio=audio, voice=voice.id, language=language.value)

    def _save(self, data: bytes, fmt: StreamFormat, ctx: RunContext) -> SpeechAudio:
        if fmt is StreamFormat.WAV:  # the stored file knows its length, unlike the stream's header
            data = wav_header(SPEECH_RATE, CHANNELS, len(data) - WAV_HEADER_BYTES) + data[WAV_HEADER_BYTES:]
        if fmt is StreamFormat.PCM:
            rate, channels, duration = SPEECH_RATE, CHANNELS, len(data) / (2 * CHANNELS * SPEECH_RATE)
        else:
            decoded = decode(data)
            rate, channels, duration = decoded.rate, decoded.channels, decoded.duration
        saved = ctx.save(data, file_name=f"speech-{ctx.request_id[:8]}.{fmt.extension}",
                         content_type=content_type(fmt))
        ctx.log(f"wrote {saved.file_name}: {duration:.2f} s, {saved.file_size} bytes")
        ctx.progress(1.0)
        return SpeechAudio(url=saved.url, content_type=saved.content_type, file_name=saved.file_name,
                           file_size=saved.file_size, duration=round(duration, 6), sample_rate=rate,
                           channels=channels)


def _event(index: int, data: bytes, fmt: StreamFormat, **extra: Any) -> dict[str, Any]:
    """One stream event: base64 bytes of the file, in order (their concatenation is the file)."""
    return {"type": "audio", "index": index, "content_type": content_type(fmt),
            "data": base64.b64encode(data).decode("ascii"), **extra}


def load(env: AppEnv) -> Runner:
    return Speaker(env.settings, env.toolkit.speech()).run  # type: ignore[return-value]


def speech_app() -> App:
    from soundstage.apps.speech.routes import routes

    return App(id=APP_ID, title="Speech", input=SpeechInput, output=SpeechOutput, load=load,
               description=DESCRIPTION, admit=admit, routes=routes())


APP = speech_app
