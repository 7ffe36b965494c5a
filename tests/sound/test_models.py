"""Behaviour of individual models, measured: rhythms, cadences, pitches and shapes of real sounds."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from soundstage.audio.buffer import MIX_RATE, AudioBuffer
from soundstage.sound.registry import SoundParams, build_registry

REGISTRY = build_registry(packs=())
FRAME = MIX_RATE // 100  # 10 ms envelope frames


def _envelope_db(buf: AudioBuffer) -> np.ndarray:
    x = buf.mono().astype(np.float64)
    frames = x[: x.size // FRAME * FRAME].reshape(-1, FRAME)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-20)


def _onsets(buf: AudioBuffer, below_peak_db: float = 12.0, min_gap: float = 0.08) -> np.ndarray:
    env = _envelope_db(buf)
    peaks, _ = signal.find_peaks(env, height=env.max() - below_peak_db, distance=int(min_gap * 100))
    return peaks / 100.0  # seconds


def _peak_hz(buf: AudioBuffer, low: float, high: float, start: float = 0.0,
             stop: float | None = None) -> float:
    x = buf.mono().astype(np.float64)[int(start * MIX_RATE) : None if stop is None else int(stop * MIX_RATE)]
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    freqs = np.fft.rfftfreq(x.size, 1 / MIX_RATE)
    band = (freqs >= low) & (freqs <= high)
    return float(freqs[band][np.argmax(spectrum[band])])


def test_knocks_come_in_threes_at_knocking_pace() -> None:
    times = _onsets(REGISTRY.render("door_knock", SoundParams(seed=2)))
    assert len(times) == 3
    assert np.all((np.diff(times) > 0.13) & (np.diff(times) < 0.25))


def test_phone_rings_with_the_two_on_four_off_cadence() -> None:
    env = _envelope_db(REGISTRY.render("phone_ring", SoundParams(duration=8.0, seed=1)))
    ringing, gap, again = env[20:180].mean(), env[260:560].max(), env[620:770].mean()
    assert ringing - gap > 30 and again - gap > 30


@pytest.mark.parametrize("bpm", [60.0, 90.0, 130.0])
def test_heartbeat_follows_bpm(bpm: float) -> None:
    times = _onsets(REGISTRY.render("heartbeat", SoundParams(duration=6.0, seed=1, values={"bpm": bpm})),
                    below_peak_db=3.0, min_gap=0.5 * 60 / bpm)
    assert np.median(np.diff(times)) == pytest.approx(60.0 / bpm, rel=0.05)


def test_clock_ticks_once_a_beat() -> None:
    times = _onsets(REGISTRY.render("clock_tick",
                                    SoundParams(duration=6.0, seed=1, values={"beats_per_second": 2.0})),
                    below_peak_db=6.0)
    assert np.median(np.diff(times)) == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("pace", [1.2, 2.5])
def test_footsteps_walk_at_pace(pace: float) -> None:
    times = _onsets(REGISTRY.render("footsteps_concrete",
                                    SoundParams(duration=6.0, seed=1, values={"pace": pace})),
                    below_peak_db=6.0, min_gap=0.6 / pace)
    assert np.median(np.diff(times)) == pytest.approx(1.0 / pace, rel=0.05)


@pytest.mark.parametrize(("mains", "hum"), [(60.0, 120.0), (50.0, 100.0)])
def test_fluorescent_hum_sits_at_twice_mains(mains: float, hum: float) -> None:
    buf = REGISTRY.render("electrical_hum", SoundParams(duration=2.0, values={"mains_hz": mains}))
    assert _peak_hz(buf, 40, 1000) == pytest.approx(hum, abs=1.0)


def test_cricket_carrier_and_horn_tones() -> None:
    assert 4200 <= _peak_hz(REGISTRY.render("crickets", SoundParams(duration=3.0)), 1000, 10000) <= 5000
    horn = REGISTRY.render("car_horn", SoundParams(values={"length": 0.8}))
    assert _peak_hz(horn, 380, 460, 0.05, 0.75) == pytest.approx(420, abs=3)
    assert _peak_hz(horn, 470, 540, 0.05, 0.75) == pytest.approx(500, abs=3)


def test_chime_is_ding_then_dong() -> None:
    buf = REGISTRY.render("door_chime", SoundParams(seed=1))
    assert _peak_hz(buf, 400, 900, 0.0, 0.55) == pytest.approx(659.3, abs=3)
    assert _peak_hz(buf, 400, 600, 0.65, 1.5) == pytest.approx(554.4, abs=3)


def test_riser_rises_and_thunder_decays() -> None:
    riser = _envelope_db(REGISTRY.render("riser", SoundParams(duration=4.0)))
    assert riser[300:390].mean() - riser[10:100].mean() > 15
    thunder = _envelope_db(REGISTRY.render("thunder", SoundParams(duration=8.0, seed=1)))
    assert thunder[:300].mean() - thunder[-150:].mean() > 15
