"""Issue 9: every preset, in every language it claims, reads within 0.05 of the best native Kokoro voice.

Intelligibility is Whisper base reading the held-out sentences of ``intelligibility_sentences.py`` back:
word error rate for en, es, pt and id, character error rate for zh and ja. Measuring all 54 voices and
every preset takes about an hour on this machine, so ``bench/preset_intelligibility.py`` measures them
and the result is kept in ``preset_intelligibility.json`` beside this test, with the blend, pitch and
speed each figure was measured with. The fast test holds every current preset to the record (a preset
changed without being measured again fails); the slow one measures again, live, the best Mandarin
native and the weakest Mandarin and Japanese presets, and checks the record reproduces (it did to the
digit for every language's weakest preset). English natives were measured only among the voices the
presets use: several read at 0.000, the floor, so the best native of all cannot be better.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType

import pytest

from soundstage.speech.kokoro import KokoroEngine
from soundstage.speech.languages import Language
from soundstage.speech.voices import Rendition, Voice, VoiceMix, preset_voices, resolve_voice
from tests.speech.intelligibility_sentences import SENTENCES, score
from tests.support.recognizer import Recognizer

RECORD = Path(__file__).with_name("preset_intelligibility.json")
MARGIN = 0.05  # the issue's: no preset more than this above the best native voice of the language
REPRODUCE = 0.03  # a live figure may differ this much from the record (another CPU, another build)


def _record() -> dict[str, dict[str, dict]]:
    return json.loads(RECORD.read_text(encoding="utf-8"))


def _as_measured(rendition: Rendition) -> dict[str, object]:
    return {"mix": {n: round(w, 3) for n, w in rendition.mix.parts}, "pitch": rendition.pitch,
            "speed": rendition.speed}


def _best_native(rows: dict[str, dict], gender: str = "") -> tuple[str, float]:
    """The best Kokoro voice in the record (of ``gender``'s letter, f or m, when given)."""
    natives = {vid: row["score"] for vid, row in rows.items() if row["kind"] == "kokoro" and
               (not gender or vid[1] == gender)}
    vid = min(natives, key=lambda v: (natives[v], v))
    return vid, natives[vid]


def _claims() -> list[tuple[Voice, Language]]:
    return [(v, lang) for v in preset_voices() for lang in v.renditions]


@pytest.mark.parametrize("voice,language", _claims(), ids=[f"{v.id}:{lang.value}" for v, lang in _claims()])
def test_issue9_preset_reads_within_0_05_of_the_best_native(voice: Voice, language: Language) -> None:
    rows = _record()[language.value]
    assert voice.id in rows, f"{voice.id} never measured in {language.value}: bench/preset_intelligibility.py"
    row = rows[voice.id]
    measured = {"mix": row["mix"], "pitch": row.get("pitch", 0.0), "speed": row.get("speed", 1.0)}
    assert measured == _as_measured(voice.rendition(language)), "the preset changed since it was measured"
    # Indonesian has no Kokoro voice at all: every voice reads espeak-ng's Indonesian phonemes with an
    # accent, and the best of them (em_alex) is a man's; a persona is held to the best of its gender.
    best, best_score = _best_native(rows, voice.gender.value[0] if language is Language.ID else "")
    assert row["score"] <= best_score + MARGIN + 1e-9, (
        f"{voice.id} reads {language.value} at {row['score']:.3f}; the best native, {best}, "
        f"at {best_score:.3f}")


def _weakest(language: Language) -> str:
    rows = _record()[language.value]
    presets = [v.id for v in preset_voices() if language in v.renditions]
    return max(presets, key=lambda vid: rows[vid]["score"])


def _measured_voice(vid: str, language: Language, kind: str) -> Voice:
    """A preset as it is; a Kokoro voice speaking ``language`` (Indonesian natives are Spanish,
    Portuguese and English voices reading espeak-ng's Indonesian phonemes)."""
    if kind != "kokoro":
        return resolve_voice(vid)
    native = resolve_voice(vid)
    return Voice(vid, native.gender, vid, MappingProxyType({language: Rendition(VoiceMix.of(vid))}), "kokoro")


# Where the defect was (Mandarin), the best native and the weakest preset; Japanese's one preset. A full
# live pass (every language: 2.5 min here) is `-k reproduces` with LIVE widened; the bench measures all.
LIVE = [(Language.ZH, "best"), (Language.ZH, "weakest"), (Language.JA, "weakest")]


@pytest.mark.slow
@pytest.mark.parametrize("language,who", LIVE, ids=[f"{lang.value}:{who}" for lang, who in LIVE])
def test_issue9_record_reproduces_live(kokoro: KokoroEngine, recognizer: Recognizer, language: Language,
                                       who: str) -> None:
    from soundstage.speech.engine import SpeechRequest, collect

    rows = _record()[language.value]
    vid = _best_native(rows)[0] if who == "best" else _weakest(language)
    voice = _measured_voice(vid, language, rows[vid]["kind"])
    heard = []
    for text in SENTENCES[language]:
        audio = collect(kokoro.synthesize(SpeechRequest(text, language, voice))).audio
        heard.append(recognizer.transcribe(audio.mono(), audio.rate, language.value))
    live = score(language, SENTENCES[language], heard)
    print(f"{language.value} {vid}: live {live:.3f}, recorded {rows[vid]['score']:.3f}: {heard}")
    assert abs(live - rows[vid]["score"]) <= REPRODUCE, heard
