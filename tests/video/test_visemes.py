"""IPA -> OVR visemes: coverage of Kokoro's symbols, merging, openness and the exported document."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from soundstage.video.plan import VISEMES, Character, Viseme
from soundstage.video.visemes import (
    HOLD,
    OPENNESS,
    lipsync_json,
    mouth_open_at,
    viseme_of,
    visemes_from_phonemes,
)


def kokoro_symbols() -> list[str]:
    vocab = json.loads(resources.files("soundstage.speech").joinpath("kokoro_vocab.json").read_text("utf-8"))
    return list(vocab["vocab"])


def test_every_kokoro_symbol_has_a_viseme() -> None:
    for symbol in kokoro_symbols():
        assert viseme_of(symbol) in (*VISEMES, HOLD), symbol


@pytest.mark.parametrize("symbols,shape", [
    ("pbm", "PP"), ("fv", "FF"), ("θð", "TH"), ("tdɾ", "DD"), ("kɡ", "kk"), ("ʃʒʧʤɕʨ", "CH"), ("szʦ", "SS"),
    ("nlŋ", "nn"), ("ɹɻ", "RR"), ("aɑæʌI", "aa"), ("eɛəA", "E"), ("iɪ", "ih"), ("oɔO", "oh"), ("uʊwy", "ou"),
    (" .,!?—…\"", "sil"), ("ã", "aa"), ("é", "E"),
])
def test_ipa_classes(symbols: str, shape: str) -> None:
    for symbol in symbols:
        assert viseme_of(symbol) == shape, symbol
    assert viseme_of("") == "sil"


def test_unknown_letters_are_named() -> None:
    with pytest.raises(ValueError, match="'Ж'"):
        viseme_of("Ж")


def test_merging_offset_and_marks() -> None:
    # "", h ə ˈ l O, " ", m, "." -> kk E nn oh(+stress mark held) sil PP sil
    phonemes = [("", 0.0, 0.1), ("h", 0.1, 0.15), ("ə", 0.15, 0.2), ("ˈ", 0.2, 0.2), ("l", 0.2, 0.3),
                ("O", 0.3, 0.5), ("ː", 0.5, 0.55), (" ", 0.55, 0.6), (".", 0.6, 0.7), ("m", 0.7, 0.8),
                ("b", 0.8, 0.9), ("", 0.9, 1.0)]
    got = visemes_from_phonemes(phonemes, offset=2.0)
    assert [(v.shape, round(v.start, 6), round(v.end, 6)) for v in got] == [
        ("sil", 2.0, 2.1), ("kk", 2.1, 2.15), ("E", 2.15, 2.2), ("nn", 2.2, 2.3), ("oh", 2.3, 2.55),
        ("sil", 2.55, 2.7), ("PP", 2.7, 2.9), ("sil", 2.9, 3.0)]


def test_openness() -> None:
    assert set(OPENNESS) == set(VISEMES)
    assert OPENNESS["sil"] == OPENNESS["PP"] == 0.0
    assert OPENNESS["aa"] == max(OPENNESS.values())
    assert min(OPENNESS["aa"], OPENNESS["oh"]) > 2 * max(OPENNESS[s] for s in ("FF", "SS", "TH", "DD"))
    visemes = (Viseme(1.0, 1.2, "PP"), Viseme(1.2, 1.4, "aa"), Viseme(1.4, 1.5, "sil"))
    assert mouth_open_at(visemes, 0.5) == 0.0
    assert mouth_open_at(visemes, 1.1) == 0.0
    assert mouth_open_at(visemes, 1.2) == 1.0
    assert mouth_open_at(visemes, 1.39) == 1.0
    assert mouth_open_at(visemes, 1.45) == 0.0
    assert mouth_open_at(visemes, 9.0) == 0.0
    assert mouth_open_at((), 1.0) == 0.0


def test_lipsync_document() -> None:
    maya = Character("Maya", "woman", (200, 120, 90),
                     (Viseme(0.0, 0.12346, "sil"), Viseme(0.12346, 0.3, "aa")))
    doc = lipsync_json([maya], fps=24)
    assert doc["viseme_set"] == "ovr15" and doc["fps"] == 24
    assert doc["speakers"] == [{"name": "Maya", "visemes": [
        {"start": 0.0, "end": 0.1235, "viseme": "sil"}, {"start": 0.1235, "end": 0.3, "viseme": "aa"}]}]
    json.dumps(doc)
