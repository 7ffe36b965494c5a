"""Plan data: format validation, camera moves and palettes read from prompts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from soundstage.video.plan import (
    CameraMove,
    Footage,
    PicturePlan,
    ShotKind,
    Still,
    VideoFormat,
    Viseme,
    camera_move_from_text,
    palette_from_text,
)


def test_duration_follows_the_frame_count() -> None:
    assert VideoFormat(1280, 720, 24, 192).duration == 8.0


@pytest.mark.parametrize("width,height", [(1281, 720), (1280, 719), (0, 720)])
def test_odd_or_empty_sizes_are_refused(width: int, height: int) -> None:
    with pytest.raises(ValueError, match="even"):
        VideoFormat(width, height, 24, 24)


@pytest.mark.parametrize("prompt,move", [
    ("Wide shot of a chef plating a dish, slow push in on the plate", CameraMove.PUSH_IN),
    ("the camera dollies in on her face", CameraMove.PUSH_IN),
    ("Zoom in to the clock", CameraMove.PUSH_IN),
    ("close-up push on the ring", CameraMove.PUSH_IN),
    ("pull back to reveal the city", CameraMove.PULL_OUT),
    ("zoom out slowly", CameraMove.PULL_OUT),
    ("camera pans left across the market", CameraMove.PAN_LEFT),
    ("pan to the right", CameraMove.PAN_RIGHT),
    ("tilt up to the sky", CameraMove.TILT_UP),
    ("Tilting down to the floor", CameraMove.TILT_DOWN),
    ("locked-off wide shot, then nobody zooms in", CameraMove.STATIC),
    ("two people talk in a kitchen", CameraMove.STATIC),
    ("镜头缓缓推进，厨师在厨房里摆盘", CameraMove.PUSH_IN),
    ("镜头拉远，露出整座城市", CameraMove.PULL_OUT),
    ("镜头向左摇", CameraMove.PAN_LEFT),
    ("他在吃拉面", CameraMove.STATIC),
])
def test_camera_move_from_text(prompt: str, move: CameraMove) -> None:
    assert camera_move_from_text(prompt) is move


def test_palette_is_deterministic_and_follows_mood() -> None:
    assert palette_from_text("neon alley at night", 3) == palette_from_text("neon alley at night", 3)
    assert palette_from_text("neon alley at night", 3) != palette_from_text("neon alley at night", 4)
    warm_top = palette_from_text("golden hour on a porch", 0)[0]
    night_top = palette_from_text("a street at night", 0)[0]
    assert sum(warm_top) > 2 * sum(night_top)
    assert warm_top[0] > warm_top[2]  # warm: more red than blue
    noir = palette_from_text("film noir office", 0)[1]
    assert max(noir) - min(noir) < 40  # nearly grey
    for colour in palette_from_text("", 123456789012):
        assert all(0 <= c <= 255 for c in colour)


def test_plan_kind_follows_its_inputs() -> None:
    fmt = VideoFormat(64, 36, 24, 24)
    still = Still(np.zeros((10, 10, 3), np.uint8))
    base = PicturePlan(fmt, "x", ((0, 0, 0), (1, 1, 1)), CameraMove.STATIC, (), ())
    assert base.kind is ShotKind.TEXT
    assert replace(base, images=(still,), end_image=still).kind is ShotKind.IMAGE
    assert replace(base, images=(still, still)).kind is ShotKind.REFERENCE
    assert replace(base, footage=(Footage(Path("a.mp4")),)).kind is ShotKind.REFERENCE
    with pytest.raises(ValueError, match="end_image"):
        replace(base, images=(still, still), end_image=still)


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="OVR"):
        Viseme(0.0, 0.1, "AA")
    with pytest.raises(ValueError, match="uint8"):
        Still(np.zeros((4, 4, 3), np.float32))  # type: ignore[arg-type]
