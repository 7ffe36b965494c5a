"""soundstage/video-to-audio: a soundtrack for a video the user already has, muxed at exactly its length.

Submit: the video is fetched, measured by decoding (``probe_video``: not a video, no video stream, no
frame, too long, too large are a 422 and nothing is queued) and kept; the dialogue's times and voices
are checked against it. Run: the picture is analysed (cuts, motion, events, rhythm, looks), the prompt's
sections become beds and foley on those events, the dialogue is spoken at its times, everything is mixed
and mastered to the video's exact length, and the video's packets are copied into the result with the new
AAC track (``mux``): the picture is never re-encoded.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from soundstage.apps.base import Admission, App, AppEnv, RunContext, Runner
from soundstage.apps.video_to_audio import deliver
from soundstage.apps.video_to_audio.design import DesignInputs, Original, design, dialogue_lines
from soundstage.apps.video_to_audio.schema import (
    MAX_VIDEO_BYTES,
    MAX_VIDEO_PIXELS,
    MAX_VIDEO_SECONDS,
    DialogueLine,
    OriginalAudio,
    VideoToAudioInput,
    VideoToAudioOutput,
)
from soundstage.apps.video_to_audio.sections import sections
from soundstage.apps.video_to_audio.speak import speak
from soundstage.audio.buffer import MIX_RATE, AudioBuffer
from soundstage.audio.render import render
from soundstage.audio.resample import STEREO, resample, to_channels
from soundstage.errors import InvalidInput
from soundstage.speech.voices import resolve_voice
from soundstage.video.analysis import Analysis, analyse_video
from soundstage.video.encode import container_for, mux, video_duration
from soundstage.video.probe import VideoInfo, open_video, probe_video

__all__ = ["APP_ID", "video_to_audio_app"]

APP_ID = "soundstage/video-to-audio"
DESCRIPTION = ("A soundtrack for your video: cuts, motion and the prompt become ambience per shot, foley on"
               " what moves, and the dialogue you give; music only when asked. The picture is copied as it is"
               " and the new AAC track is exactly its length.")


def _probe(data: bytes, workdir: Path | None = None) -> VideoInfo:
    with tempfile.NamedTemporaryFile(suffix=".video", dir=workdir) as tmp:
        tmp.write(data)
        tmp.flush()
        return probe_video(Path(tmp.name), max_seconds=MAX_VIDEO_SECONDS, max_pixels=MAX_VIDEO_PIXELS,
                           field="video_url")


def _check_dialogue(lines: list[DialogueLine], seconds: float) -> None:
    for i, line in enumerate(lines):
        if line.start >= seconds:
            raise InvalidInput(f"dialogue[{i}].start: {line.start:g} s is past the video's end"
                               f" ({seconds:.3f} s)", field=f"dialogue.{i}.start", value=line.start)
        if line.voice is not None:
            try:
                resolve_voice(line.voice)
            except InvalidInput as e:
                raise InvalidInput(f"dialogue[{i}].voice: {e}", field=f"dialogue.{i}.voice",
                                   value=line.voice) from e


def admit(inp: VideoToAudioInput, admission: Admission) -> VideoToAudioInput:
    """The video measured before anything is queued; the worker reads our copy."""
    data, content_type = admission.fetch(inp.video_url, field="video_url", limit=MAX_VIDEO_BYTES)
    info = _probe(data)
    if info.duration <= 0:
        raise InvalidInput("video_url: the video has no length", field="video_url", value="0 s")
    _check_dialogue(inp.dialogue or [], info.duration)
    kept = admission.keep(data, file_name="video", content_type=content_type or "video/mp4")
    return inp.model_copy(update={"video_url": kept})


def _original(path: Path, mode: OriginalAudio, log: Callable[[str, str], None]) -> Original | None:
    """The video's own sound, decoded, placed where it starts against the picture (or None)."""
    if mode is OriginalAudio.REPLACE:
        return None
    with open_video(path, "video_url") as container:
        if not container.streams.audio:
            log(f"original_audio {mode.value}: the video has no sound of its own; the new track replaces"
                " nothing", "WARN")
            return None
        stream, video = container.streams.audio[0], container.streams.video[0]
        chunks, rate = [], 0
        for frame in container.decode(stream):
            rate = frame.sample_rate
            chunks.append(np.atleast_2d(frame.to_ndarray().astype(np.float32)))
        offset = _start(stream) - _start(video)
    if not chunks:
        return None
    planar = np.concatenate([c if c.shape[0] <= 8 else c.reshape(1, -1) for c in chunks], axis=1)
    audio = to_channels(resample(AudioBuffer(np.ascontiguousarray(planar.T), rate), MIX_RATE), STEREO)
    return Original(audio, offset, ducked=mode is OriginalAudio.DUCK)


def _start(stream: av.stream.Stream) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


@dataclass
class VideoToAudio:
    env: AppEnv

    def run(self, inp: VideoToAudioInput, ctx: RunContext) -> VideoToAudioOutput:
        with tempfile.TemporaryDirectory(prefix="video-to-audio-") as tmp:
            return self._run(inp, ctx, Path(tmp))

    def _run(self, inp: VideoToAudioInput, ctx: RunContext, workdir: Path) -> VideoToAudioOutput:
        kit = self.env.toolkit
        source = workdir / "input.video"
        source.write_bytes(ctx.fetch(inp.video_url, field="video_url", limit=MAX_VIDEO_BYTES)[0])
        ctx.progress(0.02, "analysing the picture")
        analysis = analyse_video(source, max_seconds=MAX_VIDEO_SECONDS, max_pixels=MAX_VIDEO_PIXELS,
                                 cancelled=ctx.cancelled, progress=lambda f: ctx.progress(0.02 + 0.5 * f))
        self._log_analysis(analysis, ctx)
        duration = float(video_duration(source))
        parts = sections(inp.prompt, analysis)
        for part in parts:
            ctx.log(f"{part.start:.2f}-{part.end:.2f} s{' (placed)' if part.timed else ''}: {part.text}")
        ctx.progress(0.55, "sounding it")
        lines, spoken_notes = speak(inp.dialogue or [], kit.speech(), duration, ctx.seed, ctx.log)
        plan = design(DesignInputs(parts, inp.negative_prompt, inp.music, dialogue_lines(lines),
                                   _original(source, inp.original_audio, ctx.log), inp.loudness_target,
                                   ctx.seed),
                      analysis, duration, kit.sounds(), kit.lexicon())
        for note in (*spoken_notes, *plan.notes):
            ctx.log(note, "WARN")
        ctx.log(f"foley: {'; '.join(plan.placed) or 'none'}")
        ctx.check_cancelled()
        mix = render(plan.timeline, plan.sources)
        ctx.progress(0.9, "muxing")
        container = container_for(source)
        out = workdir / f"out{container.suffix}"
        mux(source, mix.master, out, container)
        return deliver.output(inp, out, container, mix, ctx)

    def _log_analysis(self, analysis: Analysis, ctx: RunContext) -> None:
        looks = "; ".join(f"shot {s.index + 1} {s.start:.2f}-{s.end:.2f} s brightness {s.brightness:.2f}"
                          for s in analysis.shots)
        impacts = [f"{e.time:.2f}" for e in analysis.events if e.kind.value == "impact"]
        rhythm = "; ".join(f"every {c.period:.2f} s ({len(c.beats)} beats)" for c in analysis.cadences)
        ctx.log(f"picture: {analysis.frames} frames, {analysis.duration:.3f} s; {looks}; impacts at "
                f"{', '.join(impacts) or 'none'}; rhythm: {rhythm or 'none'}")


def load(env: AppEnv) -> Runner:
    return VideoToAudio(env).run  # type: ignore[return-value]


def video_to_audio_app() -> App:
    return App(id=APP_ID, title="Video to audio", input=VideoToAudioInput, output=VideoToAudioOutput,
               load=load, admit=admit,  # type: ignore[arg-type]
               description=DESCRIPTION, tags=("video", "audio"))
