"""Speech for listening while it is made: the first phrase alone, then sentence by sentence.

A listener hears nothing until the first chunk is synthesized, and Kokoro's time grows with the
length of what it reads (one call per chunk). So the first chunk is cut short: at the first clause
boundary of the first sentence, or after about eight words when the sentence runs on without one.
The rest follows sentence by sentence, as the engine yields it.

Joins: every chunk starts and ends with a short raised-cosine fade (``JOIN_FADE_SECONDS``), so two
chunks meet at zero and no step between them can click, whatever sample each ended on. Kokoro's own
start and end pads are silence-like, so the fades take nothing audible from the speech (the tests
measure both).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from soundstage.audio.buffer import AudioBuffer
from soundstage.speech.engine import SpeechChunk, SpeechEngine, SpeechRequest
from soundstage.speech.frontend.split import split_sentences

__all__ = ["FIRST_PHRASE_MAX_WORDS", "FIRST_PHRASE_MIN_WORDS", "JOIN_FADE_SECONDS", "first_phrase",
           "stream_speech"]

FIRST_PHRASE_MIN_WORDS = 3  # a shorter head ("Well,") sounds clipped and saves almost nothing
FIRST_PHRASE_MAX_WORDS = 8  # about 2.5 s of speech: Kokoro reads it in ~0.3 s on two idle cores
SHORT_SENTENCE_SLACK = 3  # a first sentence this many words past the maximum is kept whole
CJK_CHARS_PER_WORD = 2.0  # Han and kana run about two characters to an English word's length of speech
JOIN_FADE_SECONDS = 0.005  # 5 ms: below a syllable's attack, above the 1-2 ms a step needs to be inaudible

_CLAUSE_END = re.compile(r"[,;:，；：、—–]+[\"'”’)\]」』]*")
_LATIN_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
# A cut by count backs off past these, so the head does not end on "the" (English only: the common case).
_LEADING_WORDS = frozenset(["a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "and", "or", "but",
                           "with", "from", "as", "my", "your", "his", "her", "its", "our", "their", "this",
                           "that"])


def _words(text: str) -> float:
    """Length of a piece of text in English-word equivalents (CJK characters count as half a word)."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN_WORD.findall(_CJK.sub(" ", text)))
    return latin + cjk / CJK_CHARS_PER_WORD


def _word_cut(sentence: str, words: int) -> int | None:
    """Index just after the ``words``-th Latin word when a space follows it, else None."""
    found = list(_LATIN_WORD.finditer(sentence))
    if len(found) <= words:
        return None
    while words > FIRST_PHRASE_MIN_WORDS and found[words - 1].group().lower() in _LEADING_WORDS:
        words -= 1
    end = found[words - 1].end()
    return end if sentence[end:end + 1].isspace() else None


def first_phrase(text: str) -> tuple[str, str]:
    """``(head, rest)``: the short first chunk and everything after it (``rest`` may be empty)."""
    sentences = split_sentences(text)
    if not sentences:
        return text.strip(), ""
    first = sentences[0]
    start = text.find(first)
    if _words(first) <= FIRST_PHRASE_MAX_WORDS + SHORT_SENTENCE_SLACK:
        cut = len(first)
    else:
        cut = next((m.end() for m in _CLAUSE_END.finditer(first)
                    if FIRST_PHRASE_MIN_WORDS <= _words(first[:m.end()]) <= FIRST_PHRASE_MAX_WORDS), None) \
            or _word_cut(first, FIRST_PHRASE_MAX_WORDS) or len(first)
    return first[:cut].strip(), text[start + cut:].strip()


def _faded(chunk: SpeechChunk, offset: float) -> SpeechChunk:
    samples = chunk.audio.samples.copy()
    n = min(round(JOIN_FADE_SECONDS * chunk.audio.rate), samples.shape[0] // 2)
    if n:
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n, dtype=np.float32)))[:, None]
        samples[:n] *= ramp
        samples[-n:] *= ramp[::-1]
    return replace(chunk, audio=AudioBuffer(samples, chunk.audio.rate), offset=offset)


def stream_speech(engine: SpeechEngine, request: SpeechRequest) -> Iterator[SpeechChunk]:
    """The request's chunks, the first phrase first (see the module docstring); offsets contiguous."""
    offset = 0.0
    for piece in first_phrase(request.text):
        if not piece:
            continue
        for chunk in engine.synthesize(replace(request, text=piece)):
            faded = _faded(chunk, offset)
            offset += faded.audio.duration
            yield faded
