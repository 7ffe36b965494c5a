"""Video prompts -> dialogue lines with speakers and gender hints, the setting, and music only when asked."""

from __future__ import annotations

import pytest

from soundstage.script.model import CueKind
from soundstage.script.video_prompt import parse_video_prompt

SEED = ("Wide shot of a chef plating a dish in a warmly lit kitchen, steam rising, slow push in on the"
        " plate, dialogue: 'Service is on'.")

CASES = [
    (SEED, [("Chef", "Service is on")]),
    (('An old man sits on a bench. He says, "We close at nine." A young woman replies: "Then we had better'
      ' hurry."'),
     [("Old man", "We close at nine."), ("Young woman", "Then we had better hurry.")]),
    ('"Ready?" she asks. The boy nods.', [("Woman", "Ready?")]),
    ("女孩低声说：“我们走吧。”雨夜的街道。", [("女孩", "我们走吧。")]),
    ("CHEF: Service is on.\nWAITER: Table four is waiting.",
     [("CHEF", "Service is on."), ("WAITER", "Table four is waiting.")]),
    ("A detective in a rainy street mutters \"It's always raining here.\"",
     [("Detective", "It's always raining here.")]),
    ('A woman in a kitchen says: "It\'s ready." Then the man answers "Smells great".',
     [("Woman", "It's ready."), ("Man", "Smells great")]),
    ("Una mujer en la cocina, diálogo: 'La cena está lista'.", [("Speaker", "La cena está lista")]),
    ("카페에 한 여자가 앉아 있다. 여자가 말한다: “지하철역이 어디에 있어요?”",
     [("여자", "지하철역이 어디에 있어요?")]),
    ("A sunrise over the mountains, birds, wind.", []),
]


@pytest.mark.parametrize(("prompt", "expected"), CASES)
def test_dialogue_and_speakers(prompt: str, expected: list[tuple[str, str]]) -> None:
    script = parse_video_prompt(prompt)
    assert [(line.speaker, line.text) for line in script.lines] == expected


def test_speakers_carry_gender_hints() -> None:
    script = parse_video_prompt(CASES[1][0])
    assert {s.name: s.gender for s in script.speakers} == {"Old man": "male", "Young woman": "female"}


def test_setting_keeps_the_scene_and_drops_the_dialogue() -> None:
    script = parse_video_prompt(SEED)
    assert "kitchen" in script.setting and "steam rising" in script.setting
    assert "Service is on" not in script.setting and "dialogue" not in script.setting


def test_music_only_when_asked() -> None:
    assert not parse_video_prompt(SEED).cues
    asked = parse_video_prompt("A detective on a rainy street, slow noir jazz music, dialogue: 'Again.'")
    assert [c.kind for c in asked.cues] == [CueKind.MUSIC]
    refused = parse_video_prompt("A quiet office, no music, dialogue: 'Again.'")
    assert not refused.cues


def test_no_dialogue_is_said_in_the_notes() -> None:
    assert parse_video_prompt(CASES[-1][0]).notes
