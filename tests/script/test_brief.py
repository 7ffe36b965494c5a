"""The brief a writer gets (beats, length in lines, language, setting) and the checks a draft must pass
(issue 11)."""

from __future__ import annotations

from dataclasses import replace

from soundstage.script.brief import Brief, make_brief, problems
from soundstage.script.model import Cue, CueKind, Line, Mode, Script, Speaker
from soundstage.script.writing import DirectorWriter, finish

STORE = "Generate a short suspense radio drama in a late-night convenience store"
STORE_ZH = "生成一段发生在深夜便利店的悬疑广播剧"


def _script(*lines: tuple[str, str]) -> Script:
    names = list(dict.fromkeys(name for name, _ in lines))
    return Script(Mode.INSTRUCTION, tuple(Line(name, text) for name, text in lines),
                  tuple(Speaker(n) for n in names))


def test_a_short_suspense_drama_gets_its_beats_length_language_and_setting() -> None:
    brief = make_brief(STORE)
    assert ((brief.genre, brief.lines, brief.speakers, brief.language)
            == ("suspense drama", (6, 8), (2, 3), "en"))
    assert brief.setting == "late-night convenience store" and brief.mood == "tense suspense drone"
    message = brief.message()
    assert message.startswith(f"Request: {STORE}\n")
    assert "setup (" in message and "sting (" in message and "6 to 8 spoken lines" in message
    assert "every line in English" in message and "ambience of late-night convenience store" in message


def test_a_chinese_instruction_asks_for_chinese_dialogue() -> None:
    brief = make_brief(STORE_ZH)
    assert brief.language == "zh" and brief.setting == "深夜便利店" and brief.genre == "suspense drama"
    assert "简体中文" in brief.message()
    assert make_brief("写一段两个朋友在海边聊天的温馨短剧").setting == "海边"


def test_length_and_speakers_follow_the_instruction() -> None:
    assert make_brief("Write a 60-second comedy sketch about two chefs in a kitchen").lines == (12, 17)
    assert make_brief("Write a ten-minute drama in a lighthouse").lines[1] <= 24  # one answer's worth
    assert make_brief("Write a short monologue by a lighthouse keeper").speakers == (1, 1)
    assert make_brief("Write a scene in a lighthouse").genre == "drama"


def test_a_good_draft_passes() -> None:
    draft = _script(("Clerk", "We close in five minutes."), ("Mia", "The door was open."),
                    ("Clerk", "It locks itself at midnight."), ("Mia", "Then who is standing behind you?"))
    assert problems(draft, make_brief(STORE)) == []


def test_drafts_that_are_too_short_repeat_copy_or_switch_language_are_rejected() -> None:
    brief = make_brief(STORE)
    assert problems(_script(("A", "Hello."), ("B", "Hi.")),
                    brief) == ["2 spoken line(s); at least 4 are needed"]
    alone = _script(*[("A", f"Line number {n}.") for n in range(4)])
    assert problems(alone, brief) == ["1 speaker(s); at least 2 are needed"]
    repeated = _script(("A", "Who's there?"), ("B", "Nobody."), ("A", "Who's there?!"),
                       ("B", "Nobody at all."))
    assert problems(repeated, brief) == ["line 3 repeats line 1"]
    copied = _script(("A", "A short suspense radio drama in a late-night store."), ("B", "What?"),
                     ("A", "Yes."), ("B", "No."))
    assert problems(copied, brief)[0].startswith("line 1 copies the request")
    english = _script(("店员", "我们要关门了。"), ("米娅", "门开着。"), ("店员", "Who are you?"),
                      ("米娅", "你身后是谁？"))
    assert problems(english, make_brief(STORE_ZH)) == [
        "line 3 is not in the request's language (zh): 'Who are you?'"]


def test_finish_keeps_the_instructions_setting_and_adds_the_genres_music() -> None:
    draft = replace(_script(("A", "Hi."), ("B", "Hello.")), setting="a shop at night",
                    items=(Cue(CueKind.AMBIENCE, "fridge hum"),
                           *_script(("A", "Hi."), ("B", "Hello.")).items))
    done = finish(draft, make_brief(STORE))
    assert done.setting == "late-night convenience store"
    assert [(c.kind, c.description) for c in done.cues] == [(CueKind.MUSIC, "tense suspense drone"),
                                                            (CueKind.AMBIENCE, "fridge hum")]
    assert finish(draft, make_brief("Write a scene with two friends")).setting == "a shop at night"


def test_the_director_writes_no_dialogue_and_says_why() -> None:
    script = DirectorWriter().write(make_brief(STORE), 0, lambda m, level: None)
    assert script.lines == () and script.setting == "late-night convenience store"
    assert script.notes[-1] == "the writer is off (SOUNDSTAGE_WRITER=off)"
    scene = DirectorWriter().write(Brief("Write a scene", "drama", "", (6, 8), (2, 3), "en", "", None,
                                         "a harbour"),
                                   0, lambda m, level: None)
    assert scene.setting == "a harbour" and scene.cues[0] == Cue(CueKind.AMBIENCE, "a harbour")
