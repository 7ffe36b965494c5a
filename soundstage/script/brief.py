"""The brief a writer model gets: the request with what a small model needs spelled out.

An instruction such as "Generate a short suspense radio drama in a late-night convenience store" leaves
a 1.5B model to guess the shape. The brief names it: the genre's beats (setup, turn, sting), the length
in spoken lines (a "short" drama is 6-8 lines, about 20-40 s), the speakers, the language of the
instruction (a Chinese instruction gets Chinese dialogue) and the setting's sounds as cues. Every writer
gets the same brief; the checks a draft must pass (``problems``) are written against it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from soundstage.script.director import instruction_length, instruction_mood, instruction_setting
from soundstage.script.model import Line, Script

__all__ = ["Brief", "make_brief", "problems"]

SECONDS_PER_LINE = (5.0, 3.5)  # a dialogue line lasts 3.5-5 s spoken, with the pauses between lines
MIN_LINES = 4  # fewer is not a drama: the draft is rejected (issue 11)
FLOOR_LINES = (6, 8)  # the least a brief asks for: a "short" drama is 6-8 lines
MAX_LINES = 24  # what one answer of the embedded model holds in its context with room to spare
COPY_WORDS = 5  # a line sharing this many words in a row with the instruction copies it
COPY_CHARACTERS = 6  # the same for Chinese and Japanese, counted in characters
BEATS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    # words in the instruction, the genre as the brief names it, its beats
    (("suspense", "thriller", "horror", "mystery", "creepy", "scary", "detective", "悬疑", "恐怖", "惊悚",
      "侦探", "推理"),
     "suspense drama", ("setup (who is there and what is odd), turn (the danger or the clue shows itself), "
     "sting (a last line that chills)")),
    (("comedy", "comic", "funny", "sketch", "joke", "喜剧", "搞笑", "小品", "相声"),
     "comedy sketch",
     "setup (a small problem), escalation (it gets sillier), punchline (a last line that lands)"),
    (("romance", "romantic", "love", "warm", "heartwarming", "浪漫", "爱情", "温馨", "温暖"),
     "warm scene", ("meeting (who they are to each other), tension (what is left unsaid), "
     "warmth (a last line that resolves it)")),
    (("sci-fi", "science fiction", "space", "robot", "future", "科幻", "太空", "机器人"),
     "science-fiction drama", ("setup (the crew and the place), turn (something impossible happens), "
     "sting (a last line that opens a question)")),
    (("action", "chase", "battle", "heist", "动作", "追逐", "战斗"),
     "action scene", "setup (the goal), turn (it goes wrong), sting (a narrow escape or a twist)"),
    (("sad", "tragic", "grief", "farewell", "悲伤", "告别"),
     "sad drama", "setup (what is about to be lost), turn (it is said aloud), sting (a quiet last line)"),
)
DEFAULT_BEATS = ("drama", "setup (who and where), turn (something changes), sting (a last line that lands)")
MONOLOGUE = re.compile(r"\b(monologue|soliloquy|one speaker|single speaker|narrat\w*)\b|独白|旁白|一个人",
                       re.IGNORECASE)


@dataclass(frozen=True)
class Brief:
    """What to write. ``message()`` is the user's turn a writer model receives."""

    instruction: str
    genre: str
    beats: str
    lines: tuple[int, int]  # spoken lines asked for, least and most
    speakers: tuple[int, int]
    language: str  # "en", "zh", "ja", or "" (the instruction's own language, whatever it is)
    setting: str  # the place as the instruction names it (the sound lexicon knows these words)
    mood: str | None  # a music bed for the genre, when the instruction names one
    scene: str | None = None  # an image's description, when the request has an image

    def message(self) -> str:
        who = "one speaker" if self.speakers[1] == 1 else "two or three speakers, each of whom speaks"
        parts = [f"Request: {self.instruction.strip()}"]
        if self.scene:
            parts.append(f"The scene: {self.scene}")
        parts += [
            f"Write it as a {self.genre} in three beats: {self.beats}.",
            (f"Length: {self.lines[0]} to {self.lines[1]} spoken lines, {who}; one or two short"
             " sentences a line."),
            f"Language: {LANGUAGE_NOTES.get(self.language, 'every line in the language of the request.')}",
            (f"Sounds: the ambience of {self.setting or 'the place where it happens'}, and at least one spot "
            "sound where the story needs it."),
        ]
        return "\n".join(parts)


LANGUAGE_NOTES = {
    "en": "every line in English.",
    "zh": "Chinese (简体中文): the title, the names and every line in Chinese.",
    "ja": "Japanese (日本語): the title, the names and every line in Japanese.",
}


def _language(text: str) -> str:
    if any("\u3040" <= c <= "\u30ff" for c in text):
        return "ja"
    if any("\u4e00" <= c <= "\u9fff" for c in text):
        return "zh"
    return "en" if all(ord(c) < 128 for c in text) else ""


def _genre(lower: str) -> tuple[str, str]:
    return next(((genre, beats) for words, genre, beats in BEATS if any(w in lower for w in words)),
                DEFAULT_BEATS)


def make_brief(instruction: str, scene: str | None = None) -> Brief:
    length = instruction_length(instruction)
    least = min(MAX_LINES, max(FLOOR_LINES[0], round(length / SECONDS_PER_LINE[0])))
    most = min(MAX_LINES, max(FLOOR_LINES[1], round(length / SECONDS_PER_LINE[1])))
    genre, beats = _genre(instruction.lower())
    mood = instruction_mood(instruction)
    speakers = (1, 1) if MONOLOGUE.search(instruction) else (2, 3)
    return Brief(instruction, genre, beats, (least, most), speakers, _language(instruction),
                 instruction_setting(instruction), mood[0] if mood else None, scene)


# --- the checks a draft must pass --------------------------------------------------------------


def _units(text: str, cjk: bool) -> list[str]:
    kept = "".join(" " if unicodedata.category(c)[0] in "PSZ" else c for c in text.lower())
    return [c for c in kept if not c.isspace()] if cjk else kept.split()


def _copies(line: str, instruction: str, cjk: bool) -> bool:
    n = COPY_CHARACTERS if cjk else COPY_WORDS
    said, asked = _units(line, cjk), _units(instruction, cjk)
    grams = {tuple(asked[i:i + n]) for i in range(len(asked) - n + 1)}
    return any(tuple(said[i:i + n]) in grams for i in range(len(said) - n + 1))


def _in_language(line: Line, language: str) -> bool:
    if language in ("zh", "ja"):
        return _language(line.text) in ("zh", "ja")
    return True


def problems(script: Script, brief: Brief) -> list[str]:
    """Why a draft cannot be used (empty: it can): too few lines or speakers, a repeated line, a line
    copying the instruction, a line in another language than the instruction's."""
    found: list[str] = []
    lines = script.lines
    if len(lines) < MIN_LINES:
        found.append(f"{len(lines)} spoken line(s); at least {MIN_LINES} are needed")
    speaking = {line.speaker for line in lines}
    if len(speaking) < brief.speakers[0]:
        found.append(f"{len(speaking)} speaker(s); at least {brief.speakers[0]} are needed")
    seen: dict[str, int] = {}
    cjk = brief.language in ("zh", "ja")
    for n, line in enumerate(lines, start=1):
        key = " ".join(_units(line.text, cjk))
        if key in seen:
            found.append(f"line {n} repeats line {seen[key]}")
        seen.setdefault(key, n)
        if _copies(line.text, brief.instruction, cjk):
            found.append(f"line {n} copies the request: {line.text[:60]!r}")
        if not _in_language(line, brief.language):
            found.append(f"line {n} is not in the request's language ({brief.language}): {line.text[:60]!r}")
    return found
