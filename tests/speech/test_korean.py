"""Korean (no Kokoro voice of its own): found by script, phonemized by espeak-ng, read by a borrowed voice."""

from __future__ import annotations

from soundstage.production.casting import line_language
from soundstage.speech.frontend.langid import identify_spans
from soundstage.speech.languages import Language
from soundstage.speech.voices import BORROWED, Gender, preset_voices


def test_hangul_is_korean() -> None:
    assert line_language("지하철역이 어디에 있어요?") is Language.KO
    spans = identify_spans("그는 말했다 hello there", Language.KO, [Language.EN])
    assert [s.language for s in spans] == [Language.KO, Language.EN]
    assert line_language("Hello there my friend, 안녕") is Language.EN


def test_every_preset_reads_korean_with_a_borrowed_voice_of_its_gender() -> None:
    for voice in preset_voices():
        mix = voice.rendition(Language.KO).mix
        assert mix.parts == ((BORROWED[Language.KO][voice.gender], 1.0),), voice.id
    assert set(BORROWED[Language.KO]) == {Gender.FEMALE, Gender.MALE}
