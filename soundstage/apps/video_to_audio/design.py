"""The soundtrack's plan: the prompt's sections become beds per section (crossfaded where they change, on
the cut), foley on the picture's events, the given dialogue at its times, music only when asked, and the
video's own sound when kept; all on one timeline exactly the video's length.

Nothing is speech unless the request gives the words: the murmur of a crowd is the procedural walla (no
words to catch), and ``negative_prompt`` takes out whatever it names (also "speech", "voices", "music").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from soundstage.apps.video_to_audio.foley import Foley, Request, Tie, place, tie_of
from soundstage.apps.video_to_audio.sections import Section
from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.master import MasterParams
from soundstage.audio.reverb import Space
from soundstage.audio.spill import Source
from soundstage.audio.timeline import Clip, Timeline, Track, TrackKind
from soundstage.production.produce import mood_of
from soundstage.sound.lexicon import Cue, Lexicon, Resolution, setting_room
from soundstage.sound.registry import SoundParams, SoundRegistry
from soundstage.sound.scene import DialogueLine, build_scene
from soundstage.sound.score import MusicParams
from soundstage.video.analysis import Analysis

__all__ = ["Design", "DesignInputs", "Original", "design"]

CROSSFADE = 0.1  # s: beds change over this much, centred on the cut (two to three frames)
EDGE_FADE = 0.02  # s at the video's first and last frame: no click, no audible fade
BED_LOOP_SECONDS = 20.0  # beds are rendered at most this long and looped
ORIGINAL_DUCK_DB = -12.0  # the video's own sound under the new track, original_audio "duck"
MAX_LIMITING_DB = 3.0  # a few hits alone fall short of the loudness target rather than lose their attack
GENERIC = "impact"  # what moves, with nothing asked: soft hits on impacts
GENERIC_INTENSITY = 0.35
SPEECH_WORDS = re.compile(r"speech|speak|voice|talk|dialog|chatter|walla|murmur|人声|说话|对话",
                          re.IGNORECASE)
MUSIC_WORDS = re.compile(r"music|song|melod|score|音乐|歌", re.IGNORECASE)


@dataclass(frozen=True)
class Original:
    audio: AudioBuffer
    start: float  # s: where the video's own sound begins on its timeline
    ducked: bool


@dataclass(frozen=True)
class DesignInputs:
    sections: tuple[Section, ...]
    negative: str
    music: str | None
    dialogue: tuple[DialogueLine, ...]
    original: Original | None
    loudness: float
    seed: int


@dataclass(frozen=True)
class Design:
    timeline: Timeline
    sources: Mapping[str, Source]
    notes: tuple[str, ...]
    placed: tuple[str, ...]  # the foley, for the log


def _excluded(negative: str, lexicon: Lexicon) -> tuple[frozenset[str], bool, bool]:
    """(generators the negative prompt names, speech-like beds out, music out)."""
    names = frozenset(lexicon.resolve(negative).generators()) if negative.strip() else frozenset()
    return names, bool(SPEECH_WORDS.search(negative)), bool(MUSIC_WORDS.search(negative))


def _resolve(section: Section, lexicon: Lexicon, excluded: frozenset[str],
             no_speech: bool) -> tuple[Resolution, list[str]]:
    found = lexicon.resolve(section.text)
    notes = [f"{section.start:.2f}-{section.end:.2f} s: left out {u.text!r} ({u.reason})"
             for u in found.unresolved if "music" not in u.reason]
    notes += [f"{section.start:.2f}-{section.end:.2f} s: {u.text!r} makes no music here; set `music` to a"
              f" mood for a music bed" for u in found.unresolved if "music" in u.reason]
    out = [c for c in found.cues
           if c.generator not in excluded and not (no_speech and c.generator == "crowd_walla")]
    notes += [f"{section.start:.2f}-{section.end:.2f} s: {c.generator} left out (negative_prompt)"
              for c in found.cues if c not in out]
    return Resolution(tuple(out), found.unresolved), notes


def _space(resolution: Resolution) -> Space | None:
    for name in resolution.settings:
        room = setting_room(name)
        if room is not None:
            return Space(name, room_size=room[0], damping=room[1])
    return None


@dataclass(frozen=True)
class _Bed:
    cue: Cue
    start: float
    end: float


def _merge_beds(beds: list[_Bed]) -> list[_Bed]:
    """One bed running on through sections that ask for the same sound (no restart at the cut)."""
    out: list[_Bed] = []
    for bed in sorted(beds, key=lambda b: (b.cue.generator, b.start)):
        last = out[-1] if out else None
        if last and last.cue.generator == bed.cue.generator and last.cue.params == bed.cue.params \
                and abs(last.end - bed.start) < 1e-6:
            out[-1] = replace(last, end=bed.end)
        else:
            out.append(bed)
    return out


def _bed_clips(beds: list[_Bed], registry: SoundRegistry, duration: float,
               seed: int) -> tuple[list[Clip], dict[str, AudioBuffer]]:
    clips, sources = [], {}
    for k, bed in enumerate(_merge_beds(beds)):
        first, last = bed.start <= 1e-6, bed.end >= duration - 1e-6
        start = bed.start if first else bed.start - CROSSFADE / 2
        end = bed.end if last else bed.end + CROSSFADE / 2
        key = f"bed:{bed.cue.generator}:{k}"
        seconds = min(end - start, BED_LOOP_SECONDS)
        sources[key] = registry.render(bed.cue.generator,
                                       replace(bed.cue.params, duration=seconds, seed=seed + k))
        clips.append(Clip(key, start, duration=end - start, loop=True,
                          fade_in=EDGE_FADE if first else CROSSFADE,
                          fade_out=EDGE_FADE if last else CROSSFADE))
    return clips, sources


def _generic(registry: SoundRegistry) -> Cue:
    gen = registry.get(GENERIC)
    return Cue(GENERIC, gen.kind, SoundParams(intensity=GENERIC_INTENSITY), 1.0, "(empty prompt)")


def design(inputs: DesignInputs, analysis: Analysis, duration: float, registry: SoundRegistry,
           lexicon: Lexicon) -> Design:
    excluded, no_speech, no_music = _excluded(inputs.negative, lexicon)
    notes: list[str] = []
    beds: list[_Bed] = []
    foley, spaces = Foley(), {}
    requests = []
    for n, section in enumerate(inputs.sections):
        resolution, said = _resolve(section, lexicon, excluded, no_speech)
        notes += said
        space = _space(resolution)
        if space is not None:
            spaces[space.name] = space
        walks = tuple(c for c in resolution.beds if tie_of(c.generator) is Tie.BEATS)  # steps go on the beats
        beds += [_Bed(c, section.start, min(section.end, duration))
                 for c in resolution.beds if c not in walks]
        requests.append(Request((*walks, *resolution.spots), (section.start, min(section.end, duration)),
                                section.timed, space.name if space else None, inputs.seed + 1000 * (n + 1)))
    if not inputs.sections and GENERIC not in excluded:  # nothing asked: soft hits where things land
        requests.append(Request((_generic(registry),), (0.0, duration), False, None, inputs.seed + 1000))
    for request in requests:
        place(request, analysis, registry, foley)
    notes += foley.notes
    bed_clips, bed_sources = _bed_clips(beds, registry, duration, inputs.seed)
    sources: dict[str, Source] = dict(bed_sources)
    music = None
    if inputs.music and no_music:
        notes.append("music: left out, since negative_prompt names it")
    elif inputs.music:
        music = MusicParams(mood=mood_of(inputs.music), duration=duration, seed=inputs.seed)
    scene = build_scene(Resolution((), ()), duration, registry, seed=inputs.seed, music=music,
                        dialogue=inputs.dialogue, master=MasterParams(target_lufs=inputs.loudness,
                                                                      max_limiting_db=MAX_LIMITING_DB))
    sources.update(scene.sources)
    sources.update(foley.sources)
    tracks = [t for t in scene.timeline.tracks if t.kind in (TrackKind.DIALOGUE, TrackKind.MUSIC)]
    tracks += [Track("ambience", TrackKind.AMBIENCE, tuple(bed_clips)),
               Track("foley", TrackKind.FOLEY, tuple(foley.clips))]
    if inputs.original is not None:
        sources["original"] = inputs.original.audio
        gain = ORIGINAL_DUCK_DB if inputs.original.ducked else 0.0
        tracks.append(Track("original", TrackKind.AMBIENCE,
                            (Clip("original", inputs.original.start, gain_db=gain),),
                            duck=inputs.original.ducked))
    timeline = replace(scene.timeline, tracks=tuple(tracks), spaces=tuple(spaces.values()))
    return Design(timeline, sources, tuple(notes), tuple(foley.placed))


def dialogue_lines(lines: Sequence[tuple[AudioBuffer, float]]) -> tuple[DialogueLine, ...]:
    return tuple(DialogueLine(audio, start) for audio, start in lines)
