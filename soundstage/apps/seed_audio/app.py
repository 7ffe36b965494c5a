"""The app: schema, submit-time checks, and the run that turns a prompt into a finished file."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace

from soundstage.apps.base import Admission, App, AppEnv, RunContext, Runner
from soundstage.apps.seed_audio import deliver
from soundstage.apps.seed_audio.prompting import ReferenceRoles, build_script, reference_roles
from soundstage.apps.seed_audio.references import check_image_bytes, check_mentions, load_clip
from soundstage.apps.seed_audio.schema import (
    MAX_CLIP_BYTES,
    MAX_IMAGE_BYTES,
    MAX_OUTPUT_SECONDS,
    SeedAudioInput,
    SeedAudioOutput,
)
from soundstage.audio.buffer import AudioBuffer
from soundstage.errors import InvalidInput
from soundstage.production.casting import cast, script_language
from soundstage.production.produce import Controls, ProductionOptions, Watch, finish, produce
from soundstage.production.voice_match import VoiceMatcher
from soundstage.script.image import describe_image, embedded_description
from soundstage.script.model import Script
from soundstage.script.parse import parse_script
from soundstage.script.writer import WriterConfig
from soundstage.script.writing import DirectorWriter, Writer
from soundstage.settings import Settings
from soundstage.sound.lexicon import Lexicon
from soundstage.sound.registry import SoundRegistry
from soundstage.speech.assets import models_dir
from soundstage.speech.embedding import load_speaker_encoder
from soundstage.speech.engine import SpeechEngine
from soundstage.speech.voices import CustomVoices, Voice, resolve_voice

__all__ = ["APP", "seed_audio_app"]

APP_ID = "bytedance/seed-audio-1.0"
DESCRIPTION = ("Speech in 21 preset multilingual voices, dialogue from scripts, ambience, foley and music,"
               " mixed and mastered; wav/mp3/pcm/ogg_opus at 8-48 kHz. Offline: Kokoro-82M speech, procedural"
               " sound design.")


def writer_config(settings: Settings) -> WriterConfig | None:
    """The OpenAI-compatible endpoint (``SOUNDSTAGE_WRITER_URL``), which also describes images."""
    if not settings.writer_url:
        return None
    return WriterConfig(url=settings.writer_url, model=settings.writer_model, key=settings.writer_key)


def custom_voices(settings: Settings) -> CustomVoices:
    return CustomVoices(settings.data_dir / "voices.json")


def admit(inp: SeedAudioInput, admission: Admission) -> SeedAudioInput:
    """Everything that can be known before queueing: voices, mentions, and every reference file."""
    check_mentions(inp)
    custom = custom_voices(admission.settings)
    if inp.voice:
        resolve_voice(inp.voice, custom)
    if inp.mode.value in ("auto", "script"):
        for speaker in parse_script(inp.prompt).speakers:
            if speaker.voice and not speaker.voice.lower().startswith("@audio"):
                resolve_voice(speaker.voice, custom)
    kept = []
    for i, url in enumerate(inp.audio_urls or []):
        field = f"audio_urls[{i}]"
        data, content_type = admission.fetch(url, field=field, limit=MAX_CLIP_BYTES)
        load_clip(data, content_type, field)
        kept.append(admission.keep(data, file_name=f"reference-{i + 1}", content_type=content_type))
    image_url = inp.image_url
    if image_url:
        data, _ = admission.fetch(image_url, field="image_url", limit=MAX_IMAGE_BYTES)
        content_type = check_image_bytes(data)
        image_url = admission.keep(data, file_name="reference-image", content_type=content_type)
    return inp.model_copy(update={"audio_urls": kept or inp.audio_urls, "image_url": image_url})


@dataclass
class SeedAudio:
    settings: Settings
    engine: SpeechEngine
    registry: SoundRegistry
    lexicon: Lexicon
    matcher: VoiceMatcher | None = None
    writer: Writer = dataclasses.field(default_factory=DirectorWriter)
    """Writes instruction prompts: the worker's shared writer (``Toolkit.writer``)."""

    def run(self, inp: SeedAudioInput, ctx: RunContext) -> SeedAudioOutput:
        log = ctx.log
        references = self._references(inp, ctx)
        image = self._image(inp, ctx)
        roles = reference_roles(inp.prompt, len(references))
        script = build_script(inp, roles, self.writer, image, lambda m, level: ctx.log(m, level), ctx.seed,
                              ctx.cancelled)
        log(f"mode: {script.mode.value}; {len(script.lines)} line(s), {len(script.speakers)} speaker(s),"
            f" {len(script.cues)} cue(s){'; setting: ' + script.setting if script.setting else ''}")
        voices = self._cast(script, inp, roles, references, ctx)
        for name, voice in voices.items():
            log(f"voice for {name}: {voice.id}")
        options = ProductionOptions(Controls(speed=inp.speed, pitch=float(inp.pitch)), inp.loudness_target,
                                    ctx.seed, mono_speech=True, stems=inp.stems)
        production = produce(script, voices, self.engine, self.registry, self.lexicon, options,
                             {i + 1: clip for i, clip in enumerate(references)}, self._watch(ctx))
        with production:
            for note in production.notes:
                log(note, "WARN")
            ctx.check_cancelled()
            duration = production.mix.master.duration
            if duration > MAX_OUTPUT_SECONDS:
                raise InvalidInput(f"prompt: the production runs {duration:.0f} s; the limit is "
                                   f"{MAX_OUTPUT_SECONDS:.0f} s", field="prompt", value=f"{duration:.0f} s")
            mono = production.mix.master.channels == 1
            ctx.progress(0.9, f"encoding ({'mono' if mono else 'stereo'}, {duration:.1f} s)")
            with finish(production.mix, inp.volume, ctx.cancelled) as final:
                ctx.check_cancelled()
                return deliver.output(inp, final, production, ctx, script)

    def _watch(self, ctx: RunContext) -> Watch:
        """Progress by line and by sentence (a long paragraph is one line); cancellation inside both."""
        def on_line(i: int, n: int) -> None:
            ctx.check_cancelled()
            if n > 1:
                ctx.progress(0.1 + 0.7 * (i - 1) / n, f"line {i} of {n}")

        def on_sentence(k: int, n: int) -> None:
            ctx.check_cancelled()
            ctx.progress(0.1 + 0.7 * k / max(n, 1), f"spoke sentence {k} of {n}")
        return Watch(on_line, ctx.cancelled, on_sentence)

    def _references(self, inp: SeedAudioInput, ctx: RunContext) -> list[AudioBuffer]:
        clips = []
        for i, url in enumerate(inp.audio_urls or []):
            data, content_type = ctx.fetch(url, field=f"audio_urls[{i}]", limit=MAX_CLIP_BYTES)
            clips.append(load_clip(data, content_type, f"audio_urls[{i}]"))
        return clips

    def _image(self, inp: SeedAudioInput, ctx: RunContext) -> str | None:
        if not inp.image_url:
            return None
        data, content_type = ctx.fetch(inp.image_url, field="image_url", limit=MAX_IMAGE_BYTES)
        vision = writer_config(self.settings)
        if vision is not None:
            described = describe_image(data, content_type, vision)
            ctx.log(f"image described by the vision model: {described}")
            return described
        description = embedded_description(data)
        if description:
            ctx.log(f"image: using its embedded description: {description}")
        else:
            ctx.log("image: not interpreted (no vision model is configured and the image carries no"
                    " description)", "WARN")
        return description

    def _cast(self, script: Script, inp: SeedAudioInput, roles: ReferenceRoles, references: list[AudioBuffer],
              ctx: RunContext) -> dict[str, Voice]:
        matched: dict[str, Voice] = {}
        wanted = {s.name: int(s.voice[6:]) for s in script.speakers
                  if s.voice and s.voice.lower().startswith("@audio") and s.voice[6:].isdigit()}
        if roles.voice is not None and script.speakers and script.speakers[0].name not in wanted:
            wanted[script.speakers[0].name] = roles.voice
        if wanted:
            ctx.progress(0.05, "matching reference voices")
            matcher = self._matcher()
            for name, n in wanted.items():
                language = script_language(script)
                matched[name] = matcher.match(references[n - 1], language, f"@Audio{n}", ctx.log).voice
        script = replace(script, speakers=tuple(replace(s, voice=None) if s.name in wanted else s
                                                for s in script.speakers))
        auto = sum(1 for s in script.speakers if not s.voice and s.name not in matched)
        similarity = None
        if len(script.speakers) > 1 and auto:
            ctx.progress(0.08, "choosing distinct voices")
            similarity = self._matcher().similarity
        return cast(script, inp.voice, matched, ctx.seed, custom_voices(self.settings), similarity)

    def _matcher(self) -> VoiceMatcher:
        if self.matcher is None:
            cache = models_dir(self.settings.data_dir) / "voice-embeddings.json"
            self.matcher = VoiceMatcher(self.engine, load_speaker_encoder(), cache)
        return self.matcher


def load(env: AppEnv) -> Runner:
    kit = env.toolkit
    app = SeedAudio(env.settings, kit.speech(), kit.sounds(), kit.lexicon(), writer=kit.writer())
    return app.run  # type: ignore[return-value]


def seed_audio_app() -> App:
    return App(id=APP_ID, title="Seed Audio 1.0", input=SeedAudioInput, output=SeedAudioOutput, load=load,
               aliases=("soundstage/seed-audio",), description=DESCRIPTION, admit=admit)


APP = seed_audio_app
