"""From a Script to a mastered mix: speak each line, place it, add the sound design, master.

Timing: lines follow each other with a short gap (longer when the speaker changes), pauses add
silence, a spot sound ([sfx: ...]) plays where it is written and the next line waits a beat for it.
Ambience and music cues, and the setting, become beds under the whole piece (a script normally
opens with them). Every cue that does not resolve to a sound is reported, never dropped silently.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from soundstage.apps.seed_audio.casting import line_language
from soundstage.audio.buffer import SPEECH_RATE, AudioBuffer
from soundstage.audio.loudness import db_to_gain, limit_true_peak
from soundstage.audio.master import MasterParams
from soundstage.audio.render import Mix, render
from soundstage.audio.timeline import Clip, Track, TrackKind
from soundstage.script.model import Cue, CueKind, Line, Pause, Script
from soundstage.sound.lexicon import Lexicon, Resolution
from soundstage.sound.registry import SoundRegistry
from soundstage.sound.scene import DialogueLine, build_scene
from soundstage.sound.score import Mood, MusicParams
from soundstage.speech.controls import PITCH_RANGE, SPEED_RANGE, Controls
from soundstage.speech.engine import SpeechEngine, SpeechRequest, collect
from soundstage.speech.voices import Voice

__all__ = ["Controls", "Production", "Word", "mood_of", "produce"]

LINE_GAP = 0.25  # s between lines of one speaker
TURN_GAP = 0.45  # s when the speaker changes
SFX_BEAT = 0.6  # s the next line waits after a spot sound starts
LEAD_IN_DESIGNED = 1.0  # s of scene before the first line when there is sound design
LEAD_IN, TAIL = 0.05, 0.35  # s for speech alone
TAIL_DESIGNED = 1.5
SPEAKER_SPREAD = 0.35  # pan range across speakers: close to centre, as radio drama does it
SPOT_SECONDS = 2.5  # s rendered for a spot cue
MOODS = ((("tense", "suspense", "horror", "thriller", "dread", "drone", "scary", "紧张", "悬疑", "恐怖"), Mood.TENSE),
         (("myster", "eerie", "dark", "noir", "神秘"), Mood.MYSTERIOUS),
         (("sad", "melanchol", "grief", "tragic", "悲"), Mood.SAD),
         (("upbeat", "playful", "happy", "comedy", "action", "driving", "fun", "欢快", "搞笑"), Mood.UPBEAT),
         (("hope", "warm", "romantic", "uplift", "inspir", "希望", "温暖"), Mood.HOPEFUL))


@dataclass(frozen=True)
class Word:
    word: str
    speaker: str
    start: float
    end: float


@dataclass(frozen=True)
class Production:
    mix: Mix
    words: tuple[Word, ...]
    lines: tuple[tuple[str, str, float, float], ...]  # speaker, text, start, end
    designed: bool  # any ambience, foley or music in the mix
    notes: tuple[str, ...]


def mood_of(description: str) -> Mood:
    lower = description.lower()
    return next((mood for words, mood in MOODS if any(w in lower for w in words)), Mood.CALM)


def _clamp(value: float, limits: tuple[float, float]) -> float:
    return min(max(value, limits[0]), limits[1])


def _speak(engine: SpeechEngine, line: Line, voice: Voice, base: Controls) -> tuple[AudioBuffer, tuple]:
    controls = Controls(speed=_clamp(base.speed * line.delivery.speed, SPEED_RANGE),
                        pitch=_clamp(base.pitch + line.delivery.pitch, PITCH_RANGE))
    speech = collect(engine.synthesize(SpeechRequest(line.text, line_language(line.text, voice), voice, controls)))
    audio = speech.audio
    if line.delivery.gain_db:
        audio = AudioBuffer(audio.samples * np.float32(db_to_gain(line.delivery.gain_db)), audio.rate)
    return audio, speech.timings.words


@dataclass
class _Cursor:
    t: float
    last_speaker: str | None = None


def _spot(registry: SoundRegistry, lexicon: Lexicon, cue: Cue, seed: int,
          references: Mapping[int, AudioBuffer]) -> tuple[list[AudioBuffer], Resolution | None]:
    if cue.reference is not None:
        return [references[cue.reference]], None
    resolution = lexicon.resolve(cue.description)
    buffers = [registry.render(c.generator, replace(c.params, duration=SPOT_SECONDS, seed=seed + i))
               for i, c in enumerate(resolution.cues)]
    return buffers, resolution


def produce(script: Script, voices: Mapping[str, Voice], engine: SpeechEngine, registry: SoundRegistry,
            lexicon: Lexicon, controls: Controls, loudness: float, seed: int,
            references: Mapping[int, AudioBuffer], on_line: Callable[[int, int], None]) -> Production:
    notes = list(script.notes)
    beds_text = [script.setting] if script.setting else []
    bed_refs: list[AudioBuffer] = []
    music: str | None = None
    for cue in script.cues:
        if cue.kind is CueKind.AMBIENCE:
            (bed_refs.append(references[cue.reference]) if cue.reference else beds_text.append(cue.description))
        elif cue.kind is CueKind.MUSIC:
            music = cue.description
    designed = bool(beds_text or bed_refs or music or script.cues)
    cursor = _Cursor(LEAD_IN_DESIGNED if designed else LEAD_IN)
    pans = {s.name: (i / max(1, len(script.speakers) - 1) - 0.5) * 2 * SPEAKER_SPREAD if len(script.speakers) > 1
            else 0.0 for i, s in enumerate(script.speakers)}
    dialogue: list[DialogueLine] = []
    words: list[Word] = []
    spoken: list[tuple[str, str, float, float]] = []
    spots: list[tuple[float, AudioBuffer]] = []
    total = len(script.lines)
    for item in script.items:
        if isinstance(item, Pause):
            cursor.t += item.seconds
        elif isinstance(item, Cue) and item.kind is CueKind.SFX:
            buffers, resolution = _spot(registry, lexicon, item, seed + len(spots) * 7, references)
            if resolution is not None:
                notes += [f"sfx {item.description!r}: left out {u.text!r} ({u.reason})" for u in resolution.unresolved]
            spots += [(cursor.t, b) for b in buffers]
            cursor.t += SFX_BEAT if buffers else 0.0
        elif isinstance(item, Line):
            on_line(len(spoken) + 1, total)
            if cursor.last_speaker is not None:
                cursor.t += TURN_GAP if item.speaker != cursor.last_speaker else LINE_GAP
            audio, timings = _speak(engine, item, voices[item.speaker], controls)
            dialogue.append(DialogueLine(audio, cursor.t, pan=pans.get(item.speaker, 0.0)))
            words += [Word(w.word, item.speaker, cursor.t + w.start, cursor.t + w.end) for w in timings]
            spoken.append((item.speaker, item.text, cursor.t, cursor.t + audio.duration))
            cursor.t += audio.duration
            cursor.last_speaker = item.speaker
    duration = max(cursor.t + (TAIL_DESIGNED if designed else TAIL), script.length or 0.0)
    resolution = lexicon.resolve(". ".join(beds_text)) if beds_text else Resolution((), ())
    notes += [f"ambience: left out {u.text!r} ({u.reason})" for u in resolution.unresolved]
    plan = build_scene(resolution, duration, registry, seed=seed, dialogue=dialogue,
                       music=MusicParams(mood=mood_of(music), duration=min(duration, 300.0), seed=seed) if music else None,
                       master=MasterParams(target_lufs=loudness))
    notes += list(plan.notes)
    timeline, sources = plan.timeline, dict(plan.sources)
    if not designed:  # speech alone: mix at the engine's own rate, half the work of the 48 kHz bus
        timeline = replace(timeline, rate=SPEECH_RATE)
    extra: list[Clip] = []
    for k, (start, buf) in enumerate(spots):
        sources[f"cue:{k}"] = buf
        extra.append(Clip(f"cue:{k}", start))
    for k, buf in enumerate(bed_refs):
        sources[f"refbed:{k}"] = buf
        extra.append(Clip(f"refbed:{k}", 0.0, duration=duration, loop=True, fade_in=1.0, fade_out=1.5))
    if extra:  # written cues join the setting's foley: one stem per kind of sound
        foley = next((t for t in timeline.tracks if t.kind is TrackKind.FOLEY), None)
        merged = replace(foley, clips=(*foley.clips, *extra)) if foley else Track("foley", TrackKind.FOLEY, tuple(extra))
        timeline = replace(timeline, tracks=(*(t for t in timeline.tracks if t is not foley), merged))
    return Production(render(timeline, sources), tuple(words), tuple(spoken), designed, tuple(notes))


def finish(mix: Mix, volume: float, mono: bool) -> AudioBuffer:
    """``volume`` after mastering (0.5 is -6 dB, 2.0 is +6 dB), still under the true-peak ceiling."""
    master = mix.master
    if mono:
        master = AudioBuffer(master.samples.mean(axis=1, keepdims=True), master.rate)
    gain = np.float32(volume)
    boosted = AudioBuffer(master.samples * gain, master.rate)
    return limit_true_peak(boosted) if volume > 1.0 or not math.isfinite(volume) else boosted
