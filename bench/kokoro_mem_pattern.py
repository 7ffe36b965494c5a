"""Kokoro with onnxruntime's memory patterns on and off (issue 16): speed, interleaved in one process.

    python bench/kokoro_mem_pattern.py [--seconds 25] [--rounds 5] [--threads 2]

``KokoroModel`` turns ``enable_mem_pattern`` off because onnxruntime keeps a planned memory pattern
per input shape and every sentence length is a new shape (a long read's resident memory grew with
it). This builds two engines in one process, one per setting, and reads the same prose with each in
turn, alternating which goes first; it prints each round's wall times and the ratio off ÷ on of the
medians. Interleaving in one process puts both under the same load. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from long_form import MODELS, prose

from soundstage.speech.engine import EngineConfig, SpeechEngine, SpeechRequest, build_engine
from soundstage.speech.languages import Language
from soundstage.speech.voices import resolve_voice


def _engine(pattern: bool, threads: int) -> SpeechEngine:
    """A Kokoro engine whose sessions are made with ``enable_mem_pattern`` = ``pattern``."""
    plain = ort.SessionOptions

    class Options(plain):  # type: ignore[misc, valid-type]
        def __setattr__(self, name: str, value: object) -> None:
            super().__setattr__(name, pattern if name == "enable_mem_pattern" else value)

    ort.SessionOptions = Options  # type: ignore[misc]
    try:
        return build_engine("kokoro", EngineConfig(MODELS, threads=threads))
    finally:
        ort.SessionOptions = plain  # type: ignore[misc]


def _read(engine: SpeechEngine, text: str) -> float:
    start = time.perf_counter()
    for _ in engine.synthesize(SpeechRequest(text, Language.EN, resolve_voice("af_heart"))):
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=25.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    engines = {on: _engine(on, args.threads) for on in (True, False)}
    text = prose(args.seconds)
    for on, engine in engines.items():
        assert engine.model._session._sess_options.enable_mem_pattern is on  # type: ignore[attr-defined]
        _read(engine, "Warming up.")
    times: dict[bool, list[float]] = {True: [], False: []}
    for r in range(args.rounds):
        for on in (True, False) if r % 2 == 0 else (False, True):
            times[on].append(_read(engines[on], text))
        print(f"round {r + 1}: on {times[True][-1]:.2f} s, off {times[False][-1]:.2f} s")
    with_pattern, without = statistics.median(times[True]), statistics.median(times[False])
    print(f"median: on {with_pattern:.2f} s, off {without:.2f} s; off / on = {without / with_pattern:.3f}")


if __name__ == "__main__":
    main()
