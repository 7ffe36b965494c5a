"""Storing what the run produced: the MP4 (every figure measured from the written file), and the opt-ins."""

from __future__ import annotations

import json
from pathlib import Path

from soundstage.apps.base import RunContext
from soundstage.apps.seedance.schema import File, SeedanceOutput, Stem, Subtitles, VideoFile, VideoInput
from soundstage.audio.buffer import MIX_RATE
from soundstage.audio.codecs import AudioFormat, encode
from soundstage.audio.render import Mix
from soundstage.production import subtitles
from soundstage.production.plan import Plan
from soundstage.video.plan import PicturePlan
from soundstage.video.probe import probe_video
from soundstage.video.visemes import lipsync_json

__all__ = ["output"]

MAX_OUTPUT_PIXELS = 2520 * 1080  # the largest frame we write: 1080p 21:9
MAX_OUTPUT_SECONDS = 16.0


def _file(data: bytes, name: str, content_type: str, ctx: RunContext) -> File:
    saved = ctx.save(data, file_name=name, content_type=content_type)
    return File(url=saved.url, content_type=saved.content_type, file_name=saved.file_name,
                file_size=saved.file_size)


def _video(path: Path, name: str, ctx: RunContext) -> VideoFile:
    info = probe_video(path, max_seconds=MAX_OUTPUT_SECONDS, max_pixels=MAX_OUTPUT_PIXELS)
    saved = ctx.save(path.read_bytes(), file_name=name, content_type="video/mp4")
    audio = (f"AAC {info.audio_rate} Hz {info.audio_channels} ch {info.audio_duration:.6f} s"
             if info.has_audio else "no audio stream")
    ctx.log(f"wrote {saved.file_name}: {info.width}x{info.height}, {info.fps:g} fps, {info.frames} frames, "
            f"{info.duration:.6f} s; {audio}; {saved.file_size} bytes")
    return VideoFile(url=saved.url, content_type=saved.content_type, file_name=saved.file_name,
                     file_size=saved.file_size, width=info.width, height=info.height, fps=info.fps,
                     duration=round(info.duration, 6), num_frames=info.frames, has_audio=info.has_audio)


def output(inp: VideoInput, path: Path, plan: Plan, picture: PicturePlan, mix: Mix | None,
           ctx: RunContext) -> SeedanceOutput:
    base = f"seedance-{ctx.request_id[:8]}"
    result = SeedanceOutput(video=_video(path, f"{base}.mp4", ctx), seed=ctx.seed)
    if inp.lipsync:
        document = lipsync_json(picture.characters, fps=picture.format.fps)
        result.lipsync = _file(json.dumps(document, indent=1).encode(), f"{base}-lipsync.json",
                               "application/json", ctx)
    if inp.subtitles:
        result.subtitles = Subtitles(
            srt=_file(subtitles.srt(plan.words).encode(), f"{base}.srt", "application/x-subrip", ctx),
            vtt=_file(subtitles.vtt(plan.words).encode(), f"{base}.vtt", "text/vtt", ctx))
    if inp.stems and mix is None:
        ctx.log("stems: none, since generate_audio is false", "WARN")
    elif inp.stems and mix is not None:
        result.stems = [Stem(track=stem.name, audio=_file(encode(stem.audio, AudioFormat.WAV, MIX_RATE).data,
                                                          f"{base}-{stem.name}.wav", "audio/wav", ctx))
                        for stem in mix.stems if stem.audio.samples.any()]
    ctx.progress(1.0)
    return result
