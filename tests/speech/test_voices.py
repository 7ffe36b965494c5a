"""Voice catalog, lookup errors and custom blends."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from soundstage.errors import InvalidInput
from soundstage.speech.engine import SpeechRequest, collect
from soundstage.speech.kokoro import KokoroEngine
from soundstage.speech.languages import Language
from soundstage.speech.voices import (
    KOKORO_VOICES,
    PRESET_IDS,
    CustomVoices,
    Gender,
    VoiceMix,
    preset_voices,
    resolve_voice,
    voice_catalog,
)

SEED_ENUM = ["vivi_mixed_en_zh_ja_es_id", "mindy_en_es_id_pt_zh", "kian_en_zh", "cedric_en_zh",
             "sophie_en_zh", "jean_en_zh", "magnus_en_zh", "mabel_en_zh", "nadia_en_zh", "opal_en_zh",
             "pearl_en_zh", "quentin_en_zh", "corinne_mixed_en_zh", "esther_mixed_en_zh", "lyla_mixed_en_zh",
             "tracy_es_zh", "sandy_es_mixed_en_zh", "felix_zh", "celeste_zh", "monkey_king_zh"]


def test_presets_are_the_seed_enum_plus_stokie() -> None:
    assert list(PRESET_IDS) == [*SEED_ENUM, "stokie_en"]


@pytest.mark.parametrize("voice", preset_voices(), ids=lambda v: v.id)
def test_voice_id_languages_match_its_renditions(voice) -> None:  # type: ignore[no-untyped-def]
    in_id = {part for part in voice.id.split("_") if part in {lang.value for lang in Language}}
    assert {lang.value for lang in voice.languages} == in_id


def test_persona_keeps_one_gender_across_languages() -> None:
    for voice in preset_voices():
        for rendition in voice.renditions.values():
            main = max(rendition.mix.parts, key=lambda p: p[1])[0]
            assert main[1] == ("f" if voice.gender is Gender.FEMALE else "m"), (voice.id, main)


def test_catalog_lists_presets_kokoro_voices_and_custom(tmp_path: Path) -> None:
    custom = CustomVoices(tmp_path / "custom.json")
    custom.save("my_narrator", {"af_heart": 0.6, "bf_emma": 0.4}, [Language.EN], Gender.FEMALE,
                "Warm narrator")
    rows = voice_catalog("/voices/{id}/preview.wav", custom)
    assert len(rows) == 21 + 54 + 1
    first = rows[0].to_json()
    assert first == {"id": "vivi_mixed_en_zh_ja_es_id", "languages": ["en", "zh", "ja", "es", "id"],
                     "gender": "female", "description": first["description"], "kind": "preset",
                     "preview_url": "/voices/vivi_mixed_en_zh_ja_es_id/preview.wav"}
    assert rows[-1].id == "my_narrator" and rows[-1].kind == "custom"
    json.dumps([r.to_json() for r in rows])


def test_kokoro_voices_by_their_own_names() -> None:
    assert len(KOKORO_VOICES) == 54
    assert resolve_voice("jm_kumo").languages == (Language.JA,)
    assert resolve_voice("bm_george").rendition(Language.EN).mix.british


def test_unknown_voice_and_bad_blends_are_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="known voices: vivi_mixed_en_zh_ja_es_id") as err:
        resolve_voice("default")
    assert err.value.errors[0].loc == ("body", "voice")
    with pytest.raises(InvalidInput, match="af_nobody"):
        VoiceMix((("af_nobody", 1.0),))
    with pytest.raises(InvalidInput, match="built-in"):
        CustomVoices(tmp_path / "c.json").save("af_heart", {"af_bella": 1.0}, [Language.EN], Gender.FEMALE)


def test_custom_blend_speaks_between_its_parts(kokoro: KokoroEngine, tmp_path: Path) -> None:
    custom = CustomVoices(tmp_path / "custom.json")
    custom.save("half_half", {"af_heart": 0.5, "am_michael": 0.5}, [Language.EN], Gender.FEMALE)
    voice = resolve_voice("half_half", custom)
    style = kokoro.model.style(voice.rendition(Language.EN).mix, 20)
    parts = [kokoro.model.style(VoiceMix.of(n), 20) for n in ("af_heart", "am_michael")]
    assert np.allclose(style, 0.5 * parts[0] + 0.5 * parts[1], atol=1e-6)
    speech = collect(kokoro.synthesize(SpeechRequest("Hello there.", Language.EN, voice)))
    assert speech.audio.duration > 0.5
