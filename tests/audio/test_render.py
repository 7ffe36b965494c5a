"""Timeline mixer: loudness, true peak, ducking depth, stems, exact length, placement, on varied content."""

from __future__ import annotations

import json
import math

import numpy as np
import pyloudnorm
import pytest
from scipy import signal

from soundstage.audio.buffer import MIX_RATE, SPEECH_RATE, AudioBuffer
from soundstage.audio.ducking import DuckingParams
from soundstage.audio.loudness import LoudnessTarget, true_peak_dbfs
from soundstage.audio.master import MasterParams
from soundstage.audio.render import Mix, render
from soundstage.audio.reverb import Space, impulse_response
from soundstage.audio.timeline import Clip, Timeline, Track, TrackKind
from soundstage.errors import InvalidInput

DURATION = 8.0


def _speechlike(seconds: float, seed: int) -> AudioBuffer:
    """Band-limited noise with a 4 Hz syllable envelope, at the speech engine's rate."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SPEECH_RATE)
    sos = signal.butter(2, [150, 3500], btype="band", fs=SPEECH_RATE, output="sos")
    x = signal.sosfilt(sos, rng.standard_normal(n))
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * np.arange(n) / SPEECH_RATE) ** 2
    fade = np.minimum(1, np.minimum(np.arange(n), n - np.arange(n)) / 480)
    return AudioBuffer.from_mono((0.2 * x * env * fade).astype(np.float32), SPEECH_RATE)


def _bed(seconds: float, seed: int, level: float = 0.05) -> AudioBuffer:
    rng = np.random.default_rng(seed)
    return AudioBuffer((level * rng.standard_normal((int(seconds * MIX_RATE), 2))).astype(np.float32),
                       MIX_RATE)


def _hits(seed: int) -> AudioBuffer:
    rng = np.random.default_rng(seed)
    n = MIX_RATE // 5
    x = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.01 * MIX_RATE))
    return AudioBuffer.from_mono((0.9 * x / np.abs(x).max()).astype(np.float32), MIX_RATE)


def _music(seconds: float) -> AudioBuffer:
    t = np.arange(int(seconds * MIX_RATE)) / MIX_RATE
    chord = sum(np.sin(2 * np.pi * f * t) for f in (110.0, 164.8, 220.0, 277.2))
    return AudioBuffer(np.stack([chord, chord], axis=1).astype(np.float32) * 0.2, MIX_RATE)


SOURCES = {
    "line_a": _speechlike(2.0, 1),
    "line_b": _speechlike(1.5, 2),
    "bed": _bed(3.0, 3),
    "hit": _hits(4),
    "music": _music(4.0),
}


def _scene(master: MasterParams | None = None, ducking: DuckingParams | None = None,
           duration: float = DURATION) -> Timeline:
    return Timeline(
        duration=duration,
        tracks=(
            Track("dialogue", TrackKind.DIALOGUE,
                  (Clip("line_a", 1.0, space="room"), Clip("line_b", 4.5, pan=-0.4))),
            Track("ambience", TrackKind.AMBIENCE, (Clip("bed", 0.0, loop=True, fade_in=0.5),)),
            Track("foley", TrackKind.FOLEY,
                  tuple(Clip("hit", 0.3 + 0.9 * i, distance=3.0, space="room") for i in range(8))),
            Track("music", TrackKind.MUSIC, (Clip("music", 0.0, loop=True, gain_db=-8.0),)),
        ),
        spaces=(Space("room", room_size=0.3, damping=0.5),),
        master=master or MasterParams(),
        ducking=ducking or DuckingParams(),
    )


def _pyloudnorm(buf: AudioBuffer) -> float:
    return float(pyloudnorm.Meter(buf.rate).integrated_loudness(buf.samples.astype(np.float64)))


def _reference_true_peak(buf: AudioBuffer) -> float:
    up = signal.resample_poly(buf.samples.astype(np.float64), 8, 1, axis=0)
    return 20 * math.log10(float(np.abs(up).max()))


@pytest.fixture(scope="module")
def scene_mix() -> Mix:
    return render(_scene(), SOURCES)


@pytest.mark.parametrize("target", list(LoudnessTarget))
def test_master_hits_loudness_target_under_true_peak_ceiling(target: LoudnessTarget) -> None:
    mix = render(_scene(MasterParams(target_lufs=target.value)), SOURCES)
    assert _pyloudnorm(mix.master) == pytest.approx(target.value, abs=0.5)
    assert true_peak_dbfs(mix.master) <= -1.0
    assert _reference_true_peak(mix.master) <= -0.8  # 8x polyphase reading from scipy agrees


def _knock(seed: int, decay: float) -> AudioBuffer:
    rng = np.random.default_rng(seed)
    n = MIX_RATE // 5
    x = rng.standard_normal(n) * np.exp(-np.arange(n) / (decay * MIX_RATE))
    return AudioBuffer.from_mono((0.9 * x / np.abs(x).max()).astype(np.float32), MIX_RATE)


def test_master_lifts_a_quiet_bed_without_limiting() -> None:
    tracks = (Track("amb", TrackKind.AMBIENCE, (Clip("bed", 0.0, loop=True, gain_db=-30.0),)),)
    mix = render(Timeline(duration=DURATION, tracks=tracks), SOURCES)
    assert _pyloudnorm(mix.master) == pytest.approx(-16.0, abs=0.5)
    assert mix.report.makeup_db > 20.0
    assert true_peak_dbfs(mix.master) <= -1.0


def test_master_limits_dense_transients_to_streaming_loudness() -> None:
    sources = {"knock": _knock(5, 0.01)}
    tracks = (Track("fx", TrackKind.FOLEY, tuple(Clip("knock", 0.05 + 0.09 * i) for i in range(80))),)
    mix = render(Timeline(duration=DURATION, tracks=tracks,
                          master=MasterParams(LoudnessTarget.STREAMING.value)), sources)
    assert mix.report.max_reduction_db > 1.0  # the limiter had to work
    assert _pyloudnorm(mix.master) == pytest.approx(-14.0, abs=0.5)
    assert true_peak_dbfs(mix.master) <= -1.0


def test_unreachable_loudness_is_reported_not_forced() -> None:
    # sparse 10 ms clicks: reaching -16 LUFS would need far more than 12 dB of limiting
    tracks = (Track("fx", TrackKind.FOLEY, (Clip("hit", 1.0), Clip("hit", 5.0))),)
    mix = render(Timeline(duration=DURATION, tracks=tracks), SOURCES)
    assert mix.report.max_reduction_db <= 12.1
    assert mix.report.integrated_lufs < -16.5
    assert mix.report.integrated_lufs == pytest.approx(_pyloudnorm(mix.master), abs=0.1)
    assert true_peak_dbfs(mix.master) <= -1.0


def test_length_is_exact_to_the_sample() -> None:
    duration = 5.123456  # not a whole number of samples
    mix = render(_scene(duration=duration), SOURCES)
    assert mix.master.frames == round(duration * MIX_RATE)
    assert all(stem.audio.frames == mix.master.frames for stem in mix.stems)
    assert mix.master.rate == MIX_RATE and mix.master.channels == 2


def test_stems_sum_to_master(scene_mix: Mix) -> None:
    total = sum(stem.audio.samples.astype(np.float64) for stem in scene_mix.stems)
    error = np.abs(total - scene_mix.master.samples).max() / np.abs(scene_mix.master.samples).max()
    assert 20 * math.log10(error + 1e-30) < -60.0
    assert [s.name for s in scene_mix.stems] == ["dialogue", "ambience", "foley", "music"]


def _rms_db(x: np.ndarray) -> float:
    return 10 * math.log10(float(np.mean(np.square(x, dtype=np.float64))) + 1e-30)


@pytest.mark.parametrize("depth", [6.0, 12.0])
def test_beds_duck_under_dialogue_by_configured_depth(depth: float) -> None:
    timeline = Timeline(
        duration=DURATION,
        tracks=(
            Track("dialogue", TrackKind.DIALOGUE, (Clip("line_a", 3.0),)),
            Track("ambience", TrackKind.AMBIENCE, (Clip("bed", 0.0, loop=True),)),
        ),
        ducking=DuckingParams(depth_db=depth),
    )
    bed = render(timeline, SOURCES).stems[1].audio.samples
    during = bed[int(3.3 * MIX_RATE) : int(4.7 * MIX_RATE)]  # inside the 2 s line at 3.0 s
    before = bed[int(0.5 * MIX_RATE) : int(2.5 * MIX_RATE)]
    after = bed[int(6.5 * MIX_RATE) : int(7.9 * MIX_RATE)]
    assert _rms_db(before) - _rms_db(during) == pytest.approx(depth, abs=1.0)
    assert _rms_db(after) == pytest.approx(_rms_db(before), abs=1.0)  # recovered


def test_foley_is_not_ducked_and_ducking_can_be_disabled() -> None:
    tracks = (
        Track("dialogue", TrackKind.DIALOGUE, (Clip("line_a", 3.0),)),
        Track("steps", TrackKind.FOLEY, (Clip("bed", 0.0, loop=True),)),
    )
    for timeline in (Timeline(duration=DURATION, tracks=tracks),
                     Timeline(duration=DURATION,
                              tracks=(tracks[0],
                                      Track("amb", TrackKind.AMBIENCE, (Clip("bed", 0.0, loop=True),))),
                              ducking=DuckingParams(enabled=False))):
        bed = render(timeline, SOURCES).stems[1].audio.samples
        during = bed[int(3.3 * MIX_RATE) : int(4.7 * MIX_RATE)]
        before = bed[int(0.5 * MIX_RATE) : int(2.5 * MIX_RATE)]
        assert _rms_db(before) - _rms_db(during) == pytest.approx(0.0, abs=0.5)


def _raw(tracks: tuple[Track, ...], duration: float = 2.0) -> Mix:
    return render(Timeline(duration=duration, tracks=tracks, master=MasterParams(normalize=False)), SOURCES)


def test_clip_lands_on_its_sample_and_pan_is_constant_power() -> None:
    click = {"click": AudioBuffer.from_mono(np.r_[np.float32(0.5), np.zeros(99, np.float32)], MIX_RATE)}
    start = 0.7312
    mix = render(Timeline(duration=1.0,
                          tracks=(Track("f", TrackKind.FOLEY, (Clip("click", start, pan=-1.0),)),),
                          master=MasterParams(normalize=False)), click)
    left, right = mix.master.samples[:, 0], mix.master.samples[:, 1]
    assert int(np.argmax(np.abs(left))) == round(start * MIX_RATE)
    assert float(np.abs(right).max()) < 1e-6
    centred = render(Timeline(duration=1.0, tracks=(Track("f", TrackKind.FOLEY, (Clip("click", start),)),),
                              master=MasterParams(normalize=False)), click).master.samples
    assert float(centred[:, 0].max()) == pytest.approx(0.5 / math.sqrt(2), rel=1e-3)  # -3 dB centre


def test_distance_lowers_level_and_dulls_the_sound() -> None:
    near = _raw((Track("a", TrackKind.AMBIENCE,
                       (Clip("bed", 0.0, duration=2.0, loop=True),)),)).master.samples
    far = _raw((Track("a", TrackKind.AMBIENCE,
                      (Clip("bed", 0.0, duration=2.0, loop=True, distance=16.0),)),)).master.samples
    assert _rms_db(near) - _rms_db(far) > 24.0  # 4 doublings: 24 dB, plus air absorption
    spectrum_near = np.abs(np.fft.rfft(near[:, 0])) ** 2
    spectrum_far = np.abs(np.fft.rfft(far[:, 0])) ** 2
    freqs = np.fft.rfftfreq(near.shape[0], 1 / MIX_RATE)
    high = freqs > 8000
    assert (spectrum_far[high].sum() / spectrum_far.sum()
            < 0.5 * spectrum_near[high].sum() / spectrum_near.sum())


def test_sources_at_other_rates_are_resampled_not_retuned() -> None:
    t = np.arange(SPEECH_RATE) / SPEECH_RATE
    tone = {"tone": AudioBuffer.from_mono((0.3 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32),
                                          SPEECH_RATE)}
    mix = render(Timeline(duration=1.0, tracks=(Track("d", TrackKind.DIALOGUE, (Clip("tone", 0.0),)),),
                          master=MasterParams(normalize=False)), tone)
    spectrum = np.abs(np.fft.rfft(mix.master.samples[:, 0]))
    assert np.fft.rfftfreq(MIX_RATE, 1 / MIX_RATE)[int(np.argmax(spectrum))] == pytest.approx(1000, abs=2)


def test_reverb_decay_matches_space_rt60() -> None:
    for space in (Space("small", room_size=0.1), Space("hall", room_size=0.9, damping=0.2)):
        ir = impulse_response(space, MIX_RATE)[:, 0].astype(np.float64)
        schroeder = np.cumsum(ir[::-1] ** 2)[::-1]
        edc = 10 * np.log10(schroeder / schroeder[0])
        # T30: time from -5 to -35 dB, doubled (ISO 3382-1)
        t5, t35 = np.argmax(edc < -5) / MIX_RATE, np.argmax(edc < -35) / MIX_RATE
        assert 2 * (t35 - t5) == pytest.approx(space.rt60, rel=0.25)


def test_reverb_send_adds_a_tail() -> None:
    dry = _raw((Track("f", TrackKind.FOLEY, (Clip("hit", 0.1),)),)).master.samples
    timeline = Timeline(duration=2.0,
                        tracks=(Track("f", TrackKind.FOLEY,
                                      (Clip("hit", 0.1, space="room", send_db=-6.0),)),),
                        spaces=(Space("room", room_size=0.5),), master=MasterParams(normalize=False))
    wet = render(timeline, SOURCES).master.samples
    tail = slice(int(0.5 * MIX_RATE), int(0.8 * MIX_RATE))  # 0.2 s after the hit has died away
    assert _rms_db(wet[tail]) > _rms_db(dry[tail]) + 30.0


def test_timeline_round_trips_through_json() -> None:
    timeline = _scene()
    assert Timeline.from_dict(json.loads(json.dumps(timeline.to_dict()))) == timeline


def test_bad_plans_are_rejected_with_the_field_named() -> None:
    with pytest.raises(InvalidInput, match="clip.source"):
        render(Timeline(duration=1.0, tracks=(Track("d", TrackKind.DIALOGUE, (Clip("missing", 0.0),)),)),
               SOURCES)
    with pytest.raises(InvalidInput, match="clip.space"):
        Timeline(duration=1.0,
                 tracks=(Track("d", TrackKind.DIALOGUE, (Clip("line_a", 0.0, space="nowhere"),)),))
    with pytest.raises(InvalidInput, match="clip.pan"):
        Clip("line_a", 0.0, pan=2.0)


def test_looped_clip_with_offset_is_sample_exact() -> None:
    ramp = {"ramp": AudioBuffer.from_mono(np.arange(100, dtype=np.float32) / 1000, MIX_RATE)}
    clip = Clip("ramp", start=0.0, duration=1.0, offset=10 / MIX_RATE, loop=True, pan=-1.0)
    mix = render(Timeline(duration=1.0, tracks=(Track("f", TrackKind.FOLEY, (clip,)),),
                          master=MasterParams(normalize=False)), ramp)
    expected = ((10 + np.arange(MIX_RATE)) % 100) / 1000
    assert np.allclose(mix.master.samples[:, 0], expected, atol=1e-6)


def test_other_mix_rates_keep_exact_length_and_targets() -> None:
    timeline = _scene(duration=4.0)
    at_44k = Timeline(duration=timeline.duration, tracks=timeline.tracks, spaces=timeline.spaces, rate=44_100)
    mix = render(at_44k, SOURCES)
    assert mix.master.rate == 44_100 and mix.master.frames == 4 * 44_100
    assert _pyloudnorm(mix.master) == pytest.approx(-16.0, abs=0.5)
    assert true_peak_dbfs(mix.master) <= -1.0
