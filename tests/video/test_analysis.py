"""Picture analysis on videos the tests draw with events at known frames (issue 10).

Cuts at their frame, impacts on the frame a falling box lands, a walk's steps on the frames its feet are
planted, the camera's pan told apart from a subject's motion, a flash that is not a cut, a still shot
with nothing in it, variable frame rates timed by their timestamps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from soundstage.errors import Cancelled, InvalidInput
from soundstage.video.analysis import Analysis, EventKind, analyse_video
from tests.video.scenes import (
    Drops,
    Scene,
    Walker,
    cut_scene,
    flash_scene,
    lone_box_scene,
    pan_scene,
    static_scene,
    vfr_time,
    write,
)

LIMITS = {"max_seconds": 60.0, "max_pixels": 1920 * 1080}
TOLERANCE = 0.05  # s: issue 10's bound for foley against its event


def analysed(tmp_path: Path, scene: Scene, name: str, **kw: bool) -> Analysis:
    return analyse_video(write(scene, tmp_path / f"{name}.mp4", **kw), **LIMITS)  # type: ignore[arg-type]


def impacts(analysis: Analysis) -> list[int]:
    return [e.frame for e in analysis.events if e.kind is EventKind.IMPACT]


def test_a_hard_cut_is_found_on_its_frame_and_each_shot_has_its_look(tmp_path: Path) -> None:
    a = analysed(tmp_path, cut_scene(cut=40), "cut")
    assert a.cuts == pytest.approx((40 / 24,), abs=1e-6)
    first, second = a.shots
    assert (first.first_frame, first.frames, second.first_frame, second.frames) == (0, 40, 40, 56)
    assert second.end == pytest.approx(a.duration) == pytest.approx(4.0)
    assert first.colour[2] > first.colour[0] + 0.1 and second.colour[0] > second.colour[2] + 0.1  # blue, warm
    assert second.brightness > first.brightness + 0.3
    assert not a.events  # a cut is no motion


def test_impacts_fall_on_the_frames_where_boxes_land(tmp_path: Path) -> None:
    drops = Drops(starts=[10, 40], landings=[26, 52])
    a = analysed(tmp_path, drops.scene(), "drops")
    assert impacts(a) == drops.landings
    assert not a.cadences  # two landings are no rhythm
    assert a.camera.max() == 0.0


def test_steps_of_a_walk_fall_on_the_frames_its_feet_are_planted(tmp_path: Path) -> None:
    walker = Walker()
    a = analysed(tmp_path, walker.scene(), "walker")
    (cadence,) = a.cadences
    assert cadence.period == pytest.approx(walker.step_frames / walker.fps, abs=0.02)
    planted = [p / walker.fps for p in walker.plants]
    assert len(cadence.beats) == len(planted)
    assert max(abs(b - p) for b, p in zip(cadence.beats, planted, strict=True)) <= TOLERANCE


def test_a_still_shot_has_no_motion_events_or_rhythm(tmp_path: Path) -> None:
    a = analysed(tmp_path, static_scene(), "static")
    assert (a.cuts, a.events, a.cadences) == ((), (), ())
    assert a.subject.max() == 0.0 and a.camera.max() == 0.0


def test_a_pan_is_the_camera_not_the_subject(tmp_path: Path) -> None:
    a = analysed(tmp_path, pan_scene(speed=6.0), "pan")
    moving = a.camera[1:]
    assert np.median(moving) == pytest.approx(6.0 * 24 / 320, rel=0.1)  # frame widths per second
    assert a.subject.mean() < 0.05 * np.median(moving)
    assert not a.events and not a.cuts


def test_a_lone_box_on_a_flat_background_is_the_subject(tmp_path: Path) -> None:
    a = analysed(tmp_path, lone_box_scene(), "box")
    assert a.camera.max() == 0.0 and np.median(a.subject[1:]) > 0.005


def test_a_flash_is_not_a_cut(tmp_path: Path) -> None:
    assert analysed(tmp_path, flash_scene(flash=20), "flash").cuts == ()


def test_variable_frame_rate_events_are_timed_by_their_timestamps(tmp_path: Path) -> None:
    drops = Drops(starts=[10, 40], landings=[26, 52])
    a = analysed(tmp_path, drops.scene(), "vfr", vfr=True)
    assert a.duration == pytest.approx((vfr_time(95, 24) + 90_000 // 24 * 2) / 90_000, abs=0.05)
    found = [e.time for e in a.events if e.kind is EventKind.IMPACT]
    for landing in drops.landings:
        assert min(abs(t - vfr_time(landing, 24) / 90_000) for t in found) <= 1e-6


def test_not_a_video_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("not a video at all")
    with pytest.raises(InvalidInput, match="video"):
        analyse_video(path, **LIMITS)  # type: ignore[arg-type]


def test_too_long_is_refused_while_decoding(tmp_path: Path) -> None:
    path = write(static_scene(frames=72), tmp_path / "three-seconds.mp4")
    with pytest.raises(InvalidInput, match="2 s"):
        analyse_video(path, max_seconds=2.0, max_pixels=1920 * 1080)


def test_cancelling_stops_decoding(tmp_path: Path) -> None:
    path = write(static_scene(), tmp_path / "still.mp4")
    calls = iter(range(1000))
    with pytest.raises(Cancelled):
        analyse_video(path, cancelled=lambda: next(calls) >= 5, **LIMITS)  # type: ignore[arg-type]
