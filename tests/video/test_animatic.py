"""The animatic: exact frames, determinism, camera moves, lip sync, captions, crossfades and cuts."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from soundstage.errors import Cancelled
from soundstage.video.animatic import CROSSFADE, AnimaticRenderer
from soundstage.video.camera import MARGIN, PAN_ZOOM
from soundstage.video.fonts import CJK_NOTE, Fonts
from soundstage.video.overlay import LIPSYNC_LEAD
from soundstage.video.plan import (
    CameraMove,
    Caption,
    Character,
    Footage,
    PicturePlan,
    Still,
    VideoFormat,
    Viseme,
)
from tests.video.plans import SMALL, solid, text_plan, write_clip

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SLATE = 0.15  # top band of the frame holding the slate and the running timecode

Frames = list[npt.NDArray[np.uint8]]


def render(plan: PicturePlan) -> Frames:
    return list(AnimaticRenderer().render(plan, lambda: False))


def below_slate(frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.int16]:
    return frame[int(frame.shape[0] * SLATE):].astype(np.int16)


def changed(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    return np.abs(below_slate(a) - below_slate(b)).max(axis=2) > 24  # type: ignore[no-any-return]


def square_image(size: tuple[int, int] = (320, 180)) -> Still:
    """Grey with a white square in the middle, a fifth of the height across."""
    rgb = np.full((size[1], size[0], 3), 90, np.uint8)
    side = size[1] // 5
    top, left = (size[1] - side) // 2, (size[0] - side) // 2
    rgb[top:top + side, left:left + side] = 255
    return Still(rgb)


def square(frame: npt.NDArray[np.uint8]) -> tuple[float, float, float]:
    """(width, centre x, centre y) of the white square, in pixels."""
    ys, xs = np.nonzero(below_slate(frame).min(axis=2) > 200)
    ys = ys + int(frame.shape[0] * SLATE)
    return float(xs.max() - xs.min() + 1), float(xs.mean()), float(ys.mean())


def test_exact_frame_count_size_and_type() -> None:
    frames = render(text_plan())
    assert len(frames) == SMALL.frames
    assert all(f.shape == (180, 320, 3) and f.dtype == np.uint8 and f.flags.c_contiguous for f in frames)


def test_the_same_plan_gives_the_same_frames() -> None:
    maya = Character("Maya", "woman", (210, 120, 90), (Viseme(0.2, 0.6, "aa"),))
    plan = text_plan(camera=CameraMove.PUSH_IN, characters=(maya,),
                     captions=(Caption("Hello", 0.1, 1.0, "Maya"),))
    digests = [hashlib.sha256(b"".join(f.tobytes() for f in render(plan))).hexdigest() for _ in range(2)]
    assert digests[0] == digests[1]


@pytest.mark.parametrize("move", [CameraMove.PUSH_IN, CameraMove.PULL_OUT])
def test_push_and_pull_scale_the_picture_by_the_margin(move: CameraMove) -> None:
    plan = replace(text_plan(camera=move), images=(square_image(),))
    frames = render(plan)
    first, last = square(frames[0])[0], square(frames[-1])[0]
    expected = MARGIN if move is CameraMove.PUSH_IN else 1 / MARGIN
    assert last / first == pytest.approx(expected, rel=0.06)


@pytest.mark.parametrize("move,dx,dy", [(CameraMove.PAN_RIGHT, -1, 0), (CameraMove.PAN_LEFT, 1, 0),
                                        (CameraMove.TILT_UP, 0, 1), (CameraMove.TILT_DOWN, 0, -1)])
def test_pans_and_tilts_move_the_picture_the_right_way(move: CameraMove, dx: int, dy: int) -> None:
    frames = render(replace(text_plan(camera=move), images=(square_image(),)))
    (_, x0, y0), (_, x1, y1) = square(frames[0]), square(frames[-1])
    # the window sweeps the panel's free space, (1 - 1 / PAN_ZOOM) of it, seen PAN_ZOOM / MARGIN as large
    sweep = (1 - 1 / PAN_ZOOM) * PAN_ZOOM  # of the frame size
    if dx:
        assert (x1 - x0) * dx == pytest.approx(sweep * 320, rel=0.1) and abs(y1 - y0) < 1
    else:
        assert (y1 - y0) * dy == pytest.approx(sweep * 180, rel=0.1) and abs(x1 - x0) < 1


def test_static_text_panel_only_changes_its_timecode() -> None:
    frames = render(text_plan())
    assert not changed(frames[0], frames[-1]).any()
    assert not np.array_equal(frames[0], frames[-1])  # the timecode runs


def test_mouth_opens_on_open_visemes_at_the_right_frames() -> None:
    maya = Character("Maya", "woman", (210, 120, 90),
                     (Viseme(0.0, 1.0, "sil"), Viseme(1.0, 1.5, "aa"), Viseme(1.5, 2.0, "PP")))
    frames = render(text_plan(characters=(maya,)))
    moving = [i for i, f in enumerate(frames) if changed(frames[0], f).any()]
    # frame i shows the viseme at (i + LIPSYNC_LEAD) / fps: open from frame 24 to frame 35
    first = int(np.ceil(1.0 * 24 - LIPSYNC_LEAD))
    last = int(np.ceil(1.5 * 24 - LIPSYNC_LEAD)) - 1
    assert abs(moving[0] - first) <= 1 and abs(moving[-1] - last) <= 1
    assert moving == list(range(moving[0], moving[-1] + 1))
    ys, xs = np.nonzero(changed(frames[0], frames[30]))
    box_w, box_h = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    assert box_w * box_h < 0.01 * 320 * 180  # only the mouth changes, and it is small
    y = ys.mean() + int(180 * SLATE)
    assert 0.45 * 180 < y < 0.75 * 180 and abs(xs.mean() - 160) < 3  # on the card's head, centre stage


@pytest.mark.parametrize("onset", [0.5, 0.51, 0.52, 0.53, 0.54])
def test_mouth_opens_inside_the_atsc_sync_window(onset: float) -> None:
    """ATSC IS-191: sound at most 15 ms before the picture, at most 45 ms after it."""
    fmt = VideoFormat(320, 180, 24, 24)
    maya = Character("Maya", "woman", (210, 120, 90), (Viseme(onset, onset + 0.3, "aa"),))
    frames = render(text_plan(fmt, characters=(maya,)))
    first_open = next(i for i, f in enumerate(frames) if changed(frames[0], f).any())
    picture_late_ms = (first_open / fmt.fps - onset) * 1000  # > 0: the sound leads the picture
    assert -45 <= picture_late_ms <= 15


def test_captions_are_drawn_exactly_while_active() -> None:
    frames = render(text_plan(captions=(Caption("Service is on.", 0.5, 1.0, "Maya"),)))
    bottom = [bool(changed(frames[0], f)[-40:].any()) for f in frames]
    active = [i for i, on in enumerate(bottom) if on]
    # a caption is shown on the frames whose middle, (i + 0.5) / fps, falls in [start, end)
    assert active == list(range(12, 24))


def test_image_to_video_crossfades_to_the_end_image() -> None:
    plan = replace(text_plan(), images=(solid((220, 30, 30)),), end_image=solid((30, 30, 220)))
    frames = render(plan)
    centre = [f[120, 160].astype(int) for f in frames]
    fade_from = SMALL.frames - round(SMALL.frames * CROSSFADE)
    assert tuple(centre[fade_from - 1]) == (220, 30, 30)
    assert tuple(centre[-1]) == (30, 30, 220)
    blues = [c[2] for c in centre[fade_from - 1:]]
    assert blues == sorted(blues) and 30 < blues[len(blues) // 2] < 220


def test_image_to_video_speakers_get_picture_in_picture_cards() -> None:
    maya = Character("Maya", "woman", (210, 120, 90), (Viseme(1.0, 1.5, "aa"),))
    plan = replace(text_plan(characters=(maya,)), images=(solid((40, 90, 40)),))
    frames = render(plan)
    assert (frames[0][60:, :100] != (40, 90, 40)).any()  # the card is there
    assert changed(frames[10], frames[30]).any() and not changed(frames[5], frames[10]).any()


def test_reference_cuts_stills_then_footage_in_order(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "ref.mp4", frames=24)
    plan = replace(text_plan(), images=(solid((220, 30, 30)), solid((30, 200, 30))), footage=(Footage(clip),))
    frames = render(plan)
    centre = [tuple(int(c) for c in f[120, 160]) for f in frames]
    assert all(c[0] > 150 and c[1] < 80 for c in centre[:16])
    assert all(c[1] > 150 and c[0] < 80 for c in centre[16:32])
    assert all(c[2] > 150 for c in centre[32:])
    greens = [c[1] for c in centre[32:]]
    assert greens[-1] - greens[0] > 30  # the footage plays


def test_cancellation_stops_between_frames() -> None:
    calls = iter(range(100))
    frames = AnimaticRenderer().render(text_plan(), lambda: next(calls) >= 5)
    got = 0
    with pytest.raises(Cancelled):
        for _ in frames:
            got += 1
    assert got == 5


def test_cjk_without_a_font_draws_the_latin_part_and_says_so() -> None:
    fonts = Fonts(cjk=None)
    text, omitted = fonts.drawable("镜头推进 chef 厨房")
    assert (text, omitted) == ("chef", True)
    assert CJK_NOTE.startswith("[CJK")
    frames = list(AnimaticRenderer(fonts).render(text_plan(description="镜头推进，厨师在厨房里摆盘"),
                                                 lambda: False))
    assert len(frames) == SMALL.frames


def test_look_frames_saved_for_review() -> None:
    """Full-size frames under tests/artifacts/ for a person to look at (gitignored)."""
    fmt = VideoFormat(1280, 720, 24, 48)
    maya = Character("Maya", "woman", (214, 120, 90), (Viseme(0.5, 1.0, "aa"), Viseme(1.0, 1.3, "ou")))
    tom = Character("Tom", "old man", (90, 140, 200), ())
    plan = text_plan(fmt, CameraMove.PUSH_IN, (maya, tom), (Caption("Service is on.", 0.3, 1.8, "Maya"),),
                     "Wide shot of a chef plating a dish in a warmly lit kitchen, steam rising, slow push in"
                     " on the plate, dialogue: 'Service is on'.")
    ARTIFACTS.mkdir(exist_ok=True)
    for i, frame in enumerate(render(plan)):
        if i in (0, 20, 47):
            Image.fromarray(frame).save(ARTIFACTS / f"animatic_text_{i:03d}.png")
    assert (ARTIFACTS / "animatic_text_020.png").stat().st_size > 10_000


def test_look_image_and_reference_frames_saved_for_review(tmp_path: Path) -> None:
    fmt = VideoFormat(1280, 720, 24, 24)
    y, x = np.mgrid[0:540, 0:960]
    photo = np.stack([(x * 255 // 960), (y * 255 // 540), np.full_like(x, 120)], axis=2).astype(np.uint8)
    maya = Character("Maya", "woman", (214, 120, 90), (Viseme(0.2, 0.8, "oh"),))
    base = text_plan(fmt, CameraMove.PAN_RIGHT, (maya,),
                     (Caption("镜头推进 — the kitchen at dawn", 0.0, 1.0),),
                     "镜头缓缓推进，厨师在厨房里摆盘 (a chef plates a dish)")
    ARTIFACTS.mkdir(exist_ok=True)
    image = render(replace(base, images=(Still(photo),), end_image=solid((30, 30, 200), 640, 480)))
    Image.fromarray(image[12]).save(ARTIFACTS / "animatic_image_012.png")
    clip = write_clip(tmp_path / "ref.mp4", frames=24, size=(320, 240))
    reference = render(replace(base, images=(Still(photo),), footage=(Footage(clip),)))
    Image.fromarray(reference[20]).save(ARTIFACTS / "animatic_reference_020.png")
    text = render(base)
    Image.fromarray(text[12]).save(ARTIFACTS / "animatic_cjk_012.png")
    assert len(image) == len(reference) == len(text) == fmt.frames


@pytest.mark.parametrize("height,width", [(1920, 1080), (1001, 333), (7, 3000), (3, 5)])
def test_any_image_shape_fills_the_frame(height: int, width: int) -> None:
    """Regression (commit 1293466): rounding in cover() reached past a portrait image's edge."""
    rgb = np.full((height, width, 3), (30, 160, 60), np.uint8)
    image = render(replace(text_plan(), images=(Still(rgb),), end_image=Still(rgb)))
    assert len(image) == SMALL.frames and tuple(image[-1][100, 160]) == (30, 160, 60)  # cover-fit fills
    reference = render(replace(text_plan(camera=CameraMove.PUSH_IN), images=(Still(rgb), Still(rgb))))
    assert len(reference) == SMALL.frames  # letterboxed, however thin
