"""Phoneme and word timings from Kokoro's predicted durations (for subtitles and lip sync).

Kokoro's duration predictor gives, per input token, a whole number of frames; the decoder turns each
frame into ``FRAME_SAMPLES`` samples. Measured on the int8 export: audio length == 600 x sum(durations)
exactly, for every sentence tried, so timings computed here span the audio to the sample.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from soundstage.audio.buffer import SPEECH_RATE
from soundstage.speech.frontend.phonemes import NO_WORD, Phonemes

__all__ = ["FRAME_SAMPLES", "FRAME_SECONDS", "PhonemeTiming", "Timings", "WordTiming", "timings_from_frames"]

FRAME_SAMPLES = 600  # samples per duration frame: Kokoro's hop (300) x the decoder's 2x upsampling
FRAME_SECONDS = FRAME_SAMPLES / SPEECH_RATE  # 25 ms


@dataclass(frozen=True)
class PhonemeTiming:
    phoneme: str  # one IPA symbol, a space, punctuation, or "" for the model's start/end pads
    start: float  # seconds from the start of the chunk's audio
    end: float


@dataclass(frozen=True)
class WordTiming:
    word: str
    start: float
    end: float


@dataclass(frozen=True)
class Timings:
    phonemes: tuple[PhonemeTiming, ...]
    words: tuple[WordTiming, ...]

    @property
    def end(self) -> float:
        return self.phonemes[-1].end if self.phonemes else 0.0

    def shifted(self, seconds: float) -> Timings:
        """The same timings, ``seconds`` later (to place a chunk after earlier ones)."""
        return self.scaled(1.0, seconds)

    def scaled(self, factor: float, offset: float = 0.0) -> Timings:
        """Stretch times by ``factor`` (after a time-stretch of the audio), then add ``offset``."""
        return Timings(
            tuple(replace(p, start=p.start * factor + offset, end=p.end * factor + offset)
                  for p in self.phonemes),
            tuple(replace(w, start=w.start * factor + offset, end=w.end * factor + offset)
                  for w in self.words),
        )


def timings_from_frames(phonemes: Phonemes, frames: Iterable[int] | Sequence[int]) -> Timings:
    """Timings for ``phonemes`` given the model's frames per token (which include a pad at each end)."""
    frames = [int(n) for n in frames]
    if len(frames) != len(phonemes) + 2:
        raise ValueError(f"{len(frames)} durations for {len(phonemes)} phonemes (+2 pads)")
    edges = [0]
    for n in frames:
        edges.append(edges[-1] + n)
    t = [e * FRAME_SECONDS for e in edges]
    symbols = ["", *phonemes.text, ""]
    per_phoneme = tuple(PhonemeTiming(s, t[i], t[i + 1]) for i, s in enumerate(symbols))
    return Timings(per_phoneme, _word_spans(phonemes, t))


def _word_spans(phonemes: Phonemes, t: Sequence[float]) -> tuple[WordTiming, ...]:
    spans: dict[int, tuple[float, float]] = {}
    for k, (owner, symbol) in enumerate(zip(phonemes.owner, phonemes.text, strict=True)):
        if owner == NO_WORD or symbol.isspace():
            continue
        start, end = t[k + 1], t[k + 2]  # +1: the start pad
        first = spans.get(owner, (start, end))
        spans[owner] = (min(first[0], start), max(first[1], end))
    return tuple(WordTiming(phonemes.words[i], *spans[i]) for i in sorted(spans))
