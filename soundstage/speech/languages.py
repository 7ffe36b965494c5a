"""The languages the speech front-end knows, and the espeak-ng voice that phonemizes each."""

from __future__ import annotations

from enum import Enum

__all__ = ["Language", "parse_language"]


class Language(Enum):
    """A spoken language; the value is the short code used in voice ids and the API."""

    EN = "en"
    ZH = "zh"
    JA = "ja"
    ES = "es"
    PT = "pt"
    ID = "id"
    FR = "fr"
    IT = "it"
    HI = "hi"
    KO = "ko"  # no Kokoro voice of its own: espeak-ng's phonemes read by a borrowed voice (voices.py)

    @property
    def espeak_voice(self) -> str:
        """espeak-ng's name for the language (English is American unless a voice says British)."""
        return _ESPEAK[self]

    @property
    def uses_latin_script(self) -> bool:
        return self not in (Language.ZH, Language.JA, Language.HI, Language.KO)


_ESPEAK = {
    Language.EN: "en-us",
    Language.ZH: "cmn",
    Language.JA: "ja",
    Language.ES: "es",
    Language.PT: "pt-br",  # Kokoro's Portuguese voices are Brazilian
    Language.ID: "id",
    Language.FR: "fr-fr",
    Language.IT: "it",
    Language.HI: "hi",
    Language.KO: "ko",
}


def parse_language(code: str) -> Language:
    """``en``, ``en-US``, ``pt_BR``, ``cmn`` ... -> Language; ValueError names the known codes."""
    base = code.strip().lower().replace("_", "-").split("-")[0]
    aliases = {"cmn": "zh", "jp": "ja", "in": "id"}
    base = aliases.get(base, base)
    for lang in Language:
        if lang.value == base:
            return lang
    raise ValueError(f"unknown language {code!r}; known: {', '.join(x.value for x in Language)}")
