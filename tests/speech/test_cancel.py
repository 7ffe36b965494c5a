"""Issue 9: Kokoro stops inside a model call once the job is cancelled, not only between sentences."""

from __future__ import annotations

import time

import pytest

from soundstage.errors import Cancelled
from soundstage.speech.controls import Controls
from soundstage.speech.engine import SpeechRequest
from soundstage.speech.kokoro import KokoroEngine
from soundstage.speech.languages import Language
from soundstage.speech.voices import resolve_voice

pytestmark = pytest.mark.slow

# One sentence of about 400 phonemes: one model call of several seconds on a shared 2-core machine.
LONG = ("The old lighthouse keeper climbed the spiral stairs every evening, counting each step as his "
        "father had taught him, and when he reached the lamp room he polished the great lens until it "
        "shone like a second moon over the restless sea, while the wind rattled the iron railings and the "
        "gulls settled on the rocks below to wait for morning.")
STOP_AFTER = 0.5  # s into the call
LIMIT = 0.3  # s from the cancel flag to Cancelled


@pytest.mark.parametrize("speed", [1.0, 1.3])
def test_issue9_kokoro_cancel_inside_one_sentence(kokoro: KokoroEngine, speed: float) -> None:
    start = time.perf_counter()

    def cancelled() -> bool:
        return time.perf_counter() - start > STOP_AFTER

    request = SpeechRequest(LONG, Language.EN, resolve_voice("af_heart"), Controls(speed=speed),
                            cancelled=cancelled)
    with pytest.raises(Cancelled):
        list(kokoro.synthesize(request))
    late = time.perf_counter() - start - STOP_AFTER
    print(f"stopped {late:.3f} s after the cancel flag")
    assert late < LIMIT
