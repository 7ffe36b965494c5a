"""How soon a cancelled job stops (issue 9): the longest stretch of work between two cancellation checks.

    python bench/cancel_latency.py [--seconds 600] [--models ~/.cache/soundstage-test/models]

- speech: a 40-sentence paragraph through Kokoro, cancelled at several moments; the figure is the
  time from the cancel flag to ``Cancelled`` (the engine stops inside a model call);
- design: the sound design of a 120-line script with a setting, an ambience and a music bed (beds,
  foley, a music bed of up to 300 s: everything the planner does after the lines are spoken);
- mix: a designed scene of ``--seconds`` at 48 kHz (bench/mix_render.py's), and each encoder, run
  with a check that records when it is asked; the figure is the longest gap between two checks,
  which bounds the delay of a cancel landing there. The worker sees a cancel within 0.25 s more
  (its lease heartbeat).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # soundstage, run from anywhere

from mix_render import sources, timeline

from soundstage.audio.codecs import AudioFormat, encode
from soundstage.audio.render import render
from soundstage.errors import Cancelled
from soundstage.production.casting import cast
from soundstage.production.plan import ProductionOptions
from soundstage.production.produce import Watch, plan
from soundstage.script.model import Cue, CueKind, Line, Mode, Script, Speaker
from soundstage.sound.lexicon import build_lexicon
from soundstage.sound.registry import build_registry
from soundstage.speech.engine import EngineConfig, SpeechRequest
from soundstage.speech.espeak import build_espeak_engine
from soundstage.speech.kokoro import build_kokoro_engine
from soundstage.speech.languages import Language
from soundstage.speech.voices import resolve_voice

SENTENCES = ("The harbour was quiet before dawn, and the fishing boats rocked gently against the pier. "
             "A gull called twice from the lighthouse, then fell silent as the fog rolled in. ")


class Recorder:
    """Records when it is asked, in wall and in CPU seconds (the CPU figure is what the gap would be
    on an idle machine; the wall figure depends on how many other processes share the cores)."""

    def __init__(self) -> None:
        self.asked: list[tuple[float, float]] = [(time.perf_counter(), time.process_time())]

    def __call__(self) -> bool:
        self.asked.append((time.perf_counter(), time.process_time()))
        return False

    def worst(self) -> str:
        marks = np.array([*self.asked, (time.perf_counter(), time.process_time())])
        wall, cpu = np.diff(marks, axis=0).max(axis=0)
        return f"{wall:.3f} s wall, {cpu:.3f} s CPU"


def _after(start: float, seconds: float) -> Callable[[], bool]:
    """A cancel flag that goes up ``seconds`` after ``start``."""
    return lambda: time.perf_counter() - start > seconds


def speech(models: Path, moments: list[float]) -> list[float]:
    engine = build_kokoro_engine(EngineConfig(models, threads=2, fetch=False))
    late = []
    for at in moments:
        start = time.perf_counter()
        request = SpeechRequest(SENTENCES * 20, Language.EN, resolve_voice("af_heart"),
                                cancelled=_after(start, at))
        try:
            for _ in engine.synthesize(request):
                pass
        except Cancelled:
            late.append(time.perf_counter() - start - at)
    return late


def design(models: Path) -> str:
    engine = build_espeak_engine(EngineConfig(models))  # the fastest real engine: speech is not timed here
    registry = build_registry()
    lines = [Line("A" if i % 2 else "B", "We keep walking through the night and the rain keeps falling.")
             for i in range(120)]
    script = Script(Mode.SCRIPT, (Cue(CueKind.MUSIC, "tense drone"), Cue(CueKind.AMBIENCE, "rain"), *lines),
                    (Speaker("A"), Speaker("B")), setting="a city street at night")
    rec = Recorder()
    planned, _ = plan(script, cast(script, None, {}, seed=1), engine, registry, build_lexicon(registry),
                      ProductionOptions(), {}, Watch(lambda i, n: None, rec))
    return f"{planned.duration:.0f} s scene, {len(rec.asked) - 1} checks, longest gap {rec.worst()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--models", type=Path, default=Path.home() / ".cache" / "soundstage-test" / "models")
    args = parser.parse_args()
    late = speech(args.models, [0.5, 1.7, 3.1, 4.4, 6.9])
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"speech: cancel flag -> Cancelled, worst {max(late):.3f} s, mean {np.mean(late):.3f} s")
    print(f"design: {design(args.models)}")
    mixed, audio = timeline(args.seconds), sources(args.seconds)
    rec = Recorder()
    start = time.perf_counter()
    mix = render(mixed, audio, cancelled=rec)
    print(f"mix of {args.seconds:.0f} s: {time.perf_counter() - start:.1f} s, {len(rec.asked) - 1} checks,"
          f" longest gap {rec.worst()}")
    for fmt in AudioFormat:
        rec = Recorder()
        start = time.perf_counter()
        encode(mix.master, fmt, 44_100, rec)
        print(f"encode {fmt.value}: {time.perf_counter() - start:.1f} s, longest gap {rec.worst()}")


if __name__ == "__main__":
    main()
