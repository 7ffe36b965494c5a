"""Music beds: mood, tempo and length in, a seamless stereo bed out.

Two renderers share one score (:mod:`soundstage.sound.score`): a built-in subtractive synthesizer
(detuned band-limited saw pads, sine bass, plucked arpeggios, a drone), always available; and
General MIDI through fluidsynth with real instrument samples when Debian's ``fluidsynth`` and an
MIT soundfont are installed. Either way the notes' releases past the end wrap onto the start, so
the bed loops, and its level is set to ``MUSIC_LEVEL_LUFS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
from scipy import signal

from soundstage.audio.buffer import MIX_RATE, AudioBuffer
from soundstage.audio.dsp import Array, lowpass_sos
from soundstage.audio.loudness import LimiterParams, db_to_gain, integrated_lufs, limiter_gain
from soundstage.cancellation import CancelCheck, blocks, never
from soundstage.cancellation import check as _check
from soundstage.errors import AssetError
from soundstage.sound.midi import TAIL, find_fluidsynth, find_soundfont, render_general_midi
from soundstage.sound.score import Mood, MusicParams, Note, Part, Score, midi_hz, plan_score
from soundstage.sound.synth import WARMUP, loop_freq

__all__ = ["MUSIC_LEVEL_LUFS", "Backend", "Mood", "MusicBed", "MusicParams", "available_backends",
           "music_bed"]

MUSIC_LEVEL_LUFS = -20.0  # a bed's level before the mix: under -16 LUFS dialogue, ducked further by the mixer
TABLE = 2048  # wavetable length
MAX_PARTIAL_HZ = 12_000.0  # band-limit the saws well below Nyquist: no aliasing
DETUNE_CENTS = 7.0  # pad voices spread: chorus-like width
PART_GAIN = {Part.PAD: 0.35, Part.BASS: 0.5, Part.ARP: 0.22, Part.DRONE: 0.3}


class Backend(str, Enum):
    SYNTH = "synth"
    GENERAL_MIDI = "general_midi"


@dataclass(frozen=True)
class MusicBed:
    audio: AudioBuffer
    score: Score
    backend: Backend


@dataclass(frozen=True)
class Envelope:
    attack: float  # s
    decay: float  # s, exponential time constant after the attack (inf: sustain)
    release: float  # s


ENVELOPES = {
    Part.PAD: Envelope(0.6, math.inf, 1.2),
    Part.BASS: Envelope(0.01, 0.8, 0.25),
    Part.ARP: Envelope(0.003, 0.3, 0.15),
    Part.DRONE: Envelope(3.0, math.inf, 3.0),
}


def _table(freq: float, odd_only: bool) -> Array:
    """One period of a band-limited saw (or, odd harmonics falling 12 dB/oct, a soft triangle-like tone)."""
    x = np.arange(TABLE) / TABLE
    top = max(1, min(40, int(MAX_PARTIAL_HZ / freq)))
    out = np.zeros(TABLE)
    for k in range(1, top + 1):
        if odd_only and k % 2 == 0:
            continue
        out += np.sin(2 * math.pi * k * x) / (k * k if odd_only else k)
    return (out / np.abs(out).max()).astype(np.float32)


def _oscillator(freq: float, frames: range, rate: int, table: Array, phase: float = 0.0) -> Array:
    """Samples ``frames`` (a range of sample indices) of a wavetable oscillator."""
    pos = ((freq * np.arange(frames.start, frames.stop) / rate + phase) % 1.0) * TABLE
    ext = np.append(table, table[0])
    return np.interp(pos, np.arange(TABLE + 1), ext).astype(np.float32)


def _envelope(env: Envelope, held: int, rate: int, frames: range) -> Array:
    """Samples ``frames`` of a note's envelope (held for ``held`` samples, then released)."""
    index = np.arange(frames.start, frames.stop)
    t = index / rate
    level = np.minimum(1.0, t / env.attack) * (np.exp(-t / env.decay) if math.isfinite(env.decay) else 1.0)
    release = np.clip(1.0 - (t - held / rate) / env.release, 0.0, 1.0)
    return (level * np.where(index < held, 1.0, release)).astype(np.float32)


@dataclass(frozen=True)
class _Voice:
    """One note, ready to be drawn in pieces: a drone can last the whole bed."""

    env: Envelope
    held: int  # samples
    frames: int  # held part plus release
    oscillators: tuple[tuple[float, Array, float], ...]  # (Hz, table, phase): one (mono) or two (L, R)
    gain: float
    pan: float

    def samples(self, piece: range, rate: int) -> Array:
        osc = [_oscillator(freq, piece, rate, table, phase) for freq, table, phase in self.oscillators]
        left, right = osc[0], osc[-1]
        env = _envelope(self.env, self.held, rate, piece)
        stereo = np.stack([left * (1 - self.pan) * 2, right * self.pan * 2], axis=1)
        return stereo * (env * self.gain)[:, None]


def _voice(note: Note, score: Score, rate: int, rng: np.random.Generator) -> _Voice:
    """One note as stereo samples (its held part plus release), to be drawn by ``_Voice.samples``."""
    env = ENVELOPES[note.part]
    held = int(note.length * rate)
    freq = midi_hz(note.pitch)
    if note.part is Part.DRONE:  # whole cycles per loop: its wrapped tail meets its head in phase
        freq = loop_freq(freq, round(score.duration * rate), rate)
    oscillators: tuple[tuple[float, Array, float], ...]
    if note.part is Part.PAD:
        spread = 2 ** (DETUNE_CENTS / 1200)
        oscillators = ((freq / spread, _table(freq, False), rng.random()),
                       (freq * spread, _table(freq, False), rng.random()))
    else:
        odd = note.part in (Part.ARP, Part.BASS)
        oscillators = ((freq, _table(freq, odd), rng.random()),)
    gain = note.velocity * PART_GAIN[note.part]
    pan = 0.5 if note.part is not Part.ARP else 0.5 + 0.35 * math.sin(note.pitch)
    return _Voice(env, held, held + int(env.release * rate), oscillators, gain, pan)


def _fold(x: Array, frames: int) -> Array:
    """Add everything past ``frames`` back onto the start: the tails of the last bar ring into the first."""
    out = np.array(x[:frames], dtype=np.float32, copy=True)
    spill = x[frames:]
    for start in range(0, spill.shape[0], frames):
        chunk = spill[start : start + frames]
        out[: chunk.shape[0]] += chunk
    return out


def render_synth(score: Score, rate: int, rng: np.random.Generator, cancelled: CancelCheck = never) -> Array:
    frames = round(score.duration * rate)
    longest = max(e.release for e in ENVELOPES.values())
    out = np.zeros((frames + int((longest + 0.1) * rate) + 1, 2), dtype=np.float32)
    pads = np.zeros_like(out)
    for note in score.notes:
        voice = _voice(note, score, rate, rng)
        start = round(note.start * rate)
        target = pads if note.part in (Part.PAD, Part.DRONE) else out
        end = min(start + voice.frames, target.shape[0])
        for lo, hi in blocks(max(end - start, 0), cancelled):
            target[start + lo : start + hi] += voice.samples(range(lo, hi), rate)
    looped = _fold(out, frames)
    _check(cancelled)
    # the pad bus is darkened per mood; filtering after the fold keeps the loop seamless
    return looped + _darkened(_fold(pads, frames), score.brightness, rate, cancelled)


def _darkened(x: Array, cutoff: float, rate: int, cancelled: CancelCheck) -> Array:
    """``circular(lowpass)`` done in blocks with the filter state carried (the same samples), so a long
    bed's filtering sees a cancel between blocks (issue 9)."""
    tail = min(x.shape[0], int(WARMUP * rate))
    padded = np.concatenate([x[-tail:], x]) if tail else x
    sos = lowpass_sos(cutoff, rate, order=2)
    state = np.zeros((sos.shape[0], 2, padded.shape[1]))
    out = np.empty(padded.shape, dtype=np.float32)
    for lo, hi in blocks(padded.shape[0], cancelled):
        filtered, state = signal.sosfilt(sos, padded[lo:hi], axis=0, zi=state)
        out[lo:hi] = filtered
    return np.ascontiguousarray(out[tail:])


def available_backends() -> tuple[Backend, ...]:
    gm = find_fluidsynth() is not None and find_soundfont() is not None
    return (Backend.SYNTH, Backend.GENERAL_MIDI) if gm else (Backend.SYNTH,)


def _render_gm(score: Score, rate: int, cancelled: CancelCheck = never) -> Array:
    fluidsynth, soundfont = find_fluidsynth(), find_soundfont()
    if fluidsynth is None or soundfont is None:
        raise AssetError("General MIDI music needs Debian's fluidsynth and musescore-general-soundfont (MIT)")
    frames = round(score.duration * rate)
    raw = render_general_midi(score, rate, fluidsynth, soundfont, cancelled)
    raw = raw[: frames + int(TAIL * rate)]
    if raw.shape[0] < frames:
        raw = np.pad(raw, ((0, frames - raw.shape[0]), (0, 0)))
    return _fold(raw, frames)


def _level(x: Array, rate: int, cancelled: CancelCheck = never) -> Array:
    """``x`` at the music level under the true-peak ceiling; worked in place on one copy (a 300 s bed
    at 48 kHz stereo is 115 MB: issue 16)."""
    x = x - x.mean(axis=0, keepdims=True)
    measured = integrated_lufs(AudioBuffer(x, rate), cancelled)
    if math.isfinite(measured):
        x *= np.float32(db_to_gain(MUSIC_LEVEL_LUFS - measured))
    pad = min(x.shape[0], rate // 2)  # guard the true peak on the wrapped signal: the loop stays seamless
    wrapped = np.concatenate([x[-pad:], x, x[:pad]])
    gain = limiter_gain(AudioBuffer(wrapped, rate), LimiterParams(ceiling_dbtp=-1.0), cancelled)
    del wrapped
    x *= gain[pad : pad + x.shape[0], None]
    return x


def music_bed(params: MusicParams, backend: Backend | None = None, rate: int = MIX_RATE,
              cancelled: CancelCheck = never) -> MusicBed:
    """A music bed for ``params``; ``backend`` None picks General MIDI when it is installed.
    ``cancelled`` is looked at between notes and steps (issue 9)."""
    chosen = backend or available_backends()[-1]
    score = plan_score(params)
    if chosen is Backend.GENERAL_MIDI:
        raw = _render_gm(score, rate, cancelled)
    else:
        raw = render_synth(score, rate, np.random.default_rng(params.seed), cancelled)
    _check(cancelled)
    return MusicBed(AudioBuffer(_level(raw, rate, cancelled), rate), score, chosen)
