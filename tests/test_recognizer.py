"""The shared test recognizer (tests/support/recognizer.py): scoring, model assembly, and round trips
through the real Kokoro engine in English and Mandarin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from soundstage.speech.assets import fetch_kokoro_assets
from soundstage.speech.controls import Controls
from soundstage.speech.engine import EngineConfig, SpeechEngine, SpeechRequest, collect
from soundstage.speech.kokoro import build_kokoro_engine
from soundstage.speech.languages import Language
from soundstage.speech.voices import resolve_voice
from tests.support.recognizer import VOCABULARY_SIZE, Recognizer, cer, default_cache_dir, model_dir, wer

ENGLISH = "The library opens at nine in the morning, and the cafe closes at six."
MANDARIN = "今天天气很好，我们一起去公园散步吧。"
# measured 0.00 with af_heart (Whisper's "9" counts as "nine"); unintelligible speech scores above 0.5
MAX_WER = 0.15
MAX_CER = 0.15  # measured 0.00 with zf_xiaoxiao (docs: 0.00-0.05 for the clear Mandarin voices)


def test_wer_ignores_case_punctuation_and_digits() -> None:
    assert wer("Hello, World!", "hello world") == 0.0
    assert wer("the cat sat", "the dog sat") == pytest.approx(1 / 3)
    assert wer("the cat sat", "") == 1.0
    assert wer("It opens at nine, costs one thousand five hundred.", "It opens at 9, costs 1,500.") == 0.0
    assert wer("Son las nueve.", "Son las 9.", language="es") == 0.0


def test_cer_scores_traditional_as_simplified_and_ignores_punctuation() -> None:
    assert cer("我们去公园。", "我們 去公園") == 0.0
    assert cer("今天很好", "今天不好") == pytest.approx(1 / 4)
    assert cer("こんにちは。", "こんにちわ") == pytest.approx(1 / 5)


@pytest.mark.slow
def test_model_directory_is_complete() -> None:
    path = model_dir()
    assert {p.name for p in path.iterdir()} >= {"model.bin", "config.json", "tokenizer.json",
                                                "vocabulary.json"}
    vocabulary = json.loads((path / "vocabulary.json").read_text(encoding="utf-8"))
    assert len(vocabulary) == VOCABULARY_SIZE
    assert (vocabulary[50257] == "<|endoftext|>" and vocabulary[50364] == "<|0.00|>"
            and vocabulary[-1] == "<|30.00|>")


@pytest.fixture(scope="module")
def kokoro() -> SpeechEngine:
    models: Path = default_cache_dir()
    fetch_kokoro_assets(models)  # a verified cache is kept as is
    return build_kokoro_engine(EngineConfig(models, threads=2, fetch=False))


@pytest.mark.slow
@pytest.mark.parametrize("text,voice,language", [(ENGLISH, "af_heart", Language.EN),
                                                 (MANDARIN, "zf_xiaoxiao", Language.ZH)])
def test_round_trip_through_kokoro(recognizer: Recognizer, kokoro: SpeechEngine, text: str, voice: str,
                                   language: Language) -> None:
    speech = collect(kokoro.synthesize(SpeechRequest(text, language, resolve_voice(voice), Controls())))
    heard = recognizer.transcribe(speech.audio.mono(), speech.audio.rate, language.value)
    if language is Language.EN:
        assert wer(text, heard) <= MAX_WER, heard
    else:
        assert cer(text, heard) <= MAX_CER, heard
