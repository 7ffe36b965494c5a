"""``@Audio1``, ``@Image2``, ``@Video1``: references to the request's files, parsed in one place.

A mention names a file by kind and 1-based position. What an audio reference is for follows from the
words around it: "in the voice of @Audio1" / "@Audio1's voice" / "sounds like @Audio1" make it a voice
to match; "with @Audio2 as the background" puts it in the mix. Mentions are never spoken or drawn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from soundstage.script.model import CueKind

__all__ = ["MENTION", "Mention", "ReferenceRoles", "audio_reference", "mentions", "reference_roles",
           "strip_mentions"]

MENTION = re.compile(r"@(Audio|Image|Video)(\d+)", re.IGNORECASE)
VOICE_OF = re.compile(
    r"\s*\b(?:(?:in|with|using)\s+(?:the\s+)?voice\s+(?:of|from)\s+@Audio(\d+)"
    r"|(?:in|with|using)\s+@Audio(\d+)(?:'s)?\s+voice"
    r"|(?:(?:whose\s+)?voice\s+(?:is\s+|sounds\s+)?like|sounds?\s+like|speaks?\s+like)\s+@Audio(\d+))\b[,.]?"
    r"|(?:用|以)?@Audio(\d+)\s*的?(?:声音|音色)",
    re.IGNORECASE)
AS_SOUND = re.compile(r"\s*\b(?:with|using|over)\s+@Audio(\d+)\s+(?:as|for)\s+(?:the\s+|a\s+)?"
                      r"(background|ambience|ambient|bed|music|soundtrack|sound)\b[,.]?", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    kind: str  # "audio" | "image" | "video"
    index: int  # 1-based, as written
    text: str  # as written, e.g. "@Audio1"


def mentions(text: str) -> list[Mention]:
    return [Mention(m.group(1).lower(), int(m.group(2)), m.group(0)) for m in MENTION.finditer(text)]


def audio_reference(text: str) -> int | None:
    """The first ``@AudioN`` in ``text`` (a cue's description), if any."""
    return next((m.index for m in mentions(text) if m.kind == "audio"), None)


def strip_mentions(text: str) -> str:
    """``text`` without its mentions (they are references, not words to hear or show)."""
    return re.sub(r"[ \t]{2,}", " ", MENTION.sub("", text)).strip()


@dataclass(frozen=True)
class ReferenceRoles:
    voice: int | None  # @AudioN used as the (first) speaker's voice
    sounds: tuple[tuple[int, CueKind], ...]  # @AudioN placed in the mix
    text: str  # the prompt with those phrases taken out


def reference_roles(prompt: str, count: int) -> ReferenceRoles:
    """Voice and sound roles of the audio references; a lone reference with no other mention is a voice."""
    voice = next((int(next(g for g in m.groups() if g)) for m in VOICE_OF.finditer(prompt)), None)
    sounds = tuple((int(m.group(1)), CueKind.MUSIC if m.group(2).lower() in {"music", "soundtrack"}
                    else CueKind.AMBIENCE) for m in AS_SOUND.finditer(prompt))
    text = AS_SOUND.sub("", VOICE_OF.sub("", prompt)).strip()
    if voice is None and count == 1 and not sounds and not any(m.kind == "audio" for m in mentions(text)):
        voice = 1
    return ReferenceRoles(voice, sounds, text)
