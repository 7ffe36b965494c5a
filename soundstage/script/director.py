"""The offline director: an instruction becomes a scene built from the instruction's own words.

Without a writer model nothing here can invent dialogue, so the director does what it can honestly:
the setting becomes ambience and foley, genre and mood become a music bed and pacing, and quoted
lines become dialogue. It says so in the script's notes (logged), and it never reads the instruction
itself aloud. Whether a prompt is an instruction at all is decided in ``soundstage.script.intent``.
"""

from __future__ import annotations

import re

from soundstage.script.model import Cue, CueKind, Item, Line, Mode, Pause, Script, Speaker

__all__ = ["NEEDS_WRITER", "direct", "instruction_length", "instruction_mood", "instruction_setting"]

NEEDS_WRITER = ("no writer model is configured or loaded (SOUNDSTAGE_WRITER), so no new dialogue was written:"
                " the scene is built from the instruction's own words (setting, mood, quoted lines)")

SETTING = re.compile(r"\b(?:in|at|on|inside|outside|near)\s+(?:a|an|the)\s+([^.,;!?\"“”]+)", re.IGNORECASE)
SETTING_ZH = re.compile(r"(?:在|于)([^，。！？、]{2,20}?)(?:里|中|内)|(?:在|于)([^，。！？、]{2,20})")
# what follows the place in a Chinese setting phrase: "在海边聊天的温馨短剧" -> 海边
CLAUSE_ZH = re.compile(r"(?:的|聊天|说话|谈话|追查|寻找|见面|相遇|吵架|争吵|讨论|等待|工作|发现|听到|"
                       r"遇到).*$")
CLAUSE = re.compile(r"\s+\b(where|with|who|that|and|while|during|as|when|about)\b.*$", re.IGNORECASE)
QUOTED = re.compile(r"[\"“]([^\"”]{2,300})[\"”]|(?<![A-Za-z])'([^']{2,300})'(?![A-Za-z])|「([^」]{1,300})」")
MOODS: tuple[tuple[tuple[str, ...], str, float], ...] = (
    # words in the instruction, music bed description, pacing (seconds between beats)
    (("suspense", "thriller", "horror", "creepy", "mystery", "tense", "scary", "悬疑", "恐怖", "惊悚", "侦探",
      "推理"),
     "tense suspense drone", 1.2),
    (("comedy", "funny", "playful", "light", "喜剧", "搞笑"), "light playful music", 0.6),
    (("romance", "romantic", "love", "warm", "浪漫", "爱情", "温馨", "温暖"), "warm romantic pads", 0.9),
    (("sad", "melancholic", "tragic", "grief", "悲伤"), "melancholic piano pads", 1.1),
    (("action", "chase", "epic", "battle", "动作", "追逐"), "driving action pulse", 0.5),
    (("calm", "relaxing", "peaceful", "meditation", "平静", "放松"), "calm ambient pads", 1.0),
)
LENGTHS = (("short", 20.0), ("brief", 20.0), ("long", 60.0), ("短", 20.0), ("长", 60.0))
DEFAULT_LENGTH = 30.0  # seconds
MAX_LENGTH = 600.0
EXPLICIT_LENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(seconds?|secs?|s\b|minutes?|mins?|秒|分钟)",
                             re.IGNORECASE)


def instruction_setting(prompt: str) -> str:
    """The place an instruction names ("in a late-night convenience store" -> that), or ""."""
    m = SETTING.search(prompt)
    if m:
        return CLAUSE.sub("", m.group(1)).strip().lower()
    m = SETTING_ZH.search(prompt)
    return CLAUSE_ZH.sub("", m.group(1) or m.group(2)).strip() if m else ""


def instruction_length(prompt: str) -> float:
    """Seconds asked for: explicit ("30 seconds"), a word ("short"), or the default."""
    m = EXPLICIT_LENGTH.search(prompt)
    if m:
        value = float(m.group(1))
        return min(MAX_LENGTH, value * (60.0 if m.group(2).lower().startswith(("m", "分")) else 1.0))
    lower = prompt.lower()
    return next((length for word, length in LENGTHS if word in lower), DEFAULT_LENGTH)


def instruction_mood(prompt: str) -> tuple[str, float] | None:
    """(music bed description, seconds between beats) for a genre or mood word, or None."""
    lower = prompt.lower()
    for words, bed, pacing in MOODS:
        if any(w in lower for w in words):
            return bed, pacing
    return None


def _quotes(prompt: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in QUOTED.finditer(prompt)]


def direct(prompt: str) -> Script:
    setting, mood, quotes = instruction_setting(prompt), instruction_mood(prompt), _quotes(prompt)
    items: list[Item] = []
    if setting:
        items.append(Cue(CueKind.AMBIENCE, setting))
    if mood:
        items.append(Cue(CueKind.MUSIC, mood[0]))
    pacing = mood[1] if mood else 0.8
    speakers = (Speaker("A"), Speaker("B"))
    items.append(Pause(2 * pacing))  # let the room establish before anyone speaks
    for i, quote in enumerate(quotes):
        items.append(Line(speaker=speakers[i % 2].name, text=quote.strip()))
        items.append(Pause(pacing))
    notes = [NEEDS_WRITER]
    if not setting:
        notes.append("the instruction names no place (\"in a ...\"), so there is no ambience bed")
    used = {s.name for s in speakers[: min(2, len(quotes))]}
    return Script(mode=Mode.INSTRUCTION, items=tuple(items),
                  speakers=tuple(s for s in speakers if s.name in used),
                  title=prompt.strip()[:80], setting=setting, notes=tuple(notes),
                  length=instruction_length(prompt))
