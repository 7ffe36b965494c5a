"""The speech route's voice names: ours, OpenAI's as fixed aliases, inline blends (issue 12)."""

from __future__ import annotations

import pytest

from soundstage.apps.speech.voices import OPENAI_VOICES, speech_voice
from soundstage.errors import InvalidInput
from soundstage.speech.languages import Language
from soundstage.speech.voices import KOKORO_VOICES


def test_openai_names_map_to_fixed_kokoro_voices() -> None:
    assert set(OPENAI_VOICES.values()) <= set(KOKORO_VOICES)
    assert speech_voice("alloy").id == "af_alloy" and speech_voice("Onyx").id == "am_onyx"


def test_presets_and_kokoro_voices_pass_through() -> None:
    assert speech_voice("kian_en_zh").id == "kian_en_zh" and speech_voice("bm_fable").id == "bm_fable"


def test_blends_take_weights_and_the_heaviest_voice_language() -> None:
    voice = speech_voice("af_bella(3) + ff_siwis(1)")
    mix = voice.rendition(Language.EN).mix
    assert dict(mix.parts) == {"af_bella": 0.75, "ff_siwis": 0.25} and voice.primary is Language.EN
    even = speech_voice("af_sky+am_adam").rendition(Language.EN).mix
    assert dict(even.parts) == {"af_sky": 0.5, "am_adam": 0.5}


@pytest.mark.parametrize(("name", "words"), [("nobody", "known voices"),
                                             ("af_bella+zz_none", "not a Kokoro voice"),
                                             ("af_bella(x)+af_sky", "not a Kokoro voice")])
def test_unknown_names_are_refused_not_replaced(name: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        speech_voice(name)
