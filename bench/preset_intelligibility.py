"""Intelligibility of every Kokoro voice and every preset, per language, read back by Whisper (issue 9).

    python bench/preset_intelligibility.py [--languages en,zh,ja,es,pt,id] [--only presets]

Each voice speaks the held-out sentences of ``tests/speech/intelligibility_sentences.py`` (written for
this, in no training text we know of); Whisper base (``tests/support/recognizer.py``, told the
language) transcribes each one; the score is the mean word error rate (en, es, pt, id) or character
error rate (zh, ja). Natives are all Kokoro voices of the language (for Indonesian, which has none,
every Spanish and Portuguese voice and the English voices presets use, reading espeak-ng's
Indonesian phonemes). Results go to ``bench/out/preset_intelligibility.json`` as they come, and a
table per language to stdout: the preset choices in ``soundstage/speech/voices.py`` are made from it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from soundstage.speech.engine import EngineConfig, SpeechEngine, SpeechRequest, collect
from soundstage.speech.kokoro import build_kokoro_engine
from soundstage.speech.languages import Language
from soundstage.speech.voices import KOKORO_VOICES, Gender, Rendition, Voice, VoiceMix, preset_voices
from tests.speech.intelligibility_sentences import SENTENCES, score
from tests.support.recognizer import Recognizer

OUT = ROOT / "bench" / "out" / "preset_intelligibility.json"
PREFIX = {Language.EN: "ab", Language.ZH: "z", Language.JA: "j", Language.ES: "e", Language.PT: "p"}


def native_voices(language: Language) -> list[Voice]:
    if language is Language.ID:
        preset_en = {p.rendition(Language.EN).mix.parts[0][0] for p in preset_voices()
                     if Language.EN in p.renditions}
        names = [n for n in KOKORO_VOICES if n[0] in "ep"] + sorted(preset_en)
    else:
        names = [n for n in KOKORO_VOICES if n[0] in PREFIX[language]]
    return [Voice(n, Gender.FEMALE if n[1] == "f" else Gender.MALE, n,
                  MappingProxyType({language: Rendition(VoiceMix.of(n))}), "kokoro") for n in names]


def rendition_json(rendition: Rendition) -> dict[str, object]:
    """What was measured: the blend, pitch and speed (the record is stale when a preset changes them)."""
    return {"mix": {n: round(w, 3) for n, w in rendition.mix.parts}, "pitch": rendition.pitch,
            "speed": rendition.speed}


def measure(engine: SpeechEngine, recognizer: Recognizer, voice: Voice,
            language: Language) -> tuple[float, list[str]]:
    heard = []
    for text in SENTENCES[language]:
        audio = collect(engine.synthesize(SpeechRequest(text, language, voice))).audio
        heard.append(recognizer.transcribe(audio.mono(), audio.rate, language.value))
    return score(language, SENTENCES[language], heard), heard


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--languages", default="en,zh,ja,es,pt,id")
    parser.add_argument("--only", choices=["all", "presets", "natives"], default="all")
    parser.add_argument("--models", type=Path, default=Path.home() / ".cache" / "soundstage-test" / "models")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    engine = build_kokoro_engine(EngineConfig(args.models, threads=2, fetch=True))
    recognizer = Recognizer()
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for code in args.languages.split(","):
        language = Language(code)
        table = results.setdefault(code, {})
        voices = [] if args.only == "presets" else native_voices(language)
        if args.only != "natives":
            voices += [p for p in preset_voices() if language in p.renditions]
        for voice in voices:
            start = time.perf_counter()
            rate, heard = measure(engine, recognizer, voice, language)
            table[voice.id] = {"score": round(rate, 4), "kind": voice.kind, "heard": heard,
                               **rendition_json(voice.rendition(language))}
            print(f"{code} {voice.id:28s} {rate:.3f}  ({time.perf_counter() - start:.1f} s)", flush=True)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
        ranked = sorted(table.items(), key=lambda kv: kv[1]["score"])
        print(f"--- {code}: " + ", ".join(f"{vid} {row['score']:.3f}" for vid, row in ranked), flush=True)


if __name__ == "__main__":
    main()
