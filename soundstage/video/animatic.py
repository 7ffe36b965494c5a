"""The animatic: a storyboard in motion, the offline default ``VideoRenderer``.

- text-to-video: one storyboard panel (backdrop in the prompt's palette, the shot card, a card per
  speaker) under the camera move, mouths opening on each speaker's visemes, captions at the bottom;
- image-to-video: the image (cover-fit) under the camera move, crossfading to ``end_image`` over the
  last ``CROSSFADE`` of the shot; speakers appear as picture-in-picture cards;
- reference-to-video: the images, then the footage, each in the order given, cut evenly over the shot;
  stills are letterboxed on the palette's backdrop under the camera move, footage plays from its start
  (holding its last frame if it is shorter than its cut).

Everything that does not change per frame is drawn once; a frame costs one resize of the panel (none
for a static camera), a paste of the captions and a few ellipses. Deterministic: no clocks, no randomness.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import av
import numpy as np
from PIL import Image

from soundstage.errors import Cancelled, InvalidInput
from soundstage.video.board import Board, backdrop, cover, draw_board, fit
from soundstage.video.camera import Box, Camera, panel_size
from soundstage.video.fonts import Fonts
from soundstage.video.overlay import Overlay, ScreenMouth
from soundstage.video.plan import CameraMove, Footage, PicturePlan, ShotKind, Still
from soundstage.video.probe import open_video
from soundstage.video.renderer import Frame

__all__ = ["CROSSFADE", "AnimaticRenderer"]

CROSSFADE = 0.25  # of the shot: image-to-video dissolves to the end image over its last quarter
RESAMPLE = Image.Resampling.BILINEAR  # Pillow widens the kernel when reducing: no aliasing at 1.0-1.2x

Picture = tuple[Image.Image, list[ScreenMouth]]  # a frame-size RGB image to draw on, and its mouths
Pictures = Generator[Picture, None, None]


class AnimaticRenderer:
    name = "animatic"

    def __init__(self, fonts: Fonts | None = None) -> None:
        self.fonts = fonts or Fonts()

    def render(self, plan: PicturePlan, cancelled: Callable[[], bool]) -> Iterator[Frame]:
        overlay = Overlay.build(plan, self.fonts)
        pictures = {ShotKind.TEXT: self._text, ShotKind.IMAGE: self._image,
                    ShotKind.REFERENCE: self._reference}[plan.kind](plan)
        try:
            for index in range(plan.format.frames):
                if cancelled():
                    raise Cancelled()
                image, mouths = next(pictures)
                overlay.draw(image, index, mouths or overlay.screen_badge_mouths())
                yield np.asarray(image)
        finally:
            pictures.close()  # closes a footage file being decoded

    def _text(self, plan: PicturePlan) -> Pictures:
        fmt = plan.format
        board = draw_board(plan, self.fonts, panel_size(fmt.width, fmt.height))
        for image, box in _moving(board.panel, plan.camera, (fmt.width, fmt.height), fmt.frames):
            yield image, _mouths_on_screen(board, box, fmt.width)

    def _image(self, plan: PicturePlan) -> Pictures:
        fmt = plan.format
        size, panel = (fmt.width, fmt.height), panel_size(fmt.width, fmt.height)
        start = cover(plan.images[0], panel)
        end = cover(plan.end_image, panel) if plan.end_image is not None else None
        fade_from = fmt.frames - max(1, round(fmt.frames * CROSSFADE))
        for index, (image, box) in enumerate(_moving(start, plan.camera, size, fmt.frames)):
            if end is not None and index >= fade_from:
                alpha = (index - fade_from + 1) / (fmt.frames - fade_from)
                image = Image.blend(image, end.resize(size, RESAMPLE, box=box), alpha)
            yield image, []

    def _reference(self, plan: PicturePlan) -> Pictures:
        fmt = plan.format
        size, panel = (fmt.width, fmt.height), panel_size(fmt.width, fmt.height)
        ground = backdrop(panel, plan.palette[0], plan.palette[1])
        items: list[Still | Footage] = [*plan.images, *plan.footage]
        for k, item in enumerate(items):
            count = (k + 1) * fmt.frames // len(items) - k * fmt.frames // len(items)
            if isinstance(item, Still):
                still = fit(Image.fromarray(item.rgb, "RGB"), panel, ground)
                yield from ((image, []) for image, _ in _moving(still, plan.camera, size, count))
            else:
                screen_ground = ground.resize(size, RESAMPLE)
                yield from ((image, []) for image in _footage(item.path, size, fmt.fps, count, screen_ground))


def _progress(index: int, count: int) -> float:
    return index / (count - 1) if count > 1 else 0.0


def _moving(panel: Image.Image, move: CameraMove, size: tuple[int, int],
            count: int) -> Iterator[tuple[Image.Image, Box]]:
    """``count`` frame-size views of ``panel`` along the camera move, each a fresh image to draw on."""
    camera = Camera(move, panel.size)
    last: tuple[Box, Image.Image] | None = None
    for index in range(count):
        box = camera.box(_progress(index, count))
        if last is None or last[0] != box:
            last = (box, panel.resize(size, RESAMPLE, box=box))
        yield last[1].copy(), box


def _mouths_on_screen(board: Board, box: Box, frame_width: int) -> list[ScreenMouth]:
    scale = frame_width / (box[2] - box[0])
    return [ScreenMouth(a, (a.x - box[0]) * scale, (a.y - box[1]) * scale, scale) for a in board.mouths]


def _footage(path: Path, size: tuple[int, int], fps: int, count: int,
             ground: Image.Image) -> Iterator[Image.Image]:
    """``count`` frames of the footage at ``fps`` from its start, fitted inside ``size``, the last held."""
    try:
        with open_video(path, "video_urls") as container:
            if not container.streams.video:
                raise InvalidInput(f"footage: {path.name} has no video stream", field="video_urls",
                                   value=path.name)
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            frames = container.decode(stream)
            current, upcoming = None, next(frames, None)
            origin = upcoming.time if upcoming is not None and upcoming.time is not None else 0.0
            picture: Image.Image | None = None
            for index in range(count):
                while upcoming is not None and (current is None
                                                or (upcoming.time or 0.0) - origin <= index / fps):
                    current, upcoming, picture = upcoming, next(frames, None), None
                if current is None:
                    raise InvalidInput(f"footage: {path.name} holds no decodable frames", field="video_urls",
                                       value=path.name)
                if picture is None:
                    picture = _fit_frame(current, size, ground)
                yield picture.copy()
    except av.FFmpegError as e:
        raise InvalidInput(f"footage: {path.name} cannot be decoded ({e})", field="video_urls",
                           value=path.name) from e


def _fit_frame(frame: av.VideoFrame, size: tuple[int, int], ground: Image.Image) -> Image.Image:
    """A decoded frame scaled (by swscale, fast) to fit inside ``size``, centred on ``ground``."""
    scale = min(size[0] / frame.width, size[1] / frame.height)
    inner = (max(2, round(frame.width * scale)), max(2, round(frame.height * scale)))
    out = ground.copy()
    out.paste(frame.to_image(width=inner[0], height=inner[1]),
              ((size[0] - inner[0]) // 2, (size[1] - inner[1]) // 2))
    return out
