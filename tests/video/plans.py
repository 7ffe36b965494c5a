"""Small plans and files shared by the video tests."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from soundstage.video.plan import CameraMove, Caption, Character, PicturePlan, Still, VideoFormat

SMALL = VideoFormat(320, 180, 24, 48)  # 2 s


def text_plan(fmt: VideoFormat = SMALL, camera: CameraMove = CameraMove.STATIC,
              characters: tuple[Character, ...] = (), captions: tuple[Caption, ...] = (),
              description: str = "Wide shot of a chef plating a dish in a warmly lit kitchen") -> PicturePlan:
    return PicturePlan(fmt, description, ((200, 150, 100), (60, 40, 30), (255, 220, 160)), camera, characters,
                       captions)


def solid(color: tuple[int, int, int], width: int = 320, height: int = 180) -> Still:
    return Still(np.full((height, width, 3), color, np.uint8))


def write_clip(path: Path, frames: int, fps: int = 24, size: tuple[int, int] = (160, 90)) -> Path:
    """A blue clip that brightens frame by frame (frame k has green = 4k), H.264 in MP4."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for k in range(frames):
            rgb = np.zeros((size[1], size[0], 3), np.uint8)
            rgb[..., 2], rgb[..., 1] = 220, min(255, 4 * k)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = k, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path
