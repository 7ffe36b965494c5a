"""Per-span language identification for one sentence, so code-switched text uses each language's G2P.

Script decides first: Han characters are Mandarin unless the sentence has kana (then Japanese, which
writes kanji too); kana are Japanese; Devanagari is Hindi. Latin-script runs are scored among the
voice's Latin-script languages by common function words (a few dozen per language are enough to tell
en/es/pt/id/fr/it apart on a sentence), falling back to the request's language on a tie. Digits,
spaces and punctuation join the span before them (or the first span).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from soundstage.speech.languages import Language

__all__ = ["Span", "guess_latin", "identify_spans"]


@dataclass(frozen=True)
class Span:
    text: str
    language: Language


class Script(Enum):
    HAN = "han"
    KANA = "kana"
    LATIN = "latin"
    DEVANAGARI = "devanagari"
    HANGUL = "hangul"
    NEUTRAL = "neutral"  # digits, spaces, punctuation, symbols


_STOPWORDS: dict[Language, frozenset[str]] = {
    Language.EN: frozenset(["the", "a", "an", "and", "of", "to", "is", "are", "was", "in", "on", "it", "that",
                            "this", "with", "for", "you", "i", "we", "he", "she", "they", "not", "have",
                            "has", "be", "at", "by", "from", "or", "but", "what", "how", "hello", "my",
                            "your"]),
    Language.ES: frozenset(["el", "la", "los", "las", "un", "una", "y", "de", "del", "que", "es", "en", "no",
                            "por", "con", "para", "se", "su", "al", "lo", "como", "pero", "está", "estás",
                            "hola", "muy", "gracias", "yo", "tú"]),
    Language.PT: frozenset(["o", "a", "os", "as", "um", "uma", "e", "de", "do", "da", "que", "é", "em", "não",
                            "por", "com", "para", "se", "seu", "ao", "como", "mas", "está", "olá", "muito",
                            "obrigado", "obrigada", "eu", "você"]),
    Language.ID: frozenset(["yang", "dan", "di", "ke", "dari", "ini", "itu", "dengan", "untuk", "tidak",
                            "ada", "saya", "anda", "kami", "kita", "akan", "sudah", "apa", "selamat", "pagi",
                            "terima", "kasih", "bisa"]),
    Language.FR: frozenset(["le", "la", "les", "un", "une", "et", "de", "des", "du", "que", "est", "en", "ne",
                            "pas", "pour", "avec", "sur", "je", "vous", "bonjour", "merci", "très", "c'est"]),
    Language.IT: frozenset(["il", "lo", "la", "gli", "le", "un", "una", "e", "di", "del", "che", "è", "in",
                            "non", "per", "con", "su", "io", "tu", "ciao", "grazie", "molto", "sono"]),
}


def _script(ch: str) -> Script:
    code = ord(ch)
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return Script.KANA
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or code == 0x3005:
        return Script.HAN
    if 0x0900 <= code <= 0x097F:
        return Script.DEVANAGARI
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return Script.HANGUL
    if ch.isalpha():
        return Script.LATIN
    return Script.NEUTRAL


def identify_spans(sentence: str, default: Language, latin: Sequence[Language] = ()) -> list[Span]:
    """Spans of one language each, in order; ``latin``: candidate languages for Latin-script runs."""
    runs: list[tuple[Script, str]] = []
    for ch in sentence:
        script = _script(ch)
        if script is Script.NEUTRAL and runs:
            script = runs[-1][0]
        if runs and runs[-1][0] is script:
            runs[-1] = (script, runs[-1][1] + ch)
        else:
            runs.append((script, ch))
    has_kana = any(s is Script.KANA for s, _ in runs) or default is Language.JA
    spans: list[Span] = []
    for script, text in runs:
        lang = _language(script, text, default, latin, has_kana)
        if spans and spans[-1].language is lang:
            spans[-1] = Span(spans[-1].text + text, lang)
        else:
            spans.append(Span(text, lang))
    return [s for s in spans if s.text.strip()] or [Span(sentence, default)]


def _language(script: Script, text: str, default: Language, latin: Sequence[Language],
              has_kana: bool) -> Language:
    if script in (Script.KANA, Script.HAN):
        return Language.JA if has_kana else Language.ZH
    if script is Script.DEVANAGARI:
        return Language.HI
    if script is Script.HANGUL:
        return Language.KO
    if script is Script.NEUTRAL:
        return default
    candidates = [lang for lang in latin if lang.uses_latin_script] or [Language.EN]
    if default.uses_latin_script and default not in candidates:
        candidates.insert(0, default)
    return guess_latin(text, candidates, default if default in candidates else candidates[0])


def guess_latin(text: str, candidates: Sequence[Language], fallback: Language) -> Language:
    """The candidate whose function words the text uses most; ``fallback`` on a tie."""
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.lower())
    scores = {lang: sum(w in _STOPWORDS.get(lang, frozenset()) for w in words) for lang in candidates}
    best = max(scores.values(), default=0)
    if best == 0 or scores.get(fallback, 0) == best:
        return fallback
    return next(lang for lang in candidates if scores[lang] == best)
