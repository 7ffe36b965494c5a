"""Speech benchmark 1: real-time factor of our Kokoro engine vs raw kokoro-onnx, same text and threads.

    python bench/speech_rtf.py [--threads 2] [--repeats 5]

Both run the same int8 model file with the same onnxruntime thread count on a ~10 s English sentence
(voice af_heart, speed 1). Ours adds the text front-end, word alignment and the durations output;
kokoro-onnx 0.6.1 phonemizes with espeak-ng and trims silence. Prints the median of ``--repeats`` runs
after one warm-up each, and the ratio (target: <= 1.05). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from soundstage.speech.assets import ensure_kokoro_assets
from soundstage.speech.engine import SpeechRequest, collect
from soundstage.speech.kokoro import KokoroEngine, KokoroModel
from soundstage.speech.languages import Language
from soundstage.speech.voices import resolve_voice

SENTENCE = ("On a quiet morning in early spring, the old lighthouse keeper climbed the winding stairs,"
            " checked the great lamp, and watched the fishing boats slip out of the harbour one by one.")
VOICE = "af_heart"


def models_dir() -> Path:
    import os

    return Path(os.environ.get("SOUNDSTAGE_TEST_MODELS_DIR") or Path.home() / ".cache/soundstage-test/models")


def ours_runner(engine: KokoroEngine) -> Callable[[], float]:
    request = SpeechRequest(SENTENCE, Language.EN, resolve_voice(VOICE))
    return lambda: collect(engine.synthesize(request)).audio.duration


def kokoro_onnx_runner(model: Path, voices_dir: Path, threads: int, tmp: Path) -> Callable[[], float]:
    import onnxruntime as ort
    from kokoro_onnx import Kokoro

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")  # as ours: same session options
    session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    pack = np.fromfile(voices_dir / f"{VOICE}.bin", dtype=np.float32).reshape(-1, 1, 256)
    np.savez(tmp / "voices.npz", **{VOICE: pack})
    kokoro = Kokoro.from_session(session, str(tmp / "voices.npz"))

    def run() -> float:
        audio, rate = kokoro.create(SENTENCE, voice=VOICE, lang="en-us")
        return len(audio) / rate

    return run


def timed(run: Callable[[], float]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of this process, audio seconds)."""
    started, cpu = time.perf_counter(), time.process_time()
    duration = run()
    return time.perf_counter() - started, time.process_time() - cpu, duration


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    assets = ensure_kokoro_assets(models_dir())
    engine = KokoroEngine(KokoroModel(assets, args.threads))
    with tempfile.TemporaryDirectory() as tmp:
        runners = {"ours": ours_runner(engine),
                   "raw": kokoro_onnx_runner(assets.model, assets.voices_dir, args.threads, Path(tmp))}
        results: dict[str, list[tuple[float, float, float]]] = {"ours": [], "raw": []}
        for run in runners.values():
            run()  # warm-up
        for _ in range(args.repeats):  # interleaved, so load from other processes hits both alike
            for name, run in runners.items():
                results[name].append(timed(run))
    ours = statistics.median(t for t, _, _ in results["ours"])
    raw = statistics.median(t for t, _, _ in results["raw"])
    ours_cpu = statistics.median(c for _, c, _ in results["ours"])
    raw_cpu = statistics.median(c for _, c, _ in results["raw"])
    ours_dur, raw_dur = results["ours"][0][2], results["raw"][0][2]
    print(f"threads={args.threads} repeats={args.repeats} (median)")
    print(f"CPU seconds: ours {ours_cpu:.3f}, kokoro-onnx {raw_cpu:.3f}; CPU-time RTF ratio "
          f"{(ours_cpu / ours_dur) / (raw_cpu / raw_dur):.3f} (robust to other load on a shared machine)")
    print(f"soundstage  : {ours:6.3f} s for {ours_dur:5.2f} s audio  RTF {ours / ours_dur:.3f}")
    print(f"kokoro-onnx : {raw:6.3f} s for {raw_dur:5.2f} s audio  RTF {raw / raw_dur:.3f}")
    print(f"ratio (RTF ours / RTF kokoro-onnx): {(ours / ours_dur) / (raw / raw_dur):.3f}  (target <= 1.05)")
    print(f"ratio (wall time, same text)      : {ours / raw:.3f}")


if __name__ == "__main__":
    main()
