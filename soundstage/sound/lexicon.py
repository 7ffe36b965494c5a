"""Cue lexicon: text ("rain on the window, a distant siren", "深夜便利店") -> generators and parameters.

A cue text is split into phrases. In each phrase the longest vocabulary matches win (so "wind in
a forest" is leaves in wind, not wind plus a forest). A setting named alone ("convenience store")
expands into its typical beds and spot sounds; next to a sound it is only context ("traffic on a
street"). Modifiers ("heavy", "distant", "大", "远处") set intensity and distance. Confidence falls
with the share of a phrase's content words left unexplained, and whatever does not resolve (a
sound we do not make, or unknown words) comes back in ``unresolved`` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from types import MappingProxyType

from soundstage.sound.cues import (
    MODIFIERS,
    SETTINGS,
    TERMS,
    UNSUPPORTED,
    Modifier,
    Setting,
    SettingSound,
    Term,
)
from soundstage.sound.generators.base import SoundKind
from soundstage.sound.registry import SoundParams, SoundRegistry

__all__ = ["Cue", "Lexicon", "Resolution", "Unresolved", "build_lexicon", "setting_room"]

SYNONYM_CONFIDENCE = 0.9  # a synonym is slightly less certain than the generator's own name
SETTING_CONFIDENCE = 0.8  # a setting's expansion is a typical guess, not what was asked for
_SETTING_SWING = 0.6  # how far "quiet"/"busy" move a setting's sounds from their usual balance
_SPLIT = re.compile(r"[,;.!?\n，。；！？、]|\band\b|\bwith\b|\bplus\b|和|与|还有|以及|跟")
_WORD = re.compile(r"[a-z0-9'-]+|[\u4e00-\u9fff]")
_STOP = frozenset(
    ["a", "an", "the", "of", "in", "on", "at", "by", "to", "from", "into", "some", "sound", "sounds", "noise",
     "noises", "scene", "there", "is", "are", "we", "you", "can", "hear", "hearing", "background", "ambient",
     "effect", "effects", "sfx", "foley", "outside", "inside", "over", "under", "near", "its", "it", "this",
     "that", "late-night", "late", "night-time", "all", "around"]
) | frozenset("的在了着一个声音里外上中有是听到见很阵些片地得")


class MatchKind(str, Enum):
    SOUND = "sound"
    SETTING = "setting"
    MODIFIER = "modifier"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Cue:
    generator: str
    kind: SoundKind
    params: SoundParams
    confidence: float  # 0..1
    source: str  # the words that produced it
    setting: str | None = None  # the setting it was expanded from
    role: SoundKind | None = None  # how a scene uses it (a setting may use a walk as a spot); None: ``kind``

    @property
    def placement(self) -> SoundKind:
        return self.role or self.kind


@dataclass(frozen=True)
class Unresolved:
    text: str
    reason: str


@dataclass(frozen=True)
class Resolution:
    cues: tuple[Cue, ...]
    unresolved: tuple[Unresolved, ...]

    @property
    def beds(self) -> tuple[Cue, ...]:
        return tuple(c for c in self.cues if c.placement is SoundKind.BED)

    @property
    def spots(self) -> tuple[Cue, ...]:
        return tuple(c for c in self.cues if c.placement is SoundKind.SPOT)

    @property
    def settings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.setting for c in self.cues if c.setting))

    def generators(self) -> tuple[str, ...]:
        return tuple(c.generator for c in self.cues)


@dataclass(frozen=True)
class _Entry:
    text: str
    kind: MatchKind
    payload: Term | Setting | Modifier | str
    pattern: re.Pattern[str] = field(compare=False, repr=False)


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    entry: _Entry


def _pattern(text: str) -> re.Pattern[str]:
    if text.isascii():  # whole words only: "sea" must not fire inside "seaside"
        return re.compile(r"(?<![a-z0-9])" + re.escape(text) + r"(?![a-z0-9])")
    return re.compile(re.escape(text))


def _entries(available: frozenset[str]) -> list[_Entry]:
    out = [_Entry(t.text, MatchKind.SOUND, t, _pattern(t.text)) for t in TERMS if t.generator in available]
    out += [_Entry(w, MatchKind.SETTING, s, _pattern(w)) for s in SETTINGS for w in s.terms]
    out += [_Entry(m.text, MatchKind.MODIFIER, m, _pattern(m.text)) for m in MODIFIERS]
    out += [_Entry(w, MatchKind.UNSUPPORTED, reason, _pattern(w)) for words, reason in UNSUPPORTED
            for w in words]
    return sorted(out, key=lambda e: -len(e.text))


def _select(phrase: str, entries: Iterable[_Entry]) -> list[_Match]:
    """Longest matches first; a shorter one may not overlap a longer one already taken."""
    taken: list[_Match] = []
    for entry in entries:
        for m in entry.pattern.finditer(phrase):
            if all(m.end() <= t.start or m.start() >= t.end for t in taken):
                taken.append(_Match(m.start(), m.end(), entry))
    return sorted(taken, key=lambda m: m.start)


def _leftover(phrase: str, matches: list[_Match]) -> tuple[int, list[str]]:
    """(content words in the phrase, content words no match explains)."""
    words = [w for w in _WORD.finditer(phrase) if w.group() not in _STOP]
    free = [w.group() for w in words if not any(m.start <= w.start() < m.end for m in matches)]
    return len(words), free


def _joined(words: list[str]) -> str:
    return "".join(w if not w.isascii() else f" {w}" for w in words).strip()


class Lexicon:
    """Resolves cue text against a registry. Built by :func:`build_lexicon`."""

    def __init__(self, registry: SoundRegistry) -> None:
        self._registry = registry
        names = frozenset(registry.names())
        self._entries = _entries(names)  # words for optional (recorded) sounds count only when installed
        missing = {s.generator for st in SETTINGS for s in (*st.beds, *st.spots)} - names
        if missing:
            raise ValueError(f"lexicon names generators the registry lacks: {sorted(missing)}")

    def resolve(self, text: str) -> Resolution:
        cues: dict[str, Cue] = {}
        unresolved: list[Unresolved] = []
        for phrase in (p.strip() for p in _SPLIT.split(text.lower())):
            if not phrase:
                continue
            found, missing = self._phrase(phrase)
            unresolved += missing
            for cue in found:  # the same sound asked twice: keep the surest reading
                if cue.generator not in cues or cue.confidence > cues[cue.generator].confidence:
                    cues[cue.generator] = cue
        return Resolution(tuple(cues.values()), tuple(unresolved))

    def _phrase(self, phrase: str) -> tuple[list[Cue], list[Unresolved]]:
        matches = _select(phrase, self._entries)
        total, free = _leftover(phrase, matches)
        coverage = 1.0 - len(free) / total if total else 1.0
        modifiers = [m.entry.payload for m in matches if isinstance(m.entry.payload, Modifier)]
        sounds = [m for m in matches if m.entry.kind is MatchKind.SOUND]
        unresolved = [Unresolved(m.entry.text, str(m.entry.payload)) for m in matches
                      if m.entry.kind is MatchKind.UNSUPPORTED]
        if free:
            unresolved.append(Unresolved(_joined(free), "no sound matches these words"))
        if sounds:
            cues = [self._term_cue(m.entry.payload, phrase, coverage, modifiers) for m in sounds
                    if isinstance(m.entry.payload, Term)]
        else:
            settings = [m.entry.payload for m in matches if isinstance(m.entry.payload, Setting)]
            cues = [c for s in settings for c in self._expand(s, phrase, coverage, modifiers)]
        return cues, unresolved

    def _params(self, generator: str, intensity: float | None, distance: float | None,
                values: tuple[tuple[str, float], ...], modifiers: list[Modifier]) -> SoundParams:
        gen = self._registry.get(generator)
        level = 0.5 if intensity is None else intensity
        where = gen.default_distance if distance is None else distance
        for mod in modifiers:
            level = level if mod.intensity is None else mod.intensity
            where = where if mod.distance_factor is None else where * mod.distance_factor
        return SoundParams(intensity=level, distance=where, values=MappingProxyType(dict(values)))

    def _term_cue(self, term: Term, phrase: str, coverage: float, modifiers: list[Modifier]) -> Cue:
        base = 1.0 if term.canonical else SYNONYM_CONFIDENCE
        params = self._params(term.generator, term.intensity, term.distance, term.values, modifiers)
        kind = self._registry.get(term.generator).kind
        return Cue(term.generator, kind, params, round(base * (0.5 + 0.5 * coverage), 3), phrase)

    def _expand(self, setting: Setting, phrase: str, coverage: float, modifiers: list[Modifier]) -> list[Cue]:
        confidence = round(SETTING_CONFIDENCE * (0.5 + 0.5 * coverage), 3)
        out = []
        roles = [SoundKind.BED] * len(setting.beds) + [SoundKind.SPOT] * len(setting.spots)
        for sound, role in zip((*setting.beds, *setting.spots), roles, strict=True):
            params = self._setting_params(sound, modifiers)
            kind = self._registry.get(sound.generator).kind
            out.append(Cue(sound.generator, kind, params, confidence, phrase, setting.name, role))
        return out

    def _setting_params(self, sound: SettingSound, modifiers: list[Modifier]) -> SoundParams:
        params = self._params(sound.generator, sound.intensity, sound.distance, sound.values, [])
        # a setting's own balance is kept; "busy street" or "quiet office" scales it
        for mod in modifiers:
            if mod.intensity is not None:
                shifted = params.intensity + _SETTING_SWING * (mod.intensity - 0.5)
                params = replace(params, intensity=min(1.0, max(0.0, shifted)))
        return params


def setting_room(name: str) -> tuple[float, float] | None:
    """(room size, damping) of a setting's space; None for outdoor settings."""
    return next(s.room for s in SETTINGS if s.name == name)


def build_lexicon(registry: SoundRegistry) -> Lexicon:
    return Lexicon(registry)
