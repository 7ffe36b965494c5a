"""Round-trip intelligibility: Kokoro English through the pocketsphinx recognizer (bundled en-us model).

Threshold: measured word error rate over these eight sentences was 0.07 (af_heart), 0.13 (am_michael)
and 0.16 (bm_lewis, British: pocketsphinx's US model scores British accents worse). Unintelligible
speech (wrong phonemes, a wrong-language voice) scores well above 0.5 here. 0.25 catches that with
margin for the recognizer's own noise.
"""

from __future__ import annotations

import jiwer
import numpy as np
import pytest
import soxr

from soundstage.audio.buffer import SPEECH_RATE
from soundstage.speech.kokoro import KokoroEngine
from tests.speech.conftest import speak

RECOGNIZER_RATE = 16_000  # Hz: pocketsphinx's en-us acoustic model
MAX_WER = 0.25
SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "Please call me tomorrow morning.",
    "I would like a cup of coffee.",
    "The weather is nice today.",
    "We are going to the park after school.",
    "She bought three red apples at the market.",
    "Turn left at the next street.",
    "This is the best day of my life.",
)


def recognize(audio: np.ndarray) -> str:
    from pocketsphinx import Decoder

    pcm = np.clip(soxr.resample(audio, SPEECH_RATE, RECOGNIZER_RATE), -1, 1)
    decoder = Decoder(samprate=RECOGNIZER_RATE)
    decoder.start_utt()
    decoder.process_raw((pcm * 32767).astype(np.int16).tobytes(), full_utt=True)
    decoder.end_utt()
    return decoder.hyp().hypstr if decoder.hyp() else ""


@pytest.mark.parametrize("voice", ["af_heart", "vivi_mixed_en_zh_ja_es_id"])
def test_english_round_trip_word_error_rate(kokoro: KokoroEngine, voice: str) -> None:
    refs = [s.lower().rstrip(".") for s in SENTENCES]
    hyps = [recognize(speak(kokoro, s, voice).audio.mono()) for s in SENTENCES]
    assert jiwer.wer(refs, hyps) <= MAX_WER, list(zip(refs, hyps, strict=True))
