"""The prompt's parts on the video's timeline (issue 10): ranges, shots, snapping to cuts, the rest filling
in."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from soundstage.apps.video_to_audio.foley import Tie, tie_of
from soundstage.apps.video_to_audio.sections import Section, sections
from soundstage.errors import InvalidInput
from soundstage.video.analysis import Analysis, Shot


def analysis(cuts: tuple[float, ...], duration: float = 8.0) -> Analysis:
    bounds = [0.0, *cuts, duration]
    shots = tuple(Shot(index=i, start=a, end=b, first_frame=round(a * 24), frames=round((b - a) * 24),
                       brightness=0.5, colour=(0.5, 0.5, 0.5), saturation=0.1, camera_motion=0.0,
                       subject_motion=0.0)
                  for i, (a, b) in enumerate(itertools.pairwise(bounds)))
    times = np.arange(round(duration * 24)) / 24
    zeros = np.zeros_like(times)
    return Analysis(duration=duration, frames=times.size, size=(96, 54), times=times, camera=zeros,
                    subject=zeros, shots=shots)


def test_no_ranges_is_the_whole_prompt_for_the_whole_video() -> None:
    assert sections("rain on a window", analysis(())) == (Section(0.0, 8.0, "rain on a window", timed=False),)
    assert sections("   ", analysis(())) == ()


def test_ranges_snap_to_a_cut_nearby_and_the_rest_fills_the_gaps() -> None:
    parts = sections("wind; 0-3s: rainy street; 5.5-end: inside a bar", analysis((3.2, 5.0)))
    assert parts == (Section(0.0, 3.2, "rainy street", timed=True), Section(3.2, 5.0, "wind", timed=False),
                     Section(5.0, 8.0, "inside a bar", timed=True))


def test_minutes_seconds_chinese_and_shot_labels() -> None:
    a = analysis((2.5,))
    assert sections("0:00-0:02.5: traffic", a)[0] == Section(0.0, 2.5, "traffic", timed=True)
    assert sections("2-8秒：雨声", a)[0] == Section(2.5, 8.0, "雨声", timed=True)
    assert sections("shot 2: a kitchen; shot 1: a street", a) == (Section(0.0, 2.5, "a street", timed=True),
                                                                   Section(2.5, 8.0, "a kitchen", timed=True))


@pytest.mark.parametrize("prompt,needle", [("shot 3: a hall", "2 shot"), ("4-2s: rain", "ends before")])
def test_impossible_ranges_name_the_prompt(prompt: str, needle: str) -> None:
    with pytest.raises(InvalidInput, match=needle):
        sections(prompt, analysis((2.5,)))


def test_each_kind_of_sound_is_tied_to_what_the_picture_shows() -> None:
    assert tie_of("footsteps_gravel") is Tie.BEATS
    assert ({tie_of(g) for g in ("impact", "impact_metal", "door_close", "door_knock", "glass_clink")}
            == {Tie.IMPACTS})
    assert {tie_of(g) for g in ("whoosh", "door_open")} == {Tie.STARTS}
    assert tie_of("car_horn") is Tie.FREE
