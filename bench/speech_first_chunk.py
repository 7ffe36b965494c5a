"""Speech benchmark 2: time to the first chunk of a five-sentence paragraph (target <= 0.5 s, 2 cores).

    python bench/speech_first_chunk.py [--threads 2] [--repeats 5]

Measured from the call to ``synthesize`` to the first yielded chunk, with the model loaded and warm
(a worker keeps it so). Also prints the time for the whole paragraph. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from speech_rtf import models_dir

from soundstage.speech.assets import ensure_kokoro_assets
from soundstage.speech.engine import SpeechRequest
from soundstage.speech.kokoro import KokoroEngine, KokoroModel
from soundstage.speech.languages import Language
from soundstage.speech.voices import resolve_voice

PARAGRAPH = ("The storm had passed by midnight. In the morning, the village came out to count the damage. "
             "Two boats were lost, and the bakery roof had gone. Nobody was hurt, which felt like a miracle. "
             "By noon, the first hammers were already ringing.")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    engine = KokoroEngine(KokoroModel(ensure_kokoro_assets(models_dir()), args.threads))
    request = SpeechRequest(PARAGRAPH, Language.EN, resolve_voice("af_heart"))
    list(engine.synthesize(request))  # warm-up: G2P tables and onnxruntime kernels
    firsts, cpus, totals, audio = [], [], [], 0.0
    for _ in range(args.repeats):
        started, cpu = time.perf_counter(), time.process_time()
        stream = engine.synthesize(request)
        first = next(stream)
        firsts.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        audio = first.audio.duration + sum(c.audio.duration for c in stream)
        totals.append(time.perf_counter() - started)
    print(f"threads={args.threads} repeats={args.repeats} (median)")
    print(f"first chunk : {statistics.median(firsts):.3f} s  (target <= 0.5 s); first sentence"
          f" {first.text!r}")
    print(f"first chunk CPU time: {statistics.median(cpus):.3f} s over {args.threads} threads (wall on idle"
          f" cores is about this / threads; the machine is shared, so wall time includes others' load)")
    print(f"whole text  : {statistics.median(totals):.3f} s for {audio:.2f} s of audio")


if __name__ == "__main__":
    main()
