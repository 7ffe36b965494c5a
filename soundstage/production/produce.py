"""From a Script to a plan, and from a plan to a mastered mix: shared by the audio and the video apps.

Planning speaks every line first (a line's length is only known once it is spoken), then places
them: lines follow each other with a short gap (longer when the speaker changes), pauses add
silence, a spot sound ([sfx: ...]) plays where it is written and the next line waits a beat for it.
Ambience and music cues, and the setting, become beds under the whole piece. When the length is
fixed (a video's), dialogue that overflows it is spoken faster, up to ``max_speedup``, and what still
does not fit is dropped from the end, each dropped line named in the notes. Every cue that does not
resolve to a sound is reported, never dropped silently.

Cancellation (issue 9): ``cancelled`` is passed to the speech engine, which stops inside a sentence,
and to the mixer; ``on_sentence`` reports progress after every sentence, so a long single paragraph
advances as it is spoken rather than jumping at the end of its one line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from soundstage.audio.buffer import SPEECH_RATE, AudioBuffer
from soundstage.audio.loudness import TRUE_PEAK_CEILING_DBTP, LoudnessMeter, db_to_gain
from soundstage.audio.master import MasterParams, limit_spill
from soundstage.audio.render import Mix, SpilledMix, render, render_stream
from soundstage.audio.spill import Source, Spill, Stretch
from soundstage.audio.timeline import Clip, Timeline, Track, TrackKind
from soundstage.cancellation import CancelCheck, check, never
from soundstage.production.casting import line_language
from soundstage.production.plan import Plan, Production, ProductionOptions, SpokenLine, Word
from soundstage.script.model import Cue, CueKind, Line, Pause, Script
from soundstage.sound.lexicon import Lexicon, Resolution
from soundstage.sound.registry import SoundRegistry
from soundstage.sound.scene import DialogueLine, build_scene
from soundstage.sound.score import Mood, MusicParams
from soundstage.speech.controls import PITCH_RANGE, SPEED_RANGE, Controls
from soundstage.speech.engine import SpeechChunk, SpeechEngine, SpeechRequest
from soundstage.speech.frontend.split import split_sentences
from soundstage.speech.timings import PhonemeTiming, Timings, WordTiming
from soundstage.speech.voices import Voice

__all__ = ["Controls", "Production", "ProductionOptions", "Watch", "Word", "finish", "mood_of", "plan",
           "produce", "render_plan"]

LINE_GAP = 0.25  # s between lines of one speaker
TURN_GAP = 0.45  # s when the speaker changes
SFX_BEAT = 0.6  # s the next line waits after a spot sound starts
LEAD_IN_DESIGNED = 1.0  # s of scene before the first line when there is sound design
LEAD_IN, TAIL = 0.05, 0.35  # s for speech alone
TAIL_DESIGNED = 1.5
MIN_TAIL_FITTED = 0.3  # s after the last line when the length is fixed: a breath, not a cut-off word
SPEAKER_SPREAD = 0.35  # pan range across speakers: close to centre, as radio drama does it
SPOT_SECONDS = 2.5  # s rendered for a spot cue
MUSIC_MAX_SECONDS = 300.0
MOODS = ((("tense", "suspense", "horror", "thriller", "dread", "drone", "scary", "紧张", "悬疑", "恐怖"),
          Mood.TENSE),
         (("myster", "eerie", "dark", "noir", "神秘"), Mood.MYSTERIOUS),
         (("sad", "melanchol", "grief", "tragic", "悲"), Mood.SAD),
         (("upbeat", "playful", "happy", "comedy", "action", "driving", "fun", "欢快", "搞笑"), Mood.UPBEAT),
         (("hope", "warm", "romantic", "uplift", "inspir", "希望", "温暖"), Mood.HOPEFUL))

OnLine = Callable[[int, int], None]
"""Before line i of n (1-based); may raise ``Cancelled``."""
OnSentence = Callable[[int, int], None]
"""After sentence k of the script's n (split as the engines split them); may raise ``Cancelled``."""


@dataclass(frozen=True)
class Watch:
    """How a production is followed and stopped: the job's hooks, adapted by the app."""

    on_line: OnLine
    cancelled: CancelCheck = never
    on_sentence: OnSentence | None = None


class _Sentences:
    """Counts sentences spoken across the script's lines (a long sentence may come in several chunks)."""

    def __init__(self, script: Script, watch: Watch) -> None:
        self.total = sum(len(split_sentences(line.text)) or 1 for line in script.lines)
        self.done = 0
        self.watch = watch

    def spoken(self, previous: SpeechChunk | None, chunk: SpeechChunk) -> None:
        if previous is not None and previous.text == chunk.text:
            return  # another window of the same sentence
        self.done = min(self.done + 1, self.total)
        if self.watch.on_sentence is not None:
            self.watch.on_sentence(self.done, self.total)


def mood_of(description: str) -> Mood:
    lower = description.lower()
    return next((mood for words, mood in MOODS if any(w in lower for w in words)), Mood.CALM)


def _clamp(value: float, limits: tuple[float, float]) -> float:
    return min(max(value, limits[0]), limits[1])


@dataclass(frozen=True)
class _Spoken:
    line: Line
    audio: Stretch
    timings: Timings
    language: str
    speed: float
    level: float  # LUFS integrated, metered as it was spoken


class _Takes:
    """The spoken audio, spilled chunk by chunk as the engine speaks it (issue 16): a ten-minute
    paragraph is one line, and it waits on disk rather than in memory until the mixer plays it.
    The spill goes when the last stretch of it does (the plan's sources)."""

    def __init__(self) -> None:
        self.spill = Spill(SPEECH_RATE, 1)

    def line(self, chunks: Iterator[SpeechChunk], gain: float,
             counter: _Sentences) -> tuple[Stretch, Timings, float]:
        """One line's chunks spilled: where its audio went, its timings and its loudness (LUFS)."""
        lo, previous, meter = self.spill.frames, None, LoudnessMeter(SPEECH_RATE, 1)
        phonemes: list[PhonemeTiming] = []
        words: list[WordTiming] = []
        for chunk in chunks:
            counter.spoken(previous, chunk)
            previous = chunk
            timings = chunk.timings.shifted(chunk.offset)
            phonemes += timings.phonemes
            words += timings.words
            samples = chunk.audio.samples * np.float32(gain) if gain != 1.0 else chunk.audio.samples
            self.spill.append(samples)
            meter.feed(samples)
        audio = Stretch(self.spill, lo, self.spill.frames - lo)
        return audio, Timings(tuple(phonemes), tuple(words)), meter.integrated()


def _speak(engine: SpeechEngine, line: Line, voice: Voice, base: Controls, speedup: float,
           counter: _Sentences, takes: _Takes) -> _Spoken:
    speed = _clamp(base.speed * line.delivery.speed * speedup, SPEED_RANGE)
    controls = Controls(speed=speed, pitch=_clamp(base.pitch + line.delivery.pitch, PITCH_RANGE))
    language = line_language(line.text, voice)
    request = SpeechRequest(line.text, language, voice, controls, cancelled=counter.watch.cancelled)
    gain = db_to_gain(line.delivery.gain_db) if line.delivery.gain_db else 1.0
    audio, timings, level = takes.line(engine.synthesize(request), gain, counter)
    return _Spoken(line, audio, timings, language.value, speed / base.speed, level)


def _speak_all(script: Script, voices: Mapping[str, Voice], engine: SpeechEngine, base: Controls,
               speedup: float, watch: Watch) -> list[_Spoken]:
    spoken = []
    counter, takes = _Sentences(script, watch), _Takes()
    for i, line in enumerate(script.lines):
        watch.on_line(i + 1, len(script.lines))
        spoken.append(_speak(engine, line, voices[line.speaker], base, speedup, counter, takes))
    return spoken


@dataclass(frozen=True)
class _Layout:
    lines: tuple[tuple[_Spoken, float], ...]  # each spoken line with its start
    spots: tuple[tuple[float, Cue], ...]  # written [sfx] cues with their start
    end: float  # where the last item ends


def _layout(script: Script, spoken: Sequence[_Spoken], lead_in: float) -> _Layout:
    """Place lines, pauses and written spot cues one after another, from ``lead_in``."""
    t, last = lead_in, None
    queue = list(spoken)
    lines: list[tuple[_Spoken, float]] = []
    spots: list[tuple[float, Cue]] = []
    for item in script.items:
        if isinstance(item, Pause):
            t += item.seconds
        elif isinstance(item, Cue) and item.kind is CueKind.SFX:
            spots.append((t, item))
            t += SFX_BEAT
        elif isinstance(item, Line) and queue:
            said = queue.pop(0)
            if last is not None:
                t += TURN_GAP if item.speaker != last else LINE_GAP
            lines.append((said, t))
            t += said.audio.duration
            last = item.speaker
    return _Layout(tuple(lines), tuple(spots), t)


def _fit(script: Script, voices: Mapping[str, Voice], engine: SpeechEngine, options: ProductionOptions,
         spoken: list[_Spoken], lead_in: float, watch: Watch) -> tuple[Script, list[_Spoken], list[str]]:
    """Make the dialogue fit ``options.duration``: faster speech first, then drop lines from the end."""
    assert options.duration is not None
    room = options.duration - MIN_TAIL_FITTED
    layout = _layout(script, spoken, lead_in)
    notes: list[str] = []
    if layout.end <= room or not spoken:
        return script, spoken, notes
    talk = sum(s.audio.duration for s in spoken)
    needed = talk / max(talk - (layout.end - room), 1e-3)
    speedup = min(options.max_speedup, needed)
    if speedup > 1.001:
        spoken = _speak_all(script, voices, engine, options.controls, speedup, watch)
        notes.append(f"dialogue spoken {speedup:.2f}x faster to fit {options.duration:g} s")
    while spoken and _layout(script, spoken, lead_in).end > room:
        dropped = spoken.pop()
        notes.append(f"dropped the line {dropped.line.text!r} ({dropped.line.speaker}): it does not fit in "
                     f"{options.duration:g} s even at {options.max_speedup:g}x speed")
        script = _without_last_line(script)
    return script, spoken, notes


def _target(options: ProductionOptions, natural: float) -> float | None:
    """The fixed length to fit the dialogue into, if any: ``duration``, or ``max_duration`` overflowed."""
    if options.duration is not None:
        return options.duration
    if options.max_duration is not None and natural > options.max_duration:
        return options.max_duration
    return None


def _length(options: ProductionOptions, natural: float) -> float:
    length = max(natural, options.min_duration)
    if options.step:
        length = math.ceil(length / options.step - 1e-9) * options.step
    return length


def _without_last_line(script: Script) -> Script:
    index = max(i for i, item in enumerate(script.items) if isinstance(item, Line))
    return replace(script, items=script.items[:index] + script.items[index + 1:])


def _spot_buffers(registry: SoundRegistry, lexicon: Lexicon, cue: Cue, seed: int,
                  references: Mapping[int, AudioBuffer]) -> tuple[list[AudioBuffer], Resolution | None]:
    if cue.reference is not None:
        return [references[cue.reference]], None
    resolution = lexicon.resolve(cue.description)
    buffers = [registry.render(c.generator, replace(c.params, duration=SPOT_SECONDS, seed=seed + i))
               for i, c in enumerate(resolution.cues)]
    return buffers, resolution


@dataclass(frozen=True)
class _Design:
    beds_text: tuple[str, ...]
    bed_refs: tuple[AudioBuffer, ...]
    music: str | None

    @property
    def any(self) -> bool:
        return bool(self.beds_text or self.bed_refs or self.music)


def _design(script: Script, references: Mapping[int, AudioBuffer]) -> _Design:
    beds_text = [script.setting] if script.setting else []
    bed_refs: list[AudioBuffer] = []
    music: str | None = None
    for cue in script.cues:
        if cue.kind is CueKind.AMBIENCE:
            (bed_refs.append(references[cue.reference]) if cue.reference
             else beds_text.append(cue.description))
        elif cue.kind is CueKind.MUSIC:
            music = cue.description
    return _Design(tuple(beds_text), tuple(bed_refs), music)


def _pans(script: Script) -> dict[str, float]:
    n = len(script.speakers)
    return {s.name: (i / max(1, n - 1) - 0.5) * 2 * SPEAKER_SPREAD if n > 1 else 0.0
            for i, s in enumerate(script.speakers)}


def _spoken_lines(layout: _Layout) -> tuple[tuple[SpokenLine, ...], tuple[Word, ...]]:
    lines, words = [], []
    for said, start in layout.lines:
        timings = said.timings.shifted(start)
        lines.append(SpokenLine(said.line.speaker, said.line.text, start, start + said.audio.duration,
                                said.language, said.speed, timings.phonemes))
        words += [Word(w.word, said.line.speaker, w.start, w.end) for w in timings.words]
    return tuple(lines), tuple(words)


def plan(script: Script, voices: Mapping[str, Voice], engine: SpeechEngine, registry: SoundRegistry,
         lexicon: Lexicon, options: ProductionOptions, references: Mapping[int, AudioBuffer],
         on_line: OnLine | Watch) -> tuple[Plan, dict[str, Source]]:
    """Speak and place everything; returns the plan and the audio its clips name."""
    watch = on_line if isinstance(on_line, Watch) else Watch(on_line)
    design = _design(script, references)
    designed = design.any or bool(script.cues)
    lead_in = options.lead_in if options.lead_in is not None else (LEAD_IN_DESIGNED if designed else LEAD_IN)
    spoken = _speak_all(script, voices, engine, options.controls, 1.0, watch)
    notes = list(script.notes)
    tail = TAIL_DESIGNED if designed else TAIL
    target = _target(options, _layout(script, spoken, lead_in).end + tail)
    if target is not None:
        script, spoken, fitted = _fit(script, voices, engine, replace(options, duration=target), spoken,
                                      lead_in, watch)
        notes += fitted
    layout = _layout(script, spoken, lead_in)
    duration = target or _length(options, max(layout.end + tail, script.length or 0.0))
    lines, words = _spoken_lines(layout)
    resolution = lexicon.resolve(". ".join(design.beds_text)) if design.beds_text else Resolution((), ())
    notes += [f"ambience: left out {u.text!r} ({u.reason})" for u in resolution.unresolved]
    pans = _pans(script)
    dialogue = [DialogueLine(said.audio, start, pan=pans.get(said.line.speaker, 0.0), level=said.level)
                for said, start in layout.lines]
    music = (MusicParams(mood=mood_of(design.music), duration=min(duration, MUSIC_MAX_SECONDS),
                         seed=options.seed)
             if design.music else None)
    scene = build_scene(resolution, duration, registry, seed=options.seed, dialogue=dialogue, music=music,
                        master=MasterParams(target_lufs=options.loudness),
                        clear_of=[(ln.start, ln.end) for ln in lines] if options.spots_clear_of_speech
                        else (),
                        cancelled=watch.cancelled)
    notes += list(scene.notes)
    timeline, sources = scene.timeline, dict(scene.sources)
    if not designed:  # speech alone: mix at the engine's own rate, half the work of the 48 kHz bus
        timeline = replace(timeline, rate=SPEECH_RATE)
    timeline, spot_notes = _written_cues(timeline, sources, layout, design, duration, registry, lexicon,
                                         options.seed, references, watch.cancelled)
    notes += spot_notes
    return Plan(timeline, lines, words, designed, tuple(notes)), sources


def _written_cues(timeline: Timeline, sources: dict[str, Source], layout: _Layout, design: _Design,
                  duration: float, registry: SoundRegistry, lexicon: Lexicon, seed: int,
                  references: Mapping[int, AudioBuffer],
                  cancelled: CancelCheck = never) -> tuple[Timeline, list[str]]:
    """The script's own [sfx] cues and reference beds join the setting's foley: one stem per kind."""
    notes: list[str] = []
    extra: list[Clip] = []
    for n, (start, cue) in enumerate(layout.spots):
        check(cancelled)
        buffers, resolution = _spot_buffers(registry, lexicon, cue, seed + n * 7, references)
        if resolution is not None:
            notes += [f"sfx {cue.description!r}: left out {u.text!r} ({u.reason})"
                      for u in resolution.unresolved]
        for buf in buffers:
            key = f"cue:{len(extra)}"
            sources[key] = buf
            extra.append(Clip(key, start))
    for k, buf in enumerate(design.bed_refs):
        sources[f"refbed:{k}"] = buf
        extra.append(Clip(f"refbed:{k}", 0.0, duration=duration, loop=True, fade_in=1.0, fade_out=1.5))
    if not extra:
        return timeline, notes
    foley = next((t for t in timeline.tracks if t.kind is TrackKind.FOLEY), None)
    merged = (replace(foley, clips=(*foley.clips, *extra)) if foley
              else Track("foley", TrackKind.FOLEY, tuple(extra)))
    return replace(timeline, tracks=(*(t for t in timeline.tracks if t is not foley), merged)), notes


def render_plan(plan: Plan, sources: Mapping[str, Source], cancelled: CancelCheck = never) -> Mix:
    """The plan's mix in memory: for a video's track, which the endpoints keep short."""
    return render(plan.timeline, sources, cancelled=cancelled)


def produce(script: Script, voices: Mapping[str, Voice], engine: SpeechEngine, registry: SoundRegistry,
            lexicon: Lexicon, options: ProductionOptions, references: Mapping[int, AudioBuffer],
            on_line: OnLine | Watch) -> Production:
    """``plan`` then the mix, spilled to disk block by block: memory does not grow with the length.
    With ``options.mono_speech``, speech alone in one voice is mastered and delivered in mono."""
    planned, sources = plan(script, voices, engine, registry, lexicon, options, references, on_line)
    cancelled = on_line.cancelled if isinstance(on_line, Watch) else never
    mono = options.mono_speech and not planned.designed and len(voices) <= 1
    mix = render_stream(planned.timeline, sources, cancelled=cancelled, channels=1 if mono else 2,
                        stems=options.stems)
    return Production(planned, mix)


def finish(mix: SpilledMix, volume: float, cancelled: CancelCheck = never) -> Spill:
    """The master at ``volume`` after mastering (0.5 is -6 dB, 2.0 is +6 dB), still under the true-peak
    ceiling. Spilled, in blocks; the caller closes it."""
    master = mix.master
    out = Spill(master.rate, master.channels)
    gain = np.float32(volume)
    for block in master.blocks(mix.block, cancelled):
        out.append(block.samples * gain)
    if volume > 1.0 or not math.isfinite(volume):
        return limit_spill(out, TRUE_PEAK_CEILING_DBTP, mix.block, cancelled)
    return out
