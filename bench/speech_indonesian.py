"""Speech benchmark 4: how intelligible is Indonesian (no Kokoro voice) read from espeak-ng phonemes?

    python bench/speech_indonesian.py

No Indonesian recognizer installs from the registries, so this is a closed-vocabulary round trip:
pocketsphinx's en-us acoustic model decodes a free loop over every test word of every language (about
60 words, each pronounced by espeak-ng's phonemes mapped to ARPAbet), and the word error rate is read
against the text. Its absolute values are not comparable to open-vocabulary tests; what matters is
the comparison on the same scale with conditions whose intelligibility is known: English with an
English voice and Spanish with a Spanish voice (intelligible), and English read by a Japanese voice
(barely intelligible, docs/offline-models.md). (A phone-loop variant did not separate those
references at all, so it was dropped.) Nothing is asserted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jiwer
import numpy as np
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from soundstage.audio.buffer import SPEECH_RATE
from soundstage.speech.engine import EngineConfig, SpeechRequest, build_engine, collect
from soundstage.speech.languages import Language
from soundstage.speech.voices import resolve_voice

RECOGNIZER_RATE = 16_000
CONDITIONS = (  # (label, language, voice, sentences)
    ("en / af_heart (reference: intelligible)", Language.EN, "af_heart",
     ("Good morning, how are you today?", "We are going to the market.", "The children are playing outside.",
      "Please close the door.", "My house is near the station.", "Thank you very much.")),
    ("es / ef_dora (reference: intelligible)", Language.ES, "ef_dora",
     ("Buenos días, ¿cómo estás hoy?", "Vamos al mercado.", "Los niños juegan afuera.",
      "Por favor, cierra la puerta.",
      "Mi casa está cerca de la estación.", "Muchas gracias.")),
    ("id / mindy (ef_dora blend)", Language.ID, "mindy_en_es_id_pt_zh",
     ("Selamat pagi, apa kabar hari ini?", "Kami pergi ke pasar.", "Anak-anak bermain di luar.",
      "Tolong tutup pintunya.", "Rumah saya dekat stasiun.", "Terima kasih banyak.")),
    ("id / af_heart (English voice)", Language.ID, "af_heart",
     ("Selamat pagi, apa kabar hari ini?", "Kami pergi ke pasar.", "Anak-anak bermain di luar.",
      "Tolong tutup pintunya.", "Rumah saya dekat stasiun.", "Terima kasih banyak.")),
    ("en / jm_kumo (reference: barely intelligible)", Language.EN, "jm_kumo",
     ("Good morning, how are you today?", "We are going to the market.", "The children are playing outside.",
      "Please close the door.", "My house is near the station.", "Thank you very much.")),
)
_ARPA = {"a": "AA", "ɑ": "AA", "ɐ": "AH", "e": "EH", "ɛ": "EH", "i": "IY", "ɪ": "IH", "o": "OW", "ɔ": "AO",
         "u": "UW", "ʊ": "UH", "ə": "AH", "ʌ": "AH", "æ": "AE", "ɚ": "ER", "ɜ": "ER", "p": "P", "b": "B",
         "t": "T", "d": "D", "k": "K", "ɡ": "G", "g": "G", "m": "M", "n": "N", "ŋ": "NG", "ɲ": "N", "f": "F",
         "v": "V", "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "h": "HH", "l": "L", "r": "R", "ɾ": "R",
         "ɹ": "R", "j": "Y", "w": "W", "θ": "TH", "ð": "DH", "β": "B", "ɣ": "G", "x": "HH", "ʧ": "CH",
         "ʤ": "JH", "c": "K", "ɟ": "JH", "A": "EY", "I": "AY", "O": "OW", "W": "AW", "Y": "OY"}


def to_arpabet(phonemes: str) -> str:
    return " ".join(_ARPA[c] for c in phonemes if c in _ARPA)


def _words(text: str) -> list[str]:
    return [w.strip(".,?!¿¡").lower() for w in text.split() if w.strip(".,?!¿¡")]


def build_decoder(tmp: Path) -> object:
    """A word loop over every test word of every language, pronounced by espeak-ng mapped to ARPAbet."""
    import pocketsphinx

    from soundstage.speech.frontend.phonemes import G2PSet

    g2p, lexicon = G2PSet(), {}
    for _, language, _, sentences in CONDITIONS:
        for word in {w for s in sentences for w in _words(s)}:
            arpa = to_arpabet(g2p.for_language(language)(word).text)
            if arpa:
                lexicon.setdefault(word, arpa)
    (tmp / "words.dict").write_text("".join(f"{w} {p}\n" for w, p in sorted(lexicon.items())))
    words = " | ".join(sorted(lexicon))
    (tmp / "loop.gram").write_text(f"#JSGF V1.0;\ngrammar loop;\npublic <s> = ( {words} )+ ;\n")
    model = Path(pocketsphinx.__file__).parent / "model" / "en-us"
    return pocketsphinx.Decoder(samprate=RECOGNIZER_RATE, hmm=str(model / "en-us"),
                                dict=str(tmp / "words.dict"),
                                jsgf=str(tmp / "loop.gram"))


def recognize(audio: np.ndarray, decoder: object) -> str:
    pcm = np.clip(soxr.resample(audio, SPEECH_RATE, RECOGNIZER_RATE), -1, 1)
    decoder.start_utt()  # type: ignore[attr-defined]
    decoder.process_raw((pcm * 32767).astype(np.int16).tobytes(), full_utt=True)  # type: ignore[attr-defined]
    decoder.end_utt()  # type: ignore[attr-defined]
    hyp = decoder.hyp()  # type: ignore[attr-defined]
    return hyp.hypstr if hyp else ""


def main() -> None:
    import tempfile

    models = Path(os.environ.get("SOUNDSTAGE_TEST_MODELS_DIR")
                  or Path.home() / ".cache/soundstage-test/models")
    engine = build_engine("kokoro", EngineConfig(models))
    with tempfile.TemporaryDirectory() as tmp:
        decoder = build_decoder(Path(tmp))
        for label, language, voice, sentences in CONDITIONS:
            refs, hyps = [], []
            for text in sentences:
                speech = collect(engine.synthesize(SpeechRequest(text, language, resolve_voice(voice))))
                refs.append(" ".join(_words(text)))
                hyps.append(recognize(speech.audio.mono(), decoder))
            print(f"{label:48} WER {jiwer.wer(refs, hyps):.2f}   e.g. {hyps[0]!r}")


if __name__ == "__main__":
    main()
