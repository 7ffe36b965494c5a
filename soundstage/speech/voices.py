"""Voices: the 21 seed personas, the 54 Kokoro voices by their own names, and saved custom blends.

A persona is one person across its languages. A Kokoro voice speaking another language keeps a heavy
accent (a Japanese voice reading English is barely intelligible), so each persona switches, per
language, to a native voice of the same gender and character, with a little of the persona's anchor
voice blended in (``ANCHOR_SHARE``) so the timbre carries over. A code-switched sentence uses a blend of
the persona's voices for the languages it contains, weighted by their share of the phonemes.

An unknown voice id is an ``InvalidInput`` naming the known ids: never a silent default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from soundstage.errors import InvalidInput
from soundstage.speech.languages import Language

__all__ = [
    "KOKORO_VOICES",
    "PRESET_IDS",
    "CustomVoices",
    "Gender",
    "Rendition",
    "Voice",
    "VoiceInfo",
    "VoiceMix",
    "kokoro_voice",
    "preset_voices",
    "preview_text",
    "resolve_voice",
    "voice_catalog",
]

ANCHOR_SHARE = 0.2  # share of the anchor voice in a persona's other languages: timbre carries, accent doesn't
_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]{2,63}$")

KOKORO_VOICES: tuple[str, ...] = (
    "af_alloy", "af_aoede", "af_bella", "af_heart", "af_jessica", "af_kore", "af_nicole", "af_nova",
    "af_river", "af_sarah", "af_sky", "am_adam", "am_echo", "am_eric", "am_fenrir", "am_liam", "am_michael",
    "am_onyx", "am_puck", "am_santa", "bf_alice", "bf_emma", "bf_isabella", "bf_lily", "bm_daniel",
    "bm_fable", "bm_george", "bm_lewis", "ef_dora", "em_alex", "em_santa", "ff_siwis", "hf_alpha", "hf_beta",
    "hm_omega", "hm_psi", "if_sara", "im_nicola", "jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro",
    "jm_kumo", "pf_dora", "pm_alex", "pm_santa", "zf_xiaobei", "zf_xiaoni", "zf_xiaoxiao", "zf_xiaoyi",
    "zm_yunjian", "zm_yunxi", "zm_yunxia", "zm_yunyang",
)
_KOKORO_LANG = {"a": Language.EN, "b": Language.EN, "e": Language.ES, "f": Language.FR, "h": Language.HI,
                "i": Language.IT, "j": Language.JA, "p": Language.PT, "z": Language.ZH}


class Gender(Enum):
    FEMALE = "female"
    MALE = "male"


# Korean has no Kokoro voice: espeak-ng's Korean phonemes read by these, chosen by Whisper base's character
# error rate on six held-out sentences (voice alone): jf_nezumi 0.17, jf_gongitsune 0.18, jf_alpha 0.25,
# af_heart 0.68; male: zm_yunxi 0.33, jm_kumo 0.43, hm_omega 0.45, am_michael 0.91. Intelligible, with an
# accent.
BORROWED: Mapping[Language, Mapping[Gender, str]] = {
    Language.KO: {Gender.FEMALE: "jf_nezumi", Gender.MALE: "zm_yunxi"},
}


@dataclass(frozen=True)
class VoiceMix:
    """A weighted blend of Kokoro voice packs (weights normalized to sum 1)."""

    parts: tuple[tuple[str, float], ...]

    def __post_init__(self) -> None:
        total = sum(w for _, w in self.parts)
        unknown = [n for n, _ in self.parts if n not in KOKORO_VOICES]
        if not self.parts or total <= 0 or any(w < 0 for _, w in self.parts) or unknown:
            raise InvalidInput(f"voice blend {dict(self.parts)} needs positive weights over Kokoro voices "
                               f"(unknown: {unknown}); known: {', '.join(KOKORO_VOICES)}", field="voice")
        object.__setattr__(self, "parts", tuple((n, w / total) for n, w in self.parts))

    @classmethod
    def of(cls, name: str) -> VoiceMix:
        return cls(((name, 1.0),))

    def blended(self, other: VoiceMix, other_share: float) -> VoiceMix:
        weights: dict[str, float] = {}
        for mix, share in ((self, 1.0 - other_share), (other, other_share)):
            for name, w in mix.parts:
                weights[name] = weights.get(name, 0.0) + w * share
        return VoiceMix(tuple((n, w) for n, w in weights.items() if w > 0))

    @property
    def british(self) -> bool:
        """English phonemes in the British dialect when the blend is mostly British voices."""
        return sum(w for n, w in self.parts if n[0] == "b") > 0.5


@dataclass(frozen=True)
class Rendition:
    """How a voice speaks one language: a Kokoro blend, plus a persona pitch and speed."""

    mix: VoiceMix
    pitch: float = 0.0  # semitones, added to the user's
    speed: float = 1.0  # multiplies the user's
    espeak_variant: str = ""  # espeak-ng voice variant for the espeak engine (e.g. "f3")


@dataclass(frozen=True)
class Voice:
    id: str
    gender: Gender
    description: str
    renditions: Mapping[Language, Rendition]
    kind: str = "preset"  # preset | kokoro | custom

    @property
    def languages(self) -> tuple[Language, ...]:
        return tuple(self.renditions)

    @property
    def primary(self) -> Language:
        return next(iter(self.renditions))

    def rendition(self, language: Language) -> Rendition:
        """The language's own rendition; a language no Kokoro voice speaks is read by a borrowed voice
        (``BORROWED``); any other language is spoken by the primary one (accented)."""
        own = self.renditions.get(language)
        if own is not None:
            return own
        base = self.renditions[self.primary]
        borrowed = BORROWED.get(language, {}).get(self.gender)
        return replace(base, mix=VoiceMix.of(borrowed)) if borrowed else base


@dataclass(frozen=True)
class VoiceInfo:
    """One row of GET /voices and ``soundstage voices``."""

    id: str
    languages: tuple[str, ...]
    gender: str
    description: str
    preview_url: str
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "languages": list(self.languages), "gender": self.gender,
                "description": self.description, "preview_url": self.preview_url, "kind": self.kind}


# --- the seed personas ------------------------------------------------------------------------------

_F, _M = Gender.FEMALE, Gender.MALE
E, Z, J, S, I, P = Language.EN, Language.ZH, Language.JA, Language.ES, Language.ID, Language.PT

# id, gender, description, {language: native Kokoro voice}; the first language's voice is the anchor.
# Indonesian has no Kokoro voice: espeak-ng's Indonesian phonemes are read by the female voice Whisper
# understood best reading them (af_sky, WER 0.30; ef_dora 0.35, pf_dora 0.62; the best voice of all,
# em_alex at 0.21, is a man's).
# Issue 9: voices are chosen per language by measured intelligibility first, character second
# (bench/preset_intelligibility.py; the record and its test: tests/speech/test_preset_intelligibility.py).
# Whisper base read Mandarin back at CER 0.57 from zf_xiaoni, 0.09 from zf_xiaobei and 0.16 from zm_yunyang,
# against 0.00-0.02 from zm_yunxi and zf_xiaoyi: those three carry no preset's Mandarin any more; a few
# anchors cost intelligibility in Mandarin and are blended in at 0.1 there, written (voice, share).
Native = str | tuple[str, float]
_PERSONAS: tuple[tuple[str, Gender, str, dict[Language, Native]], ...] = (
    ("vivi_mixed_en_zh_ja_es_id", _F, "Young woman, bright and playful; switches freely between languages",
     {E: "af_heart", Z: "zf_xiaoxiao", J: "jf_nezumi", S: "ef_dora", I: ("af_sky", 0.0)}),
    ("mindy_en_es_id_pt_zh", _F, "Woman in her thirties, warm and professional",
     {E: "af_sarah", S: "ef_dora", I: ("af_sky", 0.0), P: "pf_dora", Z: "zf_xiaoyi"}),
    ("kian_en_zh", _M, "Young man, friendly and casual", {E: "am_liam", Z: "zm_yunxi"}),
    ("cedric_en_zh", _M, "Man in his forties, deep and authoritative", {E: "am_onyx", Z: ("zm_yunxi", 0.0)}),
    ("sophie_en_zh", _F, "Young woman, soft and gentle", {E: "af_bella", Z: "zf_xiaoxiao"}),
    ("jean_en_zh", _F, "Woman in her thirties, calm British narrator", {E: "bf_emma", Z: "zf_xiaoyi"}),
    ("magnus_en_zh", _M, "Older man, gravelly and commanding", {E: "am_fenrir", Z: "zm_yunxi"}),
    ("mabel_en_zh", _F, "Older woman, kindly and unhurried", {E: "bf_alice", Z: "zf_xiaoyi"}),
    ("nadia_en_zh", _F, "Woman in her thirties, confident newsreader", {E: "af_nova", Z: "zf_xiaoxiao"}),
    ("opal_en_zh", _F, "Young woman, airy and dreamy", {E: "af_sky", Z: "zf_xiaoyi"}),
    ("pearl_en_zh", _F, "Woman in her forties, elegant British", {E: "bf_isabella", Z: "zf_xiaoyi"}),
    ("quentin_en_zh", _M, "Man in his thirties, measured British", {E: "bm_daniel", Z: ("zm_yunxi", 0.1)}),
    ("corinne_mixed_en_zh", _F, "Young woman who code-switches English and Mandarin mid-sentence",
     {E: "af_kore", Z: "zf_xiaoxiao"}),
    ("esther_mixed_en_zh", _F, "Woman in her thirties who code-switches English and Mandarin",
     {E: "af_aoede", Z: "zf_xiaoyi"}),
    ("lyla_mixed_en_zh", _F, "Teenage girl who code-switches English and Mandarin",
     {E: "af_jessica", Z: "zf_xiaoxiao"}),
    ("tracy_es_zh", _F, "Young woman, lively; Spanish and Mandarin", {S: "ef_dora", Z: "zf_xiaoyi"}),
    ("sandy_es_mixed_en_zh", _F, "Woman in her twenties; Spanish, and English-Mandarin code-switching",
     {S: "ef_dora", E: "af_river", Z: "zf_xiaoyi"}),
    ("felix_zh", _M, "Young man, clear Mandarin", {Z: "zm_yunxi"}),
    ("celeste_zh", _F, "Young woman, sweet Mandarin", {Z: "zf_xiaoyi"}),
    ("stokie_en", _M, "Man, down-to-earth British", {E: "bm_lewis"}),
)
# Sun Wukong: a bright young voice with a touch of the older one, pitched up and quick, like the opera role.
_MONKEY_KING = Voice("monkey_king_zh", _M, "The Monkey King: cheeky, high and quick, Peking-opera flavour",
                     MappingProxyType({Z: Rendition(VoiceMix((("zm_yunxi", 0.75), ("zm_yunxia", 0.25))),
                                                    pitch=4.0, speed=1.12, espeak_variant="m7")}))

PRESET_IDS: tuple[str, ...] = (*(p[0] for p in _PERSONAS[:-1]), "monkey_king_zh", "stokie_en")


def _persona(vid: str, gender: Gender, description: str, natives: dict[Language, Native]) -> Voice:
    first = next(iter(natives.values()))
    anchor = VoiceMix.of(first if isinstance(first, str) else first[0])
    variant = "f3" if gender is Gender.FEMALE else "m3"
    renditions = {}
    for k, (lang, native) in enumerate(natives.items()):
        name, share = (native, ANCHOR_SHARE) if isinstance(native, str) else native
        mix = VoiceMix.of(name) if k == 0 or name == anchor.parts[0][0] else VoiceMix.of(name).blended(
            anchor, share)
        renditions[lang] = Rendition(mix, espeak_variant=variant)
    return Voice(vid, gender, description, MappingProxyType(renditions))


def preset_voices() -> tuple[Voice, ...]:
    """The 21 seed voices, in the seed API's order (stokie_en last)."""
    voices = {p[0]: _persona(*p) for p in _PERSONAS}
    voices["monkey_king_zh"] = _MONKEY_KING
    return tuple(voices[v] for v in PRESET_IDS)


def kokoro_voice(name: str) -> Voice:
    """A Kokoro voice by its own name (af_heart, zm_yunxi ...), in its own language."""
    gender = Gender.FEMALE if name[1] == "f" else Gender.MALE
    lang = _KOKORO_LANG[name[0]]
    rendition = Rendition(VoiceMix.of(name), espeak_variant="f3" if gender is Gender.FEMALE else "m3")
    return Voice(name, gender, f"Kokoro voice {name} ({lang.value})", MappingProxyType({lang: rendition}),
                 "kokoro")


# --- custom voices --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomVoices:
    """Saved blends under an id (the seed page's "cloned voice id"), one JSON file in the data dir."""

    path: Path  # e.g. <data_dir>/voices/custom.json

    def load(self) -> tuple[Voice, ...]:
        if not self.path.is_file():
            return ()
        raw = json.loads(self.path.read_text(encoding="utf-8"))
        return tuple(_custom_from_json(vid, entry) for vid, entry in sorted(raw.items()))

    def save(self, vid: str, blend: Mapping[str, float], languages: Iterable[Language], gender: Gender,
             description: str = "") -> Voice:
        """Save (or replace) a custom voice; the id must not shadow a preset or Kokoro voice."""
        if not _ID.match(vid) or vid in PRESET_IDS or vid in KOKORO_VOICES:
            raise InvalidInput(f"voice_id: {vid!r} must be 3-64 of [a-z0-9_-] and not a built-in voice id",
                               field="voice_id", value=vid)
        entry = {"blend": dict(blend), "languages": [lang.value for lang in languages] or ["en"],
                 "gender": gender.value, "description": description}
        voice = _custom_from_json(vid, entry)  # validates the blend before anything is written
        raw = json.loads(self.path.read_text(encoding="utf-8")) if self.path.is_file() else {}
        raw[vid] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(raw, indent=1, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)
        return voice


def _custom_from_json(vid: str, entry: Mapping[str, Any]) -> Voice:
    mix = VoiceMix(tuple((str(n), float(w)) for n, w in entry["blend"].items()))
    gender = Gender(entry.get("gender", "female"))
    rendition = Rendition(mix, espeak_variant="f3" if gender is Gender.FEMALE else "m3")
    langs = [Language(code) for code in entry.get("languages", ["en"])]
    return Voice(vid, gender, entry.get("description") or f"Custom blend {dict(mix.parts)}",
                 MappingProxyType({lang: rendition for lang in langs}), "custom")


# --- lookup and catalog ---------------------------------------------------------------------------


def resolve_voice(vid: str, custom: CustomVoices | None = None) -> Voice:
    """A preset, a Kokoro voice name or a saved custom id; ``InvalidInput`` naming the known ids."""
    for voice in preset_voices():
        if voice.id == vid:
            return voice
    if vid in KOKORO_VOICES:
        return kokoro_voice(vid)
    for voice in custom.load() if custom else ():
        if voice.id == vid:
            return voice
    known = [*PRESET_IDS, *KOKORO_VOICES, *(v.id for v in (custom.load() if custom else ()))]
    raise InvalidInput(f"voice: unknown voice {vid!r}; known voices: {', '.join(known)}", field="voice",
                       value=vid)


def voice_catalog(preview_url: str = "/voices/{id}/preview", custom: CustomVoices | None = None,
                  include_kokoro: bool = True) -> list[VoiceInfo]:
    """Rows for GET /voices: presets, then Kokoro voices, then custom ones. ``{id}`` in the template."""
    voices = [*preset_voices(), *(kokoro_voice(n) for n in KOKORO_VOICES if include_kokoro),
              *(custom.load() if custom else ())]
    return [VoiceInfo(v.id, tuple(lang.value for lang in v.languages), v.gender.value, v.description,
                      preview_url.format(id=v.id), v.kind) for v in voices]


_PREVIEW = {
    Language.EN: "Hello! This is how I sound.",
    Language.ZH: "你好！这就是我的声音。",
    Language.JA: "こんにちは。これが私の声です。",
    Language.ES: "¡Hola! Así es como sueno.",
    Language.PT: "Olá! É assim que eu soo.",
    Language.ID: "Halo! Beginilah suara saya.",
    Language.FR: "Bonjour ! Voici ma voix.",
    Language.IT: "Ciao! Questa è la mia voce.",
    Language.HI: "नमस्ते! यह मेरी आवाज़ है।",
}


def preview_text(voice: Voice, language: Language | None = None) -> str:
    """A short line for a voice's preview clip, in its primary (or the given) language."""
    return _PREVIEW[language or voice.primary]

