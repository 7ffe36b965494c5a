from __future__ import annotations

from soundstage.script.director import NEEDS_WRITER, direct
from soundstage.script.intent import classify
from soundstage.script.model import CueKind, Mode

INSTRUCTION = "Generate a short suspense radio drama in a late-night convenience store."


def test_instruction_is_recognised_and_never_spoken() -> None:
    assert classify(INSTRUCTION).mode is Mode.INSTRUCTION
    assert classify("生成一段悬疑广播剧，在深夜的便利店里。").mode is Mode.INSTRUCTION
    assert classify("The store closes at nine.").mode is Mode.TEXT
    script = direct(INSTRUCTION)
    assert script.lines == ()  # nothing to say without a writer: the instruction is not read out
    assert NEEDS_WRITER in script.notes


def test_setting_mood_and_length_come_from_the_words() -> None:
    script = direct(INSTRUCTION)
    assert script.setting == "late-night convenience store"
    assert [(c.kind, c.description) for c in script.cues] == [
        (CueKind.AMBIENCE, "late-night convenience store"), (CueKind.MUSIC, "tense suspense drone")]
    assert script.length == 20.0
    assert direct("Make a 45 second soundscape at the beach").length == 45.0


def test_quoted_lines_become_dialogue_for_two_speakers() -> None:
    script = direct('Create a scene in a kitchen where she says "Dinner is ready" and he says "Coming!"')
    assert script.setting == "kitchen"
    assert [(i.speaker, i.text) for i in script.lines] == [("A", "Dinner is ready"), ("B", "Coming!")]
