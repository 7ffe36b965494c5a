"""The script format: forgiving, and made of conventions writers already know.

    INT. CONVENIENCE STORE - NIGHT                  a scene heading sets the setting
    [ambience: rain on the window]                  a bed from here on (also [music: ...])
    CLERK (whispering): Who's there?                NAME (direction): line
    [sfx: door chime]                               a spot sound
    Mia: Just me. [pause 0.5s] Sorry. (laughs)      pauses: [pause 0.5s], [pause], <#0.5#>
    [S1] Dia-style tags work too. [S2] Yes.         [S1], [S2] ... are speakers
    NAME (voice: kian_en_zh): ...                   pick a voice for a speaker
    [ambience: @Audio2]                             a reference clip as the sound

Full-width colons (``：``) work as well. Lines that match nothing are spoken by a Narrator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from soundstage.script.directions import NON_VERBAL_BEAT, apply_direction
from soundstage.script.mentions import audio_reference
from soundstage.script.model import Cue, CueKind, Delivery, Item, Line, Mode, Pause, Script, Speaker

__all__ = ["NARRATOR", "looks_like_script", "parse_script"]

NARRATOR = "Narrator"
DEFAULT_PAUSE = 0.5  # seconds, for a bare [pause]
MAX_PAUSE = 10.0

_NAME = r"[A-Z\u4e00-\u9fff\u3040-\u30ff][\w\u4e00-\u9fff\u3040-\u30ff .'\-]{0,30}?"
SPEAKER_LINE = re.compile(rf"^\s*(?P<name>{_NAME})\s*(?:\((?P<paren>[^)]*)\))?\s*[:：]\s*(?P<text>.*)$")
DIA_TAG = re.compile(r"\[S(\d{1,2})\]")
HEADING = re.compile(r"^\s*(?:INT|EXT|INT\./EXT|I/E)[.\s]+(?P<place>.+?)(?:\s+-\s+(?P<time>[A-Z ]+))?\s*$")
TOKEN = re.compile(
    r"\[(?P<kind>sfx|sound|fx|ambience|ambient|bg|background|music)\s*[:：]\s*(?P<desc>[^\]]+)\]"
    r"|\[pause(?:\s+(?P<secs>\d+(?:\.\d+)?)\s*s?)?\]"
    r"|<#(?P<mm>\d+(?:\.\d+)?)#>"
    r"|\((?P<dir>[^)]{1,40})\)",
    re.IGNORECASE,
)
CUE_KINDS = {"sfx": CueKind.SFX, "sound": CueKind.SFX, "fx": CueKind.SFX, "ambience": CueKind.AMBIENCE,
             "ambient": CueKind.AMBIENCE, "bg": CueKind.AMBIENCE, "background": CueKind.AMBIENCE,
             "music": CueKind.MUSIC}
GENDER_WORDS = {
    "female": ("she", "woman", "girl", "mrs", "ms", "miss", "mother", "mom", "grandma", "queen", "lady",
               "aunt", "sister", "daughter", "wife", "女", "妈", "姐", "妹", "婆"),
    "male": ("he", "man", "boy", "mr", "father", "dad", "grandpa", "king", "uncle", "brother", "son",
             "husband", "sir", "guy", "男", "爸", "哥", "弟", "爷", "公"),
}
FEMALE_NAMES = frozenset(["alice", "anna", "emma", "mia", "sophia", "olivia", "ava", "isabella", "lily",
                          "grace", "chloe", "zoe", "lucy", "sarah", "emily", "hannah", "jane", "mary", "kate",
                          "rose", "amy", "ella", "nora", "maya", "luna", "iris", "julia", "laura", "nina",
                          "sofia"])
MALE_NAMES = frozenset(["bob", "tom", "jack", "john", "james", "mike", "michael", "david", "daniel", "sam",
                        "peter", "paul", "mark", "leo", "max", "ben", "lucas", "noah", "liam", "oliver",
                        "ethan", "adam", "alex", "ryan", "kevin", "eric", "frank", "george", "harry",
                        "henry"])


def _gender(name: str) -> str | None:
    lower = name.lower().strip()
    if lower.split(" ")[0] in FEMALE_NAMES:
        return "female"
    if lower.split(" ")[0] in MALE_NAMES:
        return "male"
    words = set(re.findall(r"[a-z]+", lower))
    for gender, hints in GENDER_WORDS.items():
        if words & set(hints) or any(h in name for h in hints if not h.isascii()):
            return gender
    return None


def looks_like_script(prompt: str) -> bool:
    """Two or more speaker lines, Dia tags, or cue/pause tags."""
    if DIA_TAG.search(prompt) or re.search(r"\[(sfx|sound|fx|ambience|ambient|music|pause)\b|<#\d", prompt,
                                           re.IGNORECASE):
        return True
    return sum(1 for raw in prompt.splitlines() if SPEAKER_LINE.match(raw)) >= 2


@dataclass
class _Builder:
    items: list[Item]
    speakers: dict[str, Speaker]
    notes: list[str]
    setting: str = ""

    def speaker(self, name: str, voice: str | None = None) -> str:
        known = self.speakers.get(name)
        if known is None or (voice and not known.voice):
            self.speakers[name] = Speaker(name=name, voice=voice or (known.voice if known else None),
                                          gender=_gender(name))
        return name

    def spoken(self, speaker: str, text: str, delivery: Delivery) -> None:
        """Split ``text`` at cues, pauses and directions; the directions shape the lines after them."""
        pos = 0
        for m in TOKEN.finditer(text):
            self._say(speaker, text[pos:m.start()], delivery)
            pos = m.end()
            if m.group("kind"):
                self.cue(m.group("kind"), m.group("desc"))
            elif m.group("dir") is not None:
                delivery = self._direction(speaker, delivery, m.group("dir"))
            else:
                secs = m.group("secs") or m.group("mm")
                self.items.append(Pause(min(MAX_PAUSE, float(secs) if secs else DEFAULT_PAUSE)))
        self._say(speaker, text[pos:], delivery)

    def _direction(self, speaker: str, delivery: Delivery, direction: str) -> Delivery:
        shaped, non_verbal = apply_direction(delivery, direction)
        if non_verbal:
            self.notes.append(f"{speaker}: ({direction}) is a non-verbal sound the speech engine cannot make;"
                              f" a short beat of silence stands in for it")
            self.items.append(Pause(NON_VERBAL_BEAT))
            return delivery
        return shaped

    def _say(self, speaker: str, text: str, delivery: Delivery) -> None:
        text = " ".join(text.split())
        if text.strip(" .,;:-—"):
            self.items.append(Line(speaker=speaker, text=text, delivery=delivery))

    def cue(self, kind: str, description: str) -> None:
        desc = description.strip()
        self.items.append(Cue(kind=CUE_KINDS[kind.lower()], description=desc,
                              reference=audio_reference(desc)))


def _line(builder: _Builder, raw: str, last_speaker: str) -> str:
    heading = HEADING.match(raw)
    if heading:
        builder.setting = builder.setting or heading.group("place").strip().lower()
        return last_speaker
    if DIA_TAG.search(raw):
        parts = DIA_TAG.split(raw)
        builder.spoken(last_speaker, parts[0], Delivery()) if parts[0].strip() else None
        for number, text in zip(parts[1::2], parts[2::2]):
            last_speaker = builder.speaker(f"S{number}")
            builder.spoken(last_speaker, text, Delivery())
        return last_speaker
    m = SPEAKER_LINE.match(raw)
    if m:
        paren = (m.group("paren") or "").strip()
        voice_m = re.match(r"voice\s*[:=]\s*(\S+)", paren, re.IGNORECASE)
        name = builder.speaker(m.group("name").strip(), voice_m.group(1) if voice_m else None)
        delivery = Delivery()
        if paren and not voice_m:
            delivery = builder._direction(name, delivery, paren)
        builder.spoken(name, m.group("text"), delivery)
        return name
    builder.spoken(builder.speaker(NARRATOR) if TOKEN.sub("", raw).strip() else last_speaker, raw, Delivery())
    return last_speaker


def parse_script(prompt: str, mode: Mode = Mode.SCRIPT) -> Script:
    builder = _Builder(items=[], speakers={}, notes=[])
    last = NARRATOR
    for raw in prompt.splitlines():
        if raw.strip():
            last = _line(builder, raw, last)
    used = {i.speaker for i in builder.items if isinstance(i, Line)}
    speakers = tuple(s for name, s in builder.speakers.items() if name in used)
    return Script(mode=mode, items=tuple(builder.items), speakers=speakers, setting=builder.setting,
                  notes=tuple(builder.notes))
