"""Cue lexicon: English and Chinese cue texts resolve to generators, settings expand, the rest is reported."""

from __future__ import annotations

import pytest

from soundstage.sound.generators.base import SoundKind
from soundstage.sound.lexicon import Lexicon, build_lexicon
from soundstage.sound.registry import SoundParams, build_registry


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return build_lexicon(build_registry(packs=()))  # the default install: no recorded packs


@pytest.mark.parametrize(
    ("text", "generator"),
    [
        ("traffic on a street", "traffic"),
        ("wind in a forest", "wind_in_leaves"),
        ("steam rising", "steam"),
        ("door chime", "door_chime"),
        ("rain on the window", "rain_window"),
        ("a car passing by", "car_pass"),
        ("footsteps on gravel", "footsteps_gravel"),
        ("蒸汽", "steam"),
        ("风吹树叶", "wind_in_leaves"),
        ("敲门声", "door_knock"),
        ("下大雨", "rain_heavy"),
        ("电话铃声", "phone_ring"),
    ],
)
def test_sound_phrases_resolve_with_high_confidence(lexicon: Lexicon, text: str, generator: str) -> None:
    resolution = lexicon.resolve(text)
    assert resolution.generators() == (generator,)
    assert resolution.cues[0].confidence >= 0.85
    assert resolution.unresolved == ()


@pytest.mark.parametrize("text", ["late-night convenience store", "深夜便利店", "a convenience store"])
def test_setting_expands_into_beds_and_spots(lexicon: Lexicon, text: str) -> None:
    resolution = lexicon.resolve(text)
    assert {"electrical_hum", "fridge_compressor", "room_tone"} <= {c.generator for c in resolution.beds}
    assert "door_chime" in {c.generator for c in resolution.spots}
    assert all(c.setting == "convenience_store" and 0.5 <= c.confidence < 0.85 for c in resolution.cues)
    assert resolution.unresolved == ()


@pytest.mark.parametrize("text", ["a dog barking", "狗叫"])
def test_unmade_sounds_are_reported_with_a_reason(lexicon: Lexicon, text: str) -> None:
    resolution = lexicon.resolve(text)
    assert resolution.cues == ()
    assert len(resolution.unresolved) == 1
    assert "not shipped" in resolution.unresolved[0].reason


def test_unknown_words_are_reported_and_lower_confidence(lexicon: Lexicon) -> None:
    resolution = lexicon.resolve("rain on the window, a helicopter overhead")
    assert resolution.generators() == ("rain_window",)
    assert [u.text for u in resolution.unresolved] == ["helicopter overhead"]
    mixed = lexicon.resolve("traffic and zeppelins")
    assert mixed.generators() == ("traffic",) and mixed.unresolved[0].text == "zeppelins"
    partial = lexicon.resolve("traffic humming violently")
    assert partial.cues[0].confidence < 0.85
    assert partial.unresolved[0].text == "humming violently"


def test_modifiers_set_intensity_and_distance(lexicon: Lexicon) -> None:
    registry = build_registry()
    near = lexicon.resolve("siren").cues[0].params
    far = lexicon.resolve("a distant siren").cues[0].params
    assert (far.distance is not None and near.distance is not None
            and far.distance == pytest.approx(near.distance))
    farther = lexicon.resolve("siren far away").cues[0].params
    assert farther.distance == pytest.approx(8 * registry.get("siren").default_distance)
    assert lexicon.resolve("loud applause").cues[0].params.intensity > 0.8
    assert lexicon.resolve("gentle wind").cues[0].params.intensity < 0.3
    assert lexicon.resolve("远处的雷声").cues[0].params.distance == pytest.approx(
        8 * registry.get("thunder").default_distance)
    quiet, busy = lexicon.resolve("a quiet office"), lexicon.resolve("office")
    assert quiet.cues[0].params.intensity < busy.cues[0].params.intensity


def test_several_cues_in_one_text_and_no_duplicates(lexicon: Lexicon) -> None:
    resolution = lexicon.resolve("heavy rain, distant thunder and footsteps; rain again")
    assert resolution.generators() == ("rain_heavy", "thunder", "footsteps_concrete")
    kinds = {c.generator: c.kind for c in resolution.cues}
    assert kinds["thunder"] is SoundKind.SPOT and kinds["rain_heavy"] is SoundKind.BED


@pytest.mark.parametrize(
    "setting", ["kitchen", "busy street", "forest", "rain at night", "office", "beach", "campfire at night",
                "restaurant", "suspense", "夏夜"])
def test_every_setting_resolves_and_renders(lexicon: Lexicon, setting: str) -> None:
    resolution = lexicon.resolve(setting)
    assert resolution.beds, setting
    registry = build_registry()
    cue = resolution.beds[0]
    params = SoundParams(duration=0.5, intensity=cue.params.intensity, distance=cue.params.distance)
    assert registry.render(cue.generator, params).frames > 0
