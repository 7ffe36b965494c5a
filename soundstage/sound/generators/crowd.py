"""Crowds: applause and walla (the unintelligible murmur of many people talking).

Applause is many independent clappers, each clapping at 3.5-5 Hz with its own hand timbre (a
clap's spectrum peaks around 1-2.5 kHz depending on hand configuration; Repp 1987). Walla is many
voices; by default each is a source-filter voice (glottal pulses through vowel formants, in
syllables at ~4-5 per second with phrase pauses). When a speech engine is available the walla is
made from it instead: several voices reading scrambled pseudo-words, which keeps real prosody and
timbre while staying unintelligible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import signal

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.dsp import Array, lowpass, pan_gains, smooth_noise
from soundstage.audio.resample import resample
from soundstage.sound.generators.base import Family, Generator, SoundKind, SynthContext, stereo
from soundstage.sound.synth import loop_crossfade, noise_burst, scatter

__all__ = ["VoiceSource", "applause", "generators", "scrambled_text", "walla_from_voices"]

VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410))  # Hz,
# Peterson & Barney (1952) adult male F1-F3 for /a i u e o/
SYLLABLE_RATE = 4.5  # per second, conversational speech
LOOP_FADE = 1.0  # s of cross-fade folded onto the start so walla loops
SYLLABLES = ("ba", "lo", "mi", "ten", "ka", "ru", "shi", "po", "de", "na", "vo", "lin", "sa", "ko", "te",
             "mu")


class VoiceSource(Protocol):
    """Anything that can read text aloud in one of several voices (the speech engine, adapted)."""

    def voices(self) -> int: ...

    def speak(self, text: str, voice: int) -> AudioBuffer: ...


def applause(ctx: SynthContext) -> Array:
    n, rate = ctx.frames, ctx.rate
    clappers = int(15 + 150 * ctx.intensity)
    bank = [noise_burst(ctx.rng, int(0.03 * rate), rate, ctx.rng.uniform(0.004, 0.008), (c * 0.6, c * 1.6))
            for c in ctx.rng.uniform(900.0, 2500.0, 16)]
    onsets_all, left_amps, right_amps = [], [], []
    for _ in range(clappers):
        period = 1.0 / ctx.rng.uniform(3.5, 5.0)
        times = np.arange(ctx.rng.uniform(0, period), ctx.seconds, period) + ctx.rng.normal(0, 0.01, 1)
        at = (times * rate).astype(np.int64) % n
        gain = ctx.rng.lognormal(0, 0.4) * ctx.rng.uniform(0.8, 1.2, at.size)
        pan_l, pan_r = pan_gains(ctx.rng.uniform(-1, 1))
        onsets_all.append(at)
        left_amps.append(gain * pan_l)
        right_amps.append(gain * pan_r)
    at = np.concatenate(onsets_all)
    seed = int(ctx.rng.integers(1 << 31))  # the same grain choice on both sides of each clap
    left = scatter(n, at, np.concatenate(left_amps),
                   ctx.checked(bank), np.random.default_rng(seed), circular=True)
    right = scatter(n, at, np.concatenate(right_amps),
                    ctx.checked(bank), np.random.default_rng(seed), circular=True)
    return stereo(left, right)


@dataclass(frozen=True)
class _Syllable:
    start: int  # frame
    end: int
    vowel: int  # index into VOWELS
    level: float


def _syllable_plan(rng: np.random.Generator, n: int, rate: int) -> list[_Syllable]:
    """One talker's syllables (4-5 per second), grouped in phrases with breaths between them."""
    plan = []
    t = rng.uniform(0, 1.0)
    while t < n / rate:
        for _ in range(int(rng.integers(4, 14))):  # a phrase
            length = rng.uniform(0.12, 0.26)
            a, b = int(t * rate), min(int((t + length) * rate), n)
            if a >= n:
                break
            plan.append(_Syllable(a, b, int(rng.integers(0, len(VOWELS))), float(rng.uniform(0.6, 1.0))))
            t += length + rng.uniform(0.0, 0.06)
        t += rng.uniform(0.3, 1.2)  # breath between phrases
    return plan


def _tracts(scale: float, rate: int) -> list[list[np.ndarray]]:
    """Per vowel, its three formant band-passes (second-order sections), designed once per talker."""
    return [[signal.butter(2, [f * scale * 0.9, f * scale * 1.1], btype="band", fs=rate, output="sos")
             for f in formants] for formants in VOWELS]


def _tract(source: Array, sections: list[np.ndarray]) -> Array:
    """The vocal tract for one vowel: its formant resonances, weaker as they rise."""
    return np.asarray(sum(signal.sosfilt(sos, source) / (i + 1) for i, sos in enumerate(sections)),
                      dtype=np.float32)


def _voice(rng: np.random.Generator, n: int, rate: int) -> Array:
    # intonation (slow) plus ~1 % jitter (fast): a perfectly steady pitch sounds like a synthesizer
    f0 = rng.uniform(95, 240) * (1 + 0.12 * smooth_noise(rng, n, rate, 2.0)
                                 + 0.01 * smooth_noise(rng, n, rate, 40.0))
    phase = np.cumsum(f0 / rate)
    pulses = (2 * (phase % 1.0) - 1).astype(np.float32)
    breath = 0.15 * rng.standard_normal(n).astype(np.float32)  # aspiration noise through the same tract
    glottal = lowpass(pulses + breath, 700.0, rate, order=1)  # -6 dB/oct source tilt
    scale = 1.0 if f0.mean() < 160 else 1.17  # higher voices, shorter vocal tracts: formants ~17 % up
    tracts = _tracts(scale, rate)
    ring = int(0.03 * rate)  # let each syllable's formants ring out
    out = np.zeros(n, dtype=np.float32)
    burst = noise_burst(rng, int(0.03 * rate), rate, 0.008, (2500.0, 7000.0))
    for syl in _syllable_plan(rng, n, rate):  # the source is gated per syllable, then shaped by its vowel
        length = syl.end - syl.start
        gate = np.sin(np.pi * np.arange(length) / max(length, 1)) ** 0.7 * syl.level
        end = min(syl.end + ring, n)
        source = np.zeros(end - syl.start, dtype=np.float32)
        source[:length] = glottal[syl.start : syl.end] * gate
        out[syl.start : end] += _tract(source, tracts[syl.vowel])
        onset = burst[: n - syl.start] * 0.3  # a consonant before the vowel
        out[syl.start : syl.start + onset.size] += onset
    return out


def _layer(rng: np.random.Generator, voices: list[Array], frames: int) -> Array:
    """Pan and distance-blur the talkers across the room, then fold the loop."""
    out = np.zeros((voices[0].shape[0], 2), dtype=np.float32)
    for v in voices:
        left, right = pan_gains(rng.uniform(-1, 1))
        gain = rng.uniform(0.3, 1.0)
        out += stereo(v * gain * left, v * gain * right)
    return loop_crossfade(out, frames)


def walla(ctx: SynthContext) -> Array:
    n = ctx.frames + int(LOOP_FADE * ctx.rate)
    talkers = 6 + int(14 * ctx.intensity)
    voices = []
    for _ in range(talkers):  # 0.1-0.2 s of CPU apiece over a 20 s bed
        ctx.check()
        voices.append(_voice(ctx.rng, n, ctx.rate))
    return _layer(ctx.rng, voices, ctx.frames)


def scrambled_text(rng: np.random.Generator, words: int) -> str:
    """Pseudo-words from common syllables: speech-like rhythm, no meaning to catch the ear."""
    parts = [''.join(rng.choice(SYLLABLES, size=int(rng.integers(1, 4)))) for _ in range(words)]
    return ' '.join(parts).capitalize() + '.'


def walla_from_voices(source: VoiceSource) -> Callable[[SynthContext], Array]:
    def synth(ctx: SynthContext) -> Array:
        n = ctx.frames + int(LOOP_FADE * ctx.rate)
        talkers = 6 + int(10 * ctx.intensity)
        voices = []
        for k in range(talkers):
            chunks, total = [], 0
            while total < n:
                speech = resample(source.speak(scrambled_text(ctx.rng, 8), k % source.voices()),
                                  ctx.rate).mono()
                pause = np.zeros(int(ctx.rng.uniform(0.2, 1.0) * ctx.rate), dtype=np.float32)
                chunks += [speech, pause]
                total += speech.size + pause.size
            voice = np.concatenate(chunks)
            start = int(ctx.rng.integers(0, max(1, voice.size - n)))
            voices.append(voice[start : start + n])
        return _layer(ctx.rng, voices, ctx.frames)

    return synth


def generators(voices: VoiceSource | None = None) -> tuple[Generator, ...]:
    c, bed = Family.CROWD, SoundKind.BED
    synth = walla if voices is None else walla_from_voices(voices)
    return (
        Generator("applause", c, bed, applause, -22.0, (900, 3000), "an audience applauding"),
        Generator("crowd_walla", c, bed, synth, -28.0, (250, 1500), "crowd murmur, many people talking"),
    )

