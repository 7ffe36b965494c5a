"""Casting: each speaker of a script gets one voice for the whole script, distinct from the others.

Order of precedence: a voice named in the script (``NAME (voice: id):``), then the request's
``voice`` (the only speaker, or the first), then a voice matched to a reference clip, then a preset
chosen by the speaker's gender hint and the script's language. Presets that would sound the same
in that language (the same Kokoro blend) are never given to two speakers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from soundstage.script.model import Script, Speaker
from soundstage.speech.frontend.langid import guess_latin
from soundstage.speech.languages import Language
from soundstage.speech.voices import CustomVoices, Gender, Voice, preset_voices, resolve_voice

__all__ = ["cast", "line_language", "script_language"]

HAN = re.compile(r"[\u4e00-\u9fff]")
KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN_LANGUAGES = (Language.EN, Language.ES, Language.PT, Language.ID, Language.FR, Language.IT)


def line_language(text: str, voice: Voice | None = None) -> Language:
    """The main language of a line: by script for CJK, by function words among Latin languages."""
    if KANA.search(text):
        return Language.JA
    if len(HANGUL.findall(text)) * 2 >= len(re.findall(r"\w", text)):
        return Language.KO
    han = len(HAN.findall(text))
    if han and han >= len(re.findall(r"[A-Za-z]+", text)):
        return Language.ZH
    preferred = [lang for lang in (voice.languages if voice else ()) if lang in LATIN_LANGUAGES]
    candidates = [*preferred, *(lang for lang in LATIN_LANGUAGES if lang not in preferred)]
    return guess_latin(text, candidates, preferred[0] if preferred else Language.EN)


def script_language(script: Script) -> Language:
    text = " ".join(line.text for line in script.lines)
    return line_language(text) if text else Language.EN


def _signature(voice: Voice, language: Language) -> tuple[tuple[str, float], ...]:
    return voice.rendition(language).mix.parts


def _pool(language: Language, gender: Gender | None, rng: np.random.Generator) -> list[Voice]:
    """Presets that speak ``language`` natively, of the gender asked for first; shuffled by the seed."""
    speaks = [v for v in preset_voices() if language in v.renditions and v.id != "monkey_king_zh"]
    speaks = speaks or [v for v in preset_voices() if v.id != "monkey_king_zh"]
    order = list(rng.permutation(len(speaks)))
    shuffled = [speaks[i] for i in order]
    return sorted(shuffled, key=lambda v: 0 if gender is None or v.gender is gender else 1)


def _gender(speaker: Speaker, index: int) -> Gender | None:
    if speaker.gender:
        return Gender(speaker.gender)
    return None if index == 0 else (Gender.FEMALE, Gender.MALE)[index % 2]


Similarity = Callable[[Voice, Voice, Language], float]
CANDIDATES = 6  # voices weighed per speaker when picking the most distinct one


def _most_distinct(pool: list[Voice], chosen: list[Voice], language: Language, similarity: Similarity,
                   gender: Gender | None) -> Voice:
    """The candidate (of the wanted gender, when known) least like any voice already cast."""
    fitting = [v for v in pool if gender is None or v.gender is gender][:CANDIDATES] or pool[:CANDIDATES]
    return min(fitting, key=lambda v: max(similarity(v, c, language) for c in chosen))


def cast(script: Script, requested: str | None, references: Mapping[str, Voice], seed: int,
         custom: CustomVoices | None = None, similarity: Similarity | None = None) -> dict[str, Voice]:
    """Speaker name -> Voice. ``references`` maps speakers to voices matched from reference clips;
    ``similarity`` (speaker-embedding cosine) lets each new speaker get the most distinct voice."""
    language = script_language(script)
    rng = np.random.default_rng(seed)
    chosen: dict[str, Voice] = {}
    speakers: Sequence[Speaker] = script.speakers
    for index, speaker in enumerate(speakers):
        if speaker.voice:
            chosen[speaker.name] = resolve_voice(speaker.voice, custom)
        elif speaker.name in references:
            chosen[speaker.name] = references[speaker.name]
        elif requested and index == 0:
            chosen[speaker.name] = resolve_voice(requested, custom)
    taken = {_signature(v, language) for v in chosen.values()}
    for index, speaker in enumerate(speakers):
        if speaker.name in chosen:
            continue
        gender = _gender(speaker, index)
        pool = _pool(language, gender, rng)
        fresh = [v for v in pool if _signature(v, language) not in taken] or pool
        if similarity is not None and chosen:
            voice = _most_distinct(fresh, list(chosen.values()), language, similarity, gender)
        else:
            voice = fresh[0]
        chosen[speaker.name] = voice
        taken.add(_signature(voice, language))
    return chosen
