from __future__ import annotations

from soundstage.script.model import Cue, CueKind, Line, Mode, Pause
from soundstage.script.parse import NARRATOR, looks_like_script, parse_script

DRAMA = """INT. CONVENIENCE STORE - NIGHT
[ambience: rain on the window]
CLERK (whispering): Who's there?
[sfx: door chime]
Mia: Just me. [pause 0.5s] Sorry. (laughs) I needed milk.
"""


def test_screenplay_lines_cues_pauses_and_heading() -> None:
    script = parse_script(DRAMA)
    assert script.setting == "convenience store"
    kinds = [type(i).__name__ for i in script.items]
    assert kinds == ["Cue", "Line", "Cue", "Line", "Pause", "Line", "Pause", "Line"]
    clerk = script.items[1]
    assert isinstance(clerk, Line) and clerk.speaker == "CLERK" and clerk.text == "Who's there?"
    assert clerk.delivery.gain_db < -6 and clerk.delivery.notes == ("whispering",)
    assert script.items[0] == Cue(CueKind.AMBIENCE, "rain on the window")
    assert script.items[4] == Pause(0.5)
    assert [s.name for s in script.speakers] == ["CLERK", "Mia"]
    assert any("laughs" in n and "cannot" in n for n in script.notes)  # said, not faked


def test_dia_tags_minimax_pauses_and_explicit_voice() -> None:
    script = parse_script("[S1] Hello there. [S2] Hi <#0.3#> you.\nBob (voice: kian_en_zh): Hey.")
    assert [(i.speaker, i.text) for i in script.lines] == [("S1", "Hello there."), ("S2", "Hi"),
                                                           ("S2", "you."), ("Bob", "Hey.")]
    assert Pause(0.3) in script.items
    bob = next(s for s in script.speakers if s.name == "Bob")
    assert bob.voice == "kian_en_zh" and bob.gender == "male"


def test_full_width_colon_and_reference_cue() -> None:
    script = parse_script("老王：你好。\n小李：你好！\n[ambience: @Audio2]")
    assert [i.speaker for i in script.lines] == ["老王", "小李"]
    assert script.cues[0].reference == 2


def test_plain_text_is_not_a_script_and_free_lines_go_to_the_narrator() -> None:
    assert not looks_like_script("Note: the store closes at nine. Please come early.")
    assert looks_like_script(DRAMA)
    script = parse_script("Once upon a time.\nALICE: Hi.\nBOB: Hello.", Mode.SCRIPT)
    assert script.lines[0].speaker == NARRATOR
