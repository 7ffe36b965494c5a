"""How soon a cancelled job stops (issue 9): the longest stretch of work between two cancellation checks.

    python bench/cancel_latency.py [--seconds 600] [--models ~/.cache/soundstage-test/models]

- speech: a 40-sentence paragraph through Kokoro, cancelled at several moments; the figure is the
  time from the cancel flag to ``Cancelled`` (the engine stops inside a model call);
- mix: a designed scene of ``--seconds`` at 48 kHz (bench/mix_render.py's), and each encoder, run
  with a check that records when it is asked; the figure is the longest gap between two checks,
  which bounds the delay of a cancel landing there. The worker sees a cancel within 0.25 s more
  (its lease heartbeat).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from mix_render import sources, timeline  # noqa: E402

from soundstage.audio.codecs import AudioFormat, encode  # noqa: E402
from soundstage.audio.render import render  # noqa: E402
from soundstage.errors import Cancelled  # noqa: E402
from soundstage.speech.engine import EngineConfig, SpeechRequest  # noqa: E402
from soundstage.speech.kokoro import build_kokoro_engine  # noqa: E402
from soundstage.speech.languages import Language  # noqa: E402
from soundstage.speech.voices import resolve_voice  # noqa: E402

SENTENCES = ("The harbour was quiet before dawn, and the fishing boats rocked gently against the pier. "
             "A gull called twice from the lighthouse, then fell silent as the fog rolled in. ")


class Recorder:
    def __init__(self) -> None:
        self.asked: list[float] = [time.perf_counter()]

    def __call__(self) -> bool:
        self.asked.append(time.perf_counter())
        return False

    def worst(self) -> float:
        return float(np.max(np.diff([*self.asked, time.perf_counter()])))


def speech(models: Path, moments: list[float]) -> list[float]:
    engine = build_kokoro_engine(EngineConfig(models, threads=2, fetch=False))
    late = []
    for at in moments:
        start = time.perf_counter()
        request = SpeechRequest(SENTENCES * 20, Language.EN, resolve_voice("af_heart"),
                                cancelled=lambda at=at, start=start: time.perf_counter() - start > at)
        try:
            for _ in engine.synthesize(request):
                pass
        except Cancelled:
            late.append(time.perf_counter() - start - at)
    return late


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--models", type=Path, default=Path.home() / ".cache" / "soundstage-test" / "models")
    args = parser.parse_args()
    late = speech(args.models, [0.5, 1.7, 3.1, 4.4, 6.9])
    print(f"speech: cancel flag -> Cancelled, worst {max(late):.3f} s, mean {np.mean(late):.3f} s")
    rec = Recorder()
    start = time.perf_counter()
    mix = render(timeline(args.seconds), sources(args.seconds), cancelled=rec)
    print(f"mix of {args.seconds:.0f} s: {time.perf_counter() - start:.1f} s, {len(rec.asked) - 1} checks,"
          f" longest gap {rec.worst():.3f} s")
    for fmt in AudioFormat:
        rec = Recorder()
        start = time.perf_counter()
        encode(mix.master, fmt, 44_100, rec)
        print(f"encode {fmt.value}: {time.perf_counter() - start:.1f} s, longest gap {rec.worst():.3f} s")


if __name__ == "__main__":
    main()
