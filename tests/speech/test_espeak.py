"""The espeak-ng engine through the same Protocol."""

from __future__ import annotations

import pytest

from soundstage.audio.buffer import SPEECH_RATE
from soundstage.errors import InvalidInput
from soundstage.speech.engine import EngineConfig, default_registry
from soundstage.speech.espeak import EspeakEngine
from soundstage.speech.languages import Language
from tests.speech.conftest import speak


def test_speaks_english_with_word_timings(espeak: EspeakEngine) -> None:
    speech = speak(espeak, "Hello world. This is espeak.")
    assert len(speech.chunks) == 2 and speech.audio.rate == SPEECH_RATE
    words = [w.word for w in speech.timings.words]
    assert words == ["Hello", "world", "This", "is", "espeak"]
    starts = [w.start for w in speech.timings.words]
    assert starts == sorted(starts) and speech.timings.words[-1].end <= speech.audio.duration + 1e-6


@pytest.mark.parametrize("speed", [0.5, 2.0])
def test_speed_scales_duration(espeak: EspeakEngine, speed: float) -> None:
    text = "The rain in Spain stays mainly in the plain."
    normal, changed = speak(espeak, text), speak(espeak, text, speed=speed)
    assert changed.audio.duration == pytest.approx(normal.audio.duration / speed, rel=0.03)


def test_indonesian_through_a_persona(espeak: EspeakEngine) -> None:
    speech = speak(espeak, "Selamat pagi, apa kabar?", "mindy_en_es_id_pt_zh", Language.ID)
    assert speech.audio.duration > 0.8


def test_registry_lists_engines_and_rejects_unknown(tmp_path) -> None:  # type: ignore[no-untyped-def]
    registry = default_registry()
    assert {"kokoro", "espeak"} <= set(registry.names())
    assert isinstance(registry.build("espeak", EngineConfig(tmp_path)), EspeakEngine)
    with pytest.raises(InvalidInput, match="unknown speech engine 'piper'.*espeak, kokoro"):
        registry.build("piper", EngineConfig(tmp_path))
