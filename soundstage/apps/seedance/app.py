"""The Seedance 2.0 endpoints: a video whose one track (dialogue, ambience, foley) is made with the picture.

The run: prompt -> Script (who says what, the setting) -> production plan (lines spoken and placed,
fitted to the duration; beds and foley) -> the picture (from the plan's visemes and captions) and
the mix render in parallel -> mux (video packets copied, AAC track of exactly the video's length).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from soundstage.apps.base import Admission, App, AppEnv, RunContext, Runner
from soundstage.apps.seedance import deliver
from soundstage.apps.seedance.picture import FPS, PictureInputs, frame_size, nearest_ratio, picture_plan
from soundstage.apps.seedance.references import (
    Counts,
    check_audio_total,
    check_mentions,
    check_video_total,
    image_size,
    load_audio,
    load_image,
    probe_reference_video,
)
from soundstage.apps.seedance.schema import (
    MAX_AUDIO_BYTES,
    MAX_IMAGE_BYTES,
    MAX_VIDEO_BYTES,
    AspectRatio,
    FastImageToVideoInput,
    FastReferenceToVideoInput,
    FastTextToVideoInput,
    ImageToVideoInput,
    ReferenceToVideoInput,
    SeedanceOutput,
    TextToVideoInput,
    VideoInput,
)
from soundstage.audio.buffer import AudioBuffer
from soundstage.production.casting import cast, script_language
from soundstage.production.plan import ProductionOptions
from soundstage.production.produce import Watch, render_plan
from soundstage.production.produce import plan as plan_production
from soundstage.script.mentions import mentions, reference_roles, strip_mentions
from soundstage.script.model import Cue, CueKind, Script
from soundstage.script.video_prompt import parse_video_prompt
from soundstage.speech.controls import Controls
from soundstage.video.encode import encode_video, mux
from soundstage.video.plan import Footage, Still, VideoFormat
from soundstage.video.renderer import Frame

__all__ = ["ENDPOINTS", "seedance_apps"]

ROOT = "bytedance/seedance-2.0"
MIN_SECONDS, MAX_SECONDS = 4.0, 15.0  # duration "auto" follows the dialogue within these
MAX_SPEEDUP = 1.25  # dialogue that overflows the duration is spoken at most this much faster
LEAD_IN = 0.5  # s of scene before the first line
DESCRIPTION = ("Seedance 2.0 {kind} with native audio: one synced track (dialogue, ambience, foley; 48 kHz"
               " stereo; exactly the video's length). Offline picture: an animatic (storyboard in motion)"
               " with lip-synced speaker cards.")


@dataclass(frozen=True)
class Endpoint:
    id: str
    title: str
    input: type[VideoInput]


ENDPOINTS = (
    Endpoint(f"{ROOT}/text-to-video", "Seedance 2.0 text-to-video", TextToVideoInput),
    Endpoint(f"{ROOT}/image-to-video", "Seedance 2.0 image-to-video", ImageToVideoInput),
    Endpoint(f"{ROOT}/reference-to-video", "Seedance 2.0 reference-to-video", ReferenceToVideoInput),
    Endpoint(f"{ROOT}/fast/text-to-video", "Seedance 2.0 fast text-to-video", FastTextToVideoInput),
    Endpoint(f"{ROOT}/fast/image-to-video", "Seedance 2.0 fast image-to-video", FastImageToVideoInput),
    Endpoint(f"{ROOT}/fast/reference-to-video", "Seedance 2.0 fast reference-to-video",
             FastReferenceToVideoInput),
    Endpoint(f"{ROOT}/mini/reference-to-video", "Seedance 2.0 mini reference-to-video",
             FastReferenceToVideoInput),
)


def admit(inp: VideoInput, admission: Admission) -> VideoInput:
    """Every reference fetched and measured before anything is queued; the worker reads our copies."""
    update: dict[str, object] = {}
    if isinstance(inp, ImageToVideoInput):
        update["image_url"] = _keep(inp.image_url, "image_url", admission)
        if inp.end_image_url:
            update["end_image_url"] = _keep(inp.end_image_url, "end_image_url", admission)
        check_mentions(inp.prompt, Counts(1, 0, 0))
    elif isinstance(inp, ReferenceToVideoInput):
        images, videos, audios = inp.image_urls or [], inp.video_urls or [], inp.audio_urls or []
        check_mentions(inp.prompt, Counts(len(images), len(videos), len(audios)))
        update["image_urls"] = [_keep(u, f"image_urls[{i}]", admission) for i, u in enumerate(images)] or None
        seconds, kept = [], []
        for i, url in enumerate(videos):
            data, content_type = admission.fetch(url, field=f"video_urls[{i}]", limit=MAX_VIDEO_BYTES)
            seconds.append(probe_reference_video(data, f"video_urls[{i}]").duration)
            kept.append(admission.keep(data, file_name=f"reference-video-{i + 1}", content_type=content_type))
        check_video_total(seconds)
        update["video_urls"] = kept or None
        clips, kept = [], []
        for i, url in enumerate(audios):
            data, content_type = admission.fetch(url, field=f"audio_urls[{i}]", limit=MAX_AUDIO_BYTES)
            clips.append(load_audio(data, content_type, f"audio_urls[{i}]"))
            kept.append(admission.keep(data, file_name=f"reference-audio-{i + 1}", content_type=content_type))
        check_audio_total(clips)
        update["audio_urls"] = kept or None
    else:
        check_mentions(inp.prompt, Counts(0, 0, 0))
    return inp.model_copy(update=update)


def _keep(url: str, field: str, admission: Admission) -> str:
    data, content_type = admission.fetch(url, field=field, limit=MAX_IMAGE_BYTES)
    image_size(data, field)
    return admission.keep(data, file_name=field.replace("[", "-").rstrip("]"), content_type=content_type)


@dataclass(frozen=True)
class _References:
    images: tuple[Still, ...] = ()
    end_image: Still | None = None
    footage: tuple[Footage, ...] = ()
    audio: tuple[AudioBuffer, ...] = ()


@dataclass
class Seedance:
    env: AppEnv

    def run(self, inp: VideoInput, ctx: RunContext) -> SeedanceOutput:
        with tempfile.TemporaryDirectory(prefix="seedance-") as tmp:
            return self._run(inp, ctx, Path(tmp))

    def _run(self, inp: VideoInput, ctx: RunContext, workdir: Path) -> SeedanceOutput:
        kit = self.env.toolkit
        refs = self._references(inp, ctx, workdir)
        prompt = strip_mentions(inp.prompt)
        script, voice = self._script(inp, refs, ctx)
        voices = self._cast(script, voice, refs, ctx)
        options = ProductionOptions(Controls(), inp.loudness_target, ctx.seed, duration=inp.seconds,
                                    max_speedup=MAX_SPEEDUP, lead_in=LEAD_IN, spots_clear_of_speech=True,
                                    min_duration=MIN_SECONDS, max_duration=MAX_SECONDS, step=1 / FPS)
        plan, sources = plan_production(script, voices, kit.speech(), kit.sounds(), kit.lexicon(), options,
                                        {i + 1: c for i, c in enumerate(refs.audio)},
                                        Watch(self._on_line(ctx), ctx.cancelled))
        for note in plan.notes:
            ctx.log(note, "WARN")
        fmt = VideoFormat(*self._size(inp, refs), fps=FPS, frames=round(plan.duration * FPS))
        ctx.log(f"plan: {fmt.duration:.3f} s ({fmt.frames} frames at {FPS} fps), {len(plan.lines)} line(s): "
                + "; ".join(f"{ln.start:.2f}-{ln.end:.2f} s {ln.speaker}" for ln in plan.lines))
        picture = picture_plan(plan, fmt, PictureInputs(prompt, refs.images, refs.end_image, refs.footage),
                               [s.name for s in script.speakers
                                if any(ln.speaker == s.name for ln in plan.lines)],
                               ctx.seed)
        ctx.progress(0.4, f"drawing {fmt.width}x{fmt.height} ({kit.pictures().name}) and mixing")
        video_path, out_path = workdir / "picture.mp4", workdir / "out.mp4"
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mix") as pool:
            mixing = pool.submit(render_plan, plan, sources, ctx.cancelled) if inp.generate_audio else None
            frames = self._frames(kit.pictures().render(picture, ctx.cancelled), fmt, ctx)
            encode_video(frames, fmt, video_path, ctx.cancelled)
            mix = mixing.result() if mixing is not None else None
        ctx.check_cancelled()
        ctx.progress(0.92, "muxing")
        mux(video_path, mix.master if mix else None, out_path)
        return deliver.output(inp, out_path, plan, picture, mix, ctx)

    def _script(self, inp: VideoInput, refs: _References, ctx: RunContext) -> tuple[Script, int | None]:
        """The prompt's script, with the reference clips that are not a speaker's voice in the mix."""
        roles = reference_roles(inp.prompt, len(refs.audio))
        script = parse_video_prompt(strip_mentions(roles.text))
        voice = roles.voice if script.lines else None
        kinds = dict(roles.sounds)
        beds = [Cue(kinds.get(n, CueKind.AMBIENCE), f"@Audio{n}", reference=n)
                for n in range(1, len(refs.audio) + 1) if n != voice]
        if beds:
            script = replace(script, items=(*beds, *script.items))
        ctx.log(f"dialogue: {len(script.lines)} line(s) by"
                f" {', '.join(s.name for s in script.speakers) or 'nobody'}; setting:"
                f" {script.setting or '(none)'}"
                + (f"; voice from @Audio{voice}" if voice else "") + "".join(f"; {c.description} in the mix"
                                                                             for c in beds))
        return script, voice

    def _cast(self, script: Script, voice: int | None, refs: _References, ctx: RunContext) -> dict:
        matched = {}
        if voice is not None and script.speakers:
            matched[script.speakers[0].name] = self.env.toolkit.matcher().match(
                refs.audio[voice - 1], script_language(script), f"@Audio{voice}", ctx.log).voice
        voices = cast(script, None, matched, ctx.seed)
        for name, chosen in voices.items():
            ctx.log(f"voice for {name}: {chosen.id}")
        return voices

    def _size(self, inp: VideoInput, refs: _References) -> tuple[int, int]:
        aspect = inp.aspect_ratio
        if aspect is AspectRatio.AUTO:
            aspect = (nearest_ratio(refs.images[0].rgb.shape[1], refs.images[0].rgb.shape[0]) if refs.images
                      else AspectRatio.R16_9)
        return frame_size(inp.resolution, aspect)

    def _on_line(self, ctx: RunContext) -> Callable[[int, int], None]:
        def on_line(i: int, n: int) -> None:
            ctx.check_cancelled()
            ctx.progress(0.05 + 0.3 * (i - 1) / max(n, 1), f"speaking line {i} of {n}")
        return on_line

    def _frames(self, frames: Iterator[Frame], fmt: VideoFormat, ctx: RunContext) -> Iterator[Frame]:
        for i, frame in enumerate(frames):
            if i % fmt.fps == 0 and i:
                ctx.progress(0.4 + 0.5 * i / fmt.frames)
            yield frame

    def _references(self, inp: VideoInput, ctx: RunContext, workdir: Path) -> _References:
        if isinstance(inp, ImageToVideoInput):
            first = Still(load_image(ctx.fetch(inp.image_url, field="image_url", limit=MAX_IMAGE_BYTES)[0],
                                     "image_url"))
            end = (Still(load_image(ctx.fetch(inp.end_image_url, field="end_image_url",
                                              limit=MAX_IMAGE_BYTES)[0],
                                    "end_image_url")) if inp.end_image_url else None)
            return _References(images=(first,), end_image=end)
        if isinstance(inp, ReferenceToVideoInput):
            images = tuple(Still(load_image(ctx.fetch(u, field=f"image_urls[{i}]", limit=MAX_IMAGE_BYTES)[0],
                                            f"image_urls[{i}]")) for i, u in enumerate(inp.image_urls or []))
            footage = []
            for i, url in enumerate(inp.video_urls or []):
                path = workdir / f"reference-{i + 1}.video"
                path.write_bytes(ctx.fetch(url, field=f"video_urls[{i}]", limit=MAX_VIDEO_BYTES)[0])
                footage.append(Footage(path))
            audio = tuple(load_audio(*ctx.fetch(u, field=f"audio_urls[{i}]", limit=MAX_AUDIO_BYTES),
                                     f"audio_urls[{i}]")
                          for i, u in enumerate(inp.audio_urls or []))
            return _References(images=_mention_order(inp.prompt, images), footage=tuple(footage), audio=audio)
        return _References()


def _mention_order(prompt: str, images: tuple[Still, ...]) -> tuple[Still, ...]:
    """Reference images in the order the prompt mentions them (unmentioned ones after, as given)."""
    order = [m.index - 1 for m in mentions(prompt) if m.kind == "image"]
    seen = list(dict.fromkeys(i for i in order if 0 <= i < len(images)))
    return tuple(images[i] for i in [*seen, *(i for i in range(len(images)) if i not in seen)])


def load(env: AppEnv) -> Runner:
    return Seedance(env).run  # type: ignore[return-value]


def seedance_apps() -> list[App]:
    return [App(id=e.id, title=e.title, input=e.input, output=SeedanceOutput, load=load,
                admit=admit,  # type: ignore[arg-type]
                description=DESCRIPTION.format(kind=e.id.rsplit("/", 1)[-1]), tags=("video",))
            for e in ENDPOINTS]
