"""The voices the speech route accepts: ours, OpenAI's names as aliases, and inline blends.

OpenAI voice names map to the Kokoro voice that carries the same name where one exists (af_alloy,
am_echo, bm_fable, am_onyx, af_nova), else to a Kokoro voice of the character OpenAI describes;
the table is fixed so that a name always gives the same voice. Blends use Kokoro-FastAPI's syntax:
``af_bella+af_sky`` (equal parts) or ``af_bella(2)+af_sky(1)`` (weights).
"""

from __future__ import annotations

import re
from types import MappingProxyType

from soundstage.errors import InvalidInput
from soundstage.speech.voices import (
    KOKORO_VOICES,
    CustomVoices,
    Rendition,
    Voice,
    VoiceMix,
    kokoro_voice,
    resolve_voice,
)

__all__ = ["OPENAI_VOICES", "speech_voice"]

OPENAI_VOICES: MappingProxyType[str, str] = MappingProxyType({
    "alloy": "af_alloy", "ash": "am_adam", "ballad": "bm_george", "coral": "af_heart", "echo": "am_echo",
    "fable": "bm_fable", "nova": "af_nova", "onyx": "am_onyx", "sage": "af_sarah", "shimmer": "af_sky",
    "verse": "am_puck", "marin": "af_river", "cedar": "am_eric",
})
_PART = re.compile(r"^\s*([a-z]{2}_[a-z]+)\s*(?:\(\s*(\d+(?:\.\d+)?)\s*\))?\s*$")


def _blend(spec: str) -> Voice:
    parts: list[tuple[str, float]] = []
    for raw in spec.split("+"):
        m = _PART.match(raw)
        if m is None or m.group(1) not in KOKORO_VOICES:
            raise InvalidInput(f"voice: {raw.strip()!r} in blend {spec!r} is not a Kokoro voice (name or"
                               f" name(weight)); known: {', '.join(KOKORO_VOICES)}", field="voice",
                               value=spec)
        parts.append((m.group(1), float(m.group(2) or 1.0)))
    mix = VoiceMix(tuple(parts))
    heaviest = max(mix.parts, key=lambda p: p[1])[0]
    base = kokoro_voice(heaviest)
    rendition = Rendition(mix, espeak_variant=base.rendition(base.primary).espeak_variant)
    renditions = MappingProxyType({base.primary: rendition})
    return Voice(spec, base.gender, f"Blend {dict(mix.parts)}", renditions, "custom")


def speech_voice(name: str, custom: CustomVoices | None = None) -> Voice:
    """Any voice id ``resolve_voice`` knows, an OpenAI voice name, or a blend; ``InvalidInput`` otherwise."""
    key = name.strip()
    if "+" in key or "(" in key:
        return _blend(key)
    if key.lower() in OPENAI_VOICES:
        return resolve_voice(OPENAI_VOICES[key.lower()])
    return resolve_voice(key, custom)
