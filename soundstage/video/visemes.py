"""Phoneme timings -> OVR visemes, mouth openness, and the exported lip-sync document.

The input is what the speech engine's timings hold (``speech/timings.py``): one IPA symbol per entry as
Kokoro's front-ends write it (espeak-ng through misaki's conventions, misaki for Mandarin and Japanese),
plus spaces, punctuation and "" for the model's pads.

Mapping (OVR viseme: IPA symbols, with misaki's one-letter diphthongs and affricates):

=====  ==========================================================================================
sil    silence: "" (pads), spaces, punctuation
PP     p b m ɸ β                 lips closed
FF     f v ʋ ɱ                   lower lip to teeth
TH     θ ð                       tongue between teeth
DD     t d ʈ ɖ ɾ T(flap) ʔ       alveolar stops and flaps
kk     k g ɡ c ɟ q x ɣ χ h ɦ ʜ   velar, uvular, glottal
CH     ʃ ʒ ʧ ʤ ɕ ʑ ʂ ʐ ʨ ʥ ç ʝ    post-alveolar and palatal fricatives and affricates
SS     s z ʦ ʣ S(long s)         sibilants
nn     n l ŋ ɲ ɳ ɴ ʎ ɫ ɬ ɭ        nasals and laterals (tongue up, jaw half-closed)
RR     r ɹ ɻ ʁ ʀ ɽ ꭧ ɚ ɝ          rhotics and r-coloured vowels
aa     a ɑ ɐ æ ʌ ɶ I(aɪ) W(aʊ)   open vowels; diphthongs by their first, widest part
E      e ɛ ə ᵊ ɜ ɘ ɤ A(eɪ)       mid front and central vowels
ih     i ɪ ɨ ᵻ j                 close front vowels and the glide
oh     o ɔ ɒ O(oʊ) Q(əʊ) Y(ɔɪ)   rounded mid and open back vowels
ou     u ʊ ɯ y ʏ ø œ ʉ w ɥ ɰ ᵝ   close rounded vowels and glides
=====  ==========================================================================================

Marks that have no place of articulation of their own (stress ˈ ˌ, length ː, aspiration ʰ,
palatalisation ʲ, nasalisation, Mandarin tone arrows ↓ → ↗ ↘) hold the shape before them.
A letter outside the table is first reduced to its base letter ("ã" -> "a"); one still unknown is a
``ValueError`` naming it, never a silent guess.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from soundstage.video.plan import VISEMES, Character, Viseme

__all__ = ["IPA_TO_VISEME", "OPENNESS", "VISEME_SET", "lipsync_json", "mouth_open_at", "viseme_at",
           "viseme_of", "visemes_from_phonemes"]

VISEME_SET = "ovr15"
HOLD = ""  # the shape of a mark that holds the previous viseme

_GROUPS = {
    "PP": "pbmɸβ",
    "FF": "fvʋɱ",
    "TH": "θð",
    "DD": "tdʈɖɾTʔ",
    "kk": "kgɡcɟqxɣχhɦʜ",
    "CH": "ʃʒʧʤɕʑʂʐʨʥçʝ",
    "SS": "szʦʣS",
    "nn": "nlŋɲɳɴʎɫɬɭ",
    "RR": "rɹɻʁʀɽꭧɚɝ",
    "aa": "aɑɐæʌɶIW",
    "E": "eɛəᵊɜɘɤA",
    "ih": "iɪɨᵻj",
    "oh": "oɔɒOQY",
    "ou": "uʊɯyʏøœʉwɥɰᵝ",
    HOLD: "ˈˌːˑʰʲʷˠˤ\u0303\u0329↓→↗↘",
}
IPA_TO_VISEME: dict[str, str] = {symbol: shape for shape, symbols in _GROUPS.items() for symbol in symbols}

# Jaw and lip opening per viseme, 0 (closed) to 1 (widest), judged from the OVR reference images.
OPENNESS: dict[str, float] = {
    "sil": 0.0, "PP": 0.0, "FF": 0.12, "TH": 0.25, "DD": 0.3, "kk": 0.35, "CH": 0.3, "SS": 0.18,
    "nn": 0.28, "RR": 0.35, "aa": 1.0, "E": 0.65, "ih": 0.45, "oh": 0.8, "ou": 0.5,
}


def viseme_of(symbol: str) -> str:
    """The OVR viseme of one IPA symbol; HOLD ("") for marks that keep the previous shape."""
    if not symbol or symbol.isspace():
        return "sil"
    if symbol in IPA_TO_VISEME:
        return IPA_TO_VISEME[symbol]
    category = unicodedata.category(symbol[0])
    if category[0] in "PZS" and category != "Sk":  # punctuation, separators, symbols: a pause
        return "sil"
    if category in ("Mn", "Lm", "Sk"):  # combining and modifier marks
        return HOLD
    base = unicodedata.normalize("NFD", symbol)[0]
    if base != symbol and base in IPA_TO_VISEME:
        return IPA_TO_VISEME[base]
    raise ValueError(f"phoneme {symbol!r} (U+{ord(symbol[0]):04X}) has no viseme; add it to IPA_TO_VISEME")


def visemes_from_phonemes(phonemes: Iterable[tuple[str, float, float]],
                          offset: float = 0.0) -> tuple[Viseme, ...]:
    """(symbol, start, end) in seconds -> visemes ``offset`` seconds later, equal neighbours merged."""
    spans: list[list[Any]] = []  # [shape, start, end]
    for symbol, start, end in phonemes:
        shape = viseme_of(symbol)
        if shape == HOLD:
            shape = spans[-1][0] if spans else "sil"
        if end <= start:
            continue
        if spans and spans[-1][0] == shape and abs(spans[-1][2] - start) < 1e-9:
            spans[-1][2] = end
        else:
            spans.append([shape, start, end])
    return tuple(Viseme(start + offset, end + offset, shape) for shape, start, end in spans)


def viseme_at(visemes: Sequence[Viseme], t: float) -> str:
    """The viseme active at ``t`` seconds; "sil" outside every span."""
    k = bisect.bisect_right([v.start for v in visemes], t) - 1
    if k < 0 or t >= visemes[k].end:
        return "sil"
    return visemes[k].shape


def mouth_open_at(visemes: Sequence[Viseme], t: float) -> float:
    """How open the mouth is at ``t`` seconds (0..1): the active viseme's openness, 0 outside speech."""
    return OPENNESS[viseme_at(visemes, t)]


def lipsync_json(characters: Iterable[Character], fps: float | None = None) -> dict[str, Any]:
    """The exported lip-sync document: per speaker, every viseme with start and end in seconds."""
    return {
        "viseme_set": VISEME_SET,
        "visemes": list(VISEMES),
        "fps": fps,
        "speakers": [
            {"name": c.name,
             "visemes": [{"start": round(v.start, 4), "end": round(v.end, 4), "viseme": v.shape}
                         for v in c.visemes]}
            for c in characters
        ],
    }
