"""Speech benchmark 3 (issue 12): time to the first audio byte of a three-sentence English text, through
the server, against raw Kokoro's time for the same first phrase (targets: <= 0.5 s, ratio <= 1.2).

    python bench/speech_first_audio.py [--repeats 7] [--threads 2]

Starts a real server (one worker, Kokoro warm) and, in this process, raw Kokoro (kokoro-onnx 0.6.1 on
the same int8 model, same threads and session options as bench/speech_rtf.py). Interleaved, so load
from other processes on the shared machine hits all alike; the worker is idle while raw Kokoro runs.

- ``openai pcm`` / ``openai mp3``: ``POST /v1/audio/speech`` (streamed), request sent -> first body byte.
- ``run stream``: ``POST /run/soundstage/speech/stream`` -> first event carrying audio.
- ``raw first phrase``: kokoro-onnx ``create`` of the first phrase alone (what we cut and say first).
- ``raw first sentence``: kokoro-onnx of the whole first sentence: the wait without the cut.
- ``engine first phrase``: our own engine in this process on the first phrase: the route's floor, so
  the difference to ``openai pcm`` is what the HTTP, queue and worker hops add.
Medians; the ratio is ours over raw on the same phrase. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from soundstage.speech.assets import ensure_kokoro_assets
from soundstage.speech.frontend.split import split_sentences
from soundstage.speech.stream import first_phrase
from tests.support.server import TEST_KEY, Server

TEXT = ("Welcome back, everyone, to the late show about the sea and its storms. Tonight we sail out past "
        "the harbour lights. Stay with us until the end.")
VOICE = "af_heart"
AUTH = {"Authorization": f"Bearer {TEST_KEY}"}


def models_dir() -> Path:
    import os

    return Path(os.environ.get("SOUNDSTAGE_TEST_MODELS_DIR") or Path.home() / ".cache/soundstage-test/models")


def raw_kokoro(threads: int, tmp: Path) -> Callable[[str], float]:
    import onnxruntime as ort
    from kokoro_onnx import Kokoro

    assets = ensure_kokoro_assets(models_dir())
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(assets.model), opts, providers=["CPUExecutionProvider"])
    pack = np.fromfile(assets.voices_dir / f"{VOICE}.bin", dtype=np.float32).reshape(-1, 1, 256)
    np.savez(tmp / "voices.npz", **{VOICE: pack})
    kokoro = Kokoro.from_session(session, str(tmp / "voices.npz"))

    def run(text: str) -> float:
        started = time.perf_counter()
        kokoro.create(text, voice=VOICE, lang="en-us")
        return time.perf_counter() - started

    return run


def first_byte(client: httpx.Client, path: str, body: dict[str, object], event: bool = False) -> float:
    started, elapsed = time.perf_counter(), None
    with client.stream("POST", path, json=body, headers=AUTH) as response:
        response.raise_for_status()
        parts = response.iter_lines() if event else response.iter_bytes()
        for part in parts:  # read to the end: the job finishes before the next measurement
            if elapsed is None and part and (not event or '"type": "audio"' in str(part)):
                elapsed = time.perf_counter() - started
    assert elapsed is not None, f"{path} sent no audio"
    return elapsed


def measures() -> dict[str, Callable[[httpx.Client], float]]:
    openai = {"model": "tts-1", "voice": VOICE, "input": TEXT}
    run = {"input": TEXT, "voice": VOICE, "response_format": "pcm", "stream": True}
    return {
        "openai pcm": lambda c: first_byte(c, "/v1/audio/speech", {**openai, "response_format": "pcm"}),
        "openai mp3": lambda c: first_byte(c, "/v1/audio/speech", {**openai, "response_format": "mp3"}),
        "run stream": lambda c: first_byte(c, "/run/soundstage/speech/stream", run, event=True),
    }


def own_engine(threads: int) -> Callable[[str], float]:
    from soundstage.speech.engine import SpeechRequest
    from soundstage.speech.kokoro import KokoroEngine, KokoroModel
    from soundstage.speech.languages import Language
    from soundstage.speech.voices import resolve_voice

    engine = KokoroEngine(KokoroModel(ensure_kokoro_assets(models_dir()), threads))
    voice = resolve_voice(VOICE)

    def run(text: str) -> float:
        started = time.perf_counter()
        next(engine.synthesize(SpeechRequest(text, Language.EN, voice)))
        return time.perf_counter() - started

    return run


def measure(repeats: int, threads: int, head: str, sentence: str) -> dict[str, list[float]]:
    ours = measures()
    names = [*ours, "raw first phrase", "raw first sentence", "engine first phrase"]
    times: dict[str, list[float]] = {name: [] for name in names}
    engine = own_engine(threads)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        (data / "models").symlink_to(models_dir(), target_is_directory=True)
        raw = raw_kokoro(threads, Path(tmp))
        server = Server(data, workers=1, env={"SOUNDSTAGE_SPEECH_THREADS": str(threads)})
        with server, httpx.Client(base_url=server.url, timeout=300) as client:
            for first in ours.values():  # warm-up: the worker loads Kokoro; both sides warm their kernels
                first(client)
            raw(head), raw(sentence), engine(head)
            for _ in range(repeats):
                times["raw first phrase"].append(raw(head))
                for name, run in ours.items():
                    times[name].append(run(client))
                times["raw first sentence"].append(raw(sentence))
                times["engine first phrase"].append(engine(head))
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    head, _ = first_phrase(TEXT)
    sentence = split_sentences(TEXT)[0]
    times = measure(args.repeats, args.threads, head, sentence)
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["raw first phrase"]
    print(f"text: {TEXT!r}\nfirst phrase: {head!r}; first sentence: {sentence!r}")
    print(f"threads={args.threads} repeats={args.repeats} (median wall seconds; 2 shared cores)")
    for name, value in medians.items():
        ratio = "" if name.startswith("raw") else f"  ratio to raw first phrase {value / base:.2f}"
        print(f"  {name:<20} {value:6.3f} s{ratio}")
    print("targets: first audio <= 0.5 s; ratio <= 1.2")


if __name__ == "__main__":
    main()
