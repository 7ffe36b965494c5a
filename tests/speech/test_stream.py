"""speech.stream: the first phrase is cut short and spoken alone; joins meet at zero (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest

from soundstage.audio.buffer import SPEECH_RATE
from soundstage.speech.engine import SpeechRequest, collect
from soundstage.speech.kokoro import KokoroEngine
from soundstage.speech.languages import Language
from soundstage.speech.stream import FIRST_PHRASE_MAX_WORDS, JOIN_FADE_SECONDS, first_phrase, stream_speech
from soundstage.speech.voices import resolve_voice

THREE_SENTENCES = ("Welcome back, everyone, to the late show about the sea and its storms. Tonight we sail "
                   "out past the harbour lights. Stay with us until the end.")
JOIN_WINDOW = 0.002  # seconds either side of a join where a click would sit


@pytest.mark.parametrize(("text", "head", "rest"), [
    (THREE_SENTENCES, "Welcome back, everyone,", THREE_SENTENCES[len("Welcome back, everyone, "):]),
    ("Hello there. How are you?", "Hello there.", "How are you?"),  # a short first sentence stays whole
    ("On a quiet morning in early spring the old keeper climbed the stairs and watched the boats.",
     "On a quiet morning in early spring", "the old keeper climbed the stairs and watched the boats."),
    ("Yes, I think so, and then we can all leave the house together before the rain comes.",
     "Yes, I think so,", "and then we can all leave the house together before the rain comes."),
    ("Hi", "Hi", ""),
    ("你好，欢迎来到我们的节目，今天我们要聊一聊大海和它的风暴。再见。", "你好，欢迎来到我们的节目，",
     "今天我们要聊一聊大海和它的风暴。再见。"),
])
def test_first_phrase(text: str, head: str, rest: str) -> None:
    assert first_phrase(text) == (head, rest)


def test_head_never_exceeds_the_word_budget_without_punctuation() -> None:
    text = " ".join(["rain"] * 40) + "."
    head, rest = first_phrase(text)
    assert len(head.split()) == FIRST_PHRASE_MAX_WORDS and f"{head} {rest}" == text


@pytest.mark.slow
def test_stream_speaks_the_first_phrase_alone_and_joins_without_clicks(kokoro: KokoroEngine) -> None:
    request = SpeechRequest(THREE_SENTENCES, Language.EN, resolve_voice("af_heart"))
    chunks = list(stream_speech(kokoro, request))
    assert [c.text for c in chunks][:2] == ["Welcome back, everyone,",
                                            "to the late show about the sea and its storms."]
    assert len(chunks) == 4
    audio = collect(chunks).audio.mono()
    fade = round(JOIN_FADE_SECONDS * SPEECH_RATE)
    for c in chunks:  # every chunk starts and ends at zero, offsets are contiguous
        samples = c.audio.mono()
        assert samples[0] == 0.0 and abs(samples[-1]) < 1e-6
        assert np.max(np.abs(samples[:fade // 4])) < 0.01
    offsets = np.cumsum([0.0] + [c.audio.duration for c in chunks[:-1]])
    assert np.allclose([c.offset for c in chunks], offsets)
    steps = np.abs(np.diff(audio))
    typical = np.percentile(steps[np.abs(audio[1:]) > 0.01], 99)
    window = round(JOIN_WINDOW * SPEECH_RATE)
    for join in (round(o * SPEECH_RATE) for o in offsets[1:]):
        worst = steps[join - window:join + window].max()
        assert worst < 0.1 * typical, (join, worst, typical)  # measured: ~1e-4 of full scale at the joins
