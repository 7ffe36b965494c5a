"""Music-bed scores: mood, tempo and length in, a loopable plan of notes out (plain data).

Harmony follows film-scoring habits: major progressions with sevenths for calm, I-V-vi-IV for hope,
minor with the flat sixth for sadness, a semitone (flat-two) shift and a diminished chord over a
pedal for tension, suspended chords for mystery. The bar length is stretched slightly so that a
whole number of bars fills the requested length exactly, which makes the bed loop musically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

from soundstage.errors import InvalidInput

__all__ = ["Mood", "MusicParams", "Note", "Part", "Score", "plan_score"]

BEATS_PER_BAR = 4
MIN_TEMPO, MAX_TEMPO = 40.0, 200.0  # bpm
MAX_MUSIC_SECONDS = 600.0


class Mood(str, Enum):
    CALM = "calm"
    HOPEFUL = "hopeful"
    SAD = "sad"
    TENSE = "tense"
    MYSTERIOUS = "mysterious"
    UPBEAT = "upbeat"


class Part(str, Enum):
    PAD = "pad"
    BASS = "bass"
    ARP = "arp"
    DRONE = "drone"


@dataclass(frozen=True)
class MoodStyle:
    root: int  # MIDI note of the key's root (pads sit an octave above)
    chords: tuple[tuple[int, ...], ...]  # semitones above the root, one chord per bar
    arp_per_beat: int  # 0: no arpeggio
    drone: bool
    brightness: float  # pad low-pass cut-off, Hz
    default_tempo: float


STYLES: dict[Mood, MoodStyle] = {
    Mood.CALM: MoodStyle(48, ((0, 4, 7, 11), (-3, 0, 4, 7), (5, 9, 12, 16), (7, 11, 14, 17)), 0, False,
                         2000.0, 70.0),
    Mood.HOPEFUL: MoodStyle(50, ((0, 4, 7, 12), (7, 11, 14), (9, 12, 16), (5, 9, 12)), 2, False, 3500.0,
                            96.0),
    Mood.SAD: MoodStyle(45, ((0, 3, 7), (8, 12, 15), (3, 7, 10), (10, 14, 17)), 1, False, 1800.0, 66.0),
    Mood.TENSE: MoodStyle(38, ((0, 3, 7), (1, 5, 8), (0, 3, 6), (-4, 0, 3)), 2, True, 1200.0, 84.0),
    Mood.MYSTERIOUS: MoodStyle(40, ((0, 2, 7), (5, 8, 12), (-2, 2, 5), (0, 3, 7, 14)), 1, True, 2500.0, 72.0),
    Mood.UPBEAT: MoodStyle(52, ((0, 4, 7), (5, 9, 12), (9, 12, 16), (7, 11, 14)), 2, False, 5000.0, 118.0),
}


@dataclass(frozen=True)
class MusicParams:
    mood: Mood = Mood.CALM
    duration: float = 30.0  # s, exact
    tempo: float | None = None  # bpm; None: the mood's usual tempo
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.duration <= MAX_MUSIC_SECONDS:
            raise InvalidInput(f"music.duration: {self.duration} s is outside (0, {MAX_MUSIC_SECONDS}]",
                               field="music.duration", value=self.duration)
        if self.tempo is not None and not MIN_TEMPO <= self.tempo <= MAX_TEMPO:
            raise InvalidInput(f"music.tempo: {self.tempo} bpm is outside [{MIN_TEMPO}, {MAX_TEMPO}]",
                               field="music.tempo", value=self.tempo)


@dataclass(frozen=True)
class Note:
    start: float  # s
    length: float  # s
    pitch: int  # MIDI note number
    velocity: float  # 0..1
    part: Part


@dataclass(frozen=True)
class Score:
    notes: tuple[Note, ...]
    duration: float  # s: the loop length
    tempo: float  # bpm actually used (whole bars fill the duration)
    mood: Mood
    brightness: float  # Hz


def _fit_tempo(duration: float, tempo: float) -> tuple[float, int]:
    """Tempo nearest ``tempo`` at which a whole number of bars (>= 1) lasts exactly ``duration``."""
    bar = BEATS_PER_BAR * 60.0 / tempo
    bars = max(1, round(duration / bar))
    return BEATS_PER_BAR * 60.0 * bars / duration, bars


def _bar_notes(style: MoodStyle, chord: tuple[int, ...], start: float, beat: float,
               rng: np.random.Generator) -> list[Note]:
    bar = BEATS_PER_BAR * beat
    notes = [Note(start, bar, style.root + 12 + c, 0.55 + 0.1 * rng.random(), Part.PAD) for c in chord]
    notes.append(Note(start, bar * 0.95, style.root - 12 + chord[0] % 12, 0.7, Part.BASS))
    if style.arp_per_beat:
        step = beat / style.arp_per_beat
        tones = [style.root + 24 + c for c in chord]
        for k in range(BEATS_PER_BAR * style.arp_per_beat):
            pitch = tones[k % len(tones)] + (12 if rng.random() < 0.15 else 0)
            accent = 0.75 if k % style.arp_per_beat == 0 else 0.55
            notes.append(Note(start + k * step, step * 0.9, pitch, accent, Part.ARP))
    return notes


def plan_score(params: MusicParams) -> Score:
    style = STYLES[params.mood]
    rng = np.random.default_rng(params.seed)
    tempo, bars = _fit_tempo(params.duration, params.tempo or style.default_tempo)
    beat = 60.0 / tempo
    order = list(range(len(style.chords)))
    if params.seed:  # other seeds: the same harmony, a rotated starting chord
        order = order[params.seed % len(order):] + order[: params.seed % len(order)]
    notes: list[Note] = []
    for b in range(bars):
        chord = style.chords[order[b % len(order)]]
        notes += _bar_notes(style, chord, b * BEATS_PER_BAR * beat, beat, rng)
    if style.drone:
        notes.append(Note(0.0, params.duration, style.root - 12, 0.5, Part.DRONE))
        notes.append(Note(0.0, params.duration, style.root - 5, 0.35, Part.DRONE))
    return Score(tuple(notes), params.duration, tempo, params.mood, style.brightness)


def midi_hz(pitch: float) -> float:
    """Equal temperament, A4 = MIDI 69 = 440 Hz."""
    return 440.0 * math.pow(2.0, (pitch - 69) / 12.0)
