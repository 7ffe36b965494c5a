"""Encoding and storing what the run produced; every reported figure is measured from the file written."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable

from soundstage.apps.base import RunContext
from soundstage.apps.seed_audio.schema import (
    AudioFile,
    OutputFormat,
    SeedAudioInput,
    SeedAudioOutput,
    Stem,
    Subtitles,
    WordTiming,
)
from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.codecs import AudioFormat, encode_stream, probe
from soundstage.audio.render import block_frames
from soundstage.audio.spill import Spill
from soundstage.production import subtitles
from soundstage.production.produce import Production
from soundstage.script.model import Script

__all__ = ["output", "save_audio"]


def save_audio(audio: AudioBuffer | Spill, fmt: OutputFormat, rate: int, name: str,
               ctx: RunContext) -> AudioFile:
    """Encode ``audio`` block by block into a temporary file, measure that file, store it."""
    audio_format = AudioFormat(fmt.value)
    if isinstance(audio, AudioBuffer):
        parts: Iterable[AudioBuffer] = [audio]
        frames, channels = audio.frames, audio.channels
    else:
        parts, frames, channels = (audio.blocks(block_frames(audio.rate), ctx.cancelled), audio.frames,
                                   audio.channels)
    with tempfile.TemporaryFile() as file:
        content_type, extension = encode_stream(parts, frames, audio.rate, channels, audio_format, rate, file,
                                                ctx.cancelled)
        file.seek(0)
        measured = probe(file, audio_format, pcm_rate=rate, pcm_channels=channels, cancelled=ctx.cancelled)
        ctx.check_cancelled()
        file.seek(0)
        saved = ctx.save(file, file_name=f"{name}.{extension}", content_type=content_type)
    return AudioFile(url=saved.url, content_type=saved.content_type, file_name=saved.file_name,
                     file_size=saved.file_size, duration=round(measured.duration, 6),
                     channels=measured.channels, sample_rate=measured.sample_rate)


def _text_file(text: str, name: str, content_type: str, ctx: RunContext) -> AudioFile:
    saved = ctx.save(text.encode(), file_name=name, content_type=content_type)
    return AudioFile(url=saved.url, content_type=saved.content_type, file_name=saved.file_name,
                     file_size=saved.file_size)


def output(inp: SeedAudioInput, final: Spill, production: Production, ctx: RunContext,
           script: Script) -> SeedAudioOutput:
    base = f"seed-audio-{ctx.request_id[:8]}"
    audio = save_audio(final, inp.output_format, inp.sample_rate, base, ctx)
    ctx.log(f"wrote {audio.file_name}: {audio.duration:.2f} s, {audio.channels} ch, {audio.sample_rate} Hz,"
            f" {audio.file_size} bytes")
    result = SeedAudioOutput(audio=audio, seed=ctx.seed, mode=script.mode.value)
    if inp.timestamps:
        result.timestamps = [WordTiming(word=w.word, speaker=w.speaker, start=round(w.start, 3),
                                        end=round(w.end, 3))
                             for w in production.words]
    if inp.subtitles:
        result.subtitles = Subtitles(srt=_text_file(subtitles.srt(production.words), f"{base}.srt",
                                                    "application/x-subrip", ctx),
                                     vtt=_text_file(subtitles.vtt(production.words), f"{base}.vtt",
                                                    "text/vtt", ctx))
    if inp.stems:
        result.stems = [Stem(track=stem.name, audio=save_audio(stem.audio, inp.output_format, inp.sample_rate,
                                                               f"{base}-{stem.name}", ctx))
                        for stem in production.mix.stems if stem.audio.peak > 0]
    ctx.progress(1.0)
    return result
