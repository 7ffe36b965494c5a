"""Storing what the run produced; every figure reported is measured from the file written."""

from __future__ import annotations

from pathlib import Path

from soundstage.apps.base import RunContext
from soundstage.apps.schema import AudioFile, VideoFile
from soundstage.apps.video_to_audio.schema import (
    MAX_VIDEO_PIXELS,
    MAX_VIDEO_SECONDS,
    OutputKind,
    Stem,
    VideoToAudioInput,
    VideoToAudioOutput,
)
from soundstage.audio.buffer import MIX_RATE, AudioBuffer
from soundstage.audio.codecs import AudioFormat, encode, probe
from soundstage.audio.render import Mix
from soundstage.video.encode import Container
from soundstage.video.probe import probe_video

__all__ = ["output"]


def _video(path: Path, container: Container, name: str, ctx: RunContext) -> VideoFile:
    info = probe_video(path, max_seconds=MAX_VIDEO_SECONDS, max_pixels=MAX_VIDEO_PIXELS)
    saved = ctx.save(path.read_bytes(), file_name=f"{name}{container.suffix}",
                     content_type=container.content_type)
    ctx.log(f"wrote {saved.file_name}: {info.width}x{info.height}, {info.frames} frames,"
            f" {info.duration:.6f} s ({info.video_codec}, copied); AAC {info.audio_rate} Hz"
            f" {info.audio_channels} ch {info.audio_duration:.6f} s; {saved.file_size} bytes")
    return VideoFile(url=saved.url, content_type=saved.content_type, file_name=saved.file_name,
                     file_size=saved.file_size, width=info.width, height=info.height, fps=info.fps,
                     duration=round(info.duration, 6), num_frames=info.frames, has_audio=info.has_audio)


def _wav(buf: AudioBuffer, name: str, ctx: RunContext) -> AudioFile:
    encoded = encode(buf, AudioFormat.WAV, MIX_RATE, ctx.cancelled)
    measured = probe(encoded.data, AudioFormat.WAV, cancelled=ctx.cancelled)
    saved = ctx.save(encoded.data, file_name=f"{name}.wav", content_type=encoded.content_type)
    return AudioFile(url=saved.url, content_type=saved.content_type, file_name=saved.file_name,
                     file_size=saved.file_size, duration=round(measured.duration, 6),
                     channels=measured.channels, sample_rate=measured.sample_rate)


def output(inp: VideoToAudioInput, path: Path, container: Container, mix: Mix,
           ctx: RunContext) -> VideoToAudioOutput:
    base = f"video-to-audio-{ctx.request_id[:8]}"
    result = VideoToAudioOutput(seed=ctx.seed)
    if inp.output in (OutputKind.VIDEO, OutputKind.BOTH):
        result.video = _video(path, container, base, ctx)
    if inp.output in (OutputKind.AUDIO, OutputKind.BOTH):
        result.audio = _wav(mix.master, base, ctx)
    if inp.stems:
        result.stems = [Stem(track=stem.name, audio=_wav(stem.audio, f"{base}-{stem.name}", ctx))
                        for stem in mix.stems if stem.audio.samples.any()]
    ctx.progress(1.0)
    return result
