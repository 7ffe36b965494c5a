"""Videos the tests draw themselves, with events at known frames (issue 10's analysis and soundtrack tests).

Every scene is a function of the frame index returning RGB pixels; ``write`` encodes it (H.264, or with
``vfr`` irregular frame times). The backgrounds carry a fixed texture and light sensor noise, as a camera
would: flat synthetic colour would leave the motion estimate nothing to hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

__all__ = ["Drops", "Scene", "Walker", "cut_scene", "flash_scene", "lone_box_scene", "pan_scene",
           "static_scene", "texture", "vfr_time", "write"]

RGB = npt.NDArray[np.uint8]
WIDTH, HEIGHT = 320, 180


def texture(seed: int, tint: tuple[int, int, int],
            size: tuple[int, int] = (WIDTH, HEIGHT)) -> npt.NDArray[np.float32]:
    """A static, softly blotched background (tint +- 25 levels), blocks of 8 px blurred."""
    rng = np.random.default_rng(seed)
    w, h = size
    coarse = rng.uniform(-25, 25, (h // 8 + 1, w // 8 + 1, 1)).astype(np.float32)
    blotches = np.kron(coarse, np.ones((8, 8, 1), np.float32))[:h, :w]
    return np.clip(np.array(tint, np.float32) + blotches, 0, 255)


@dataclass(frozen=True)
class Scene:
    frames: int
    fps: int
    draw: Callable[[int], RGB]
    size: tuple[int, int] = (WIDTH, HEIGHT)


def _noisy(base: npt.NDArray[np.float32], rng: np.random.Generator) -> RGB:
    return np.clip(base + rng.normal(0, 1.5, base.shape[:2] + (1,)), 0, 255).astype(np.uint8)


def _box(img: npt.NDArray[np.float32], x: float, y: float, w: int, h: int,
         colour: tuple[int, int, int]) -> None:
    x0, y0 = round(x), round(y)
    img[max(0, y0):max(0, y0 + h), max(0, x0):max(0, x0 + w)] = colour


@dataclass(frozen=True)
class Drops:
    """Boxes hanging still near the top, each let go at ``starts[i]`` and landing (a sudden stop) on the
    floor at ``landings[i]``, falling with constant acceleration; frames counted from 0."""

    starts: Sequence[int]
    landings: Sequence[int]
    fps: int = 24
    frames: int = 96
    floor: int = 160

    def scene(self, seed: int = 1) -> Scene:
        base = texture(seed, (90, 100, 120))
        rng = np.random.default_rng(seed)

        def draw(k: int) -> RGB:
            img = base.copy()
            for i, (s, land) in enumerate(zip(self.starts, self.landings, strict=True)):
                top, bottom = 12.0, float(self.floor - 36)
                u = min(max((k - s) / (land - s), 0.0), 1.0)
                _box(img, 30 + 100 * i, top + (bottom - top) * u * u, 36, 36, (240, 200, 60))
            return _noisy(img, rng)

        return Scene(self.frames, self.fps, draw)


@dataclass(frozen=True)
class Walker:
    """A figure crossing the frame: a body sliding at constant speed and two feet taking turns, each
    swinging forward then planted (a sudden stop: the heel strike) at ``plants``, standing still on the
    ground between its swings, both feet down for ``double_support`` frames after each plant."""

    step_frames: int = 12  # frames per step: 0.5 s at 24 fps, an ordinary walk
    double_support: int = 3
    first_plant: int = 14
    speed: float = 1.4  # px per frame, the body
    fps: int = 24
    frames: int = 120

    @property
    def plants(self) -> list[int]:
        """Every frame where a foot lands (the first swing may have begun before frame 0)."""
        return [p for p in range(self.first_plant % self.step_frames, self.frames - 1, self.step_frames)
                if p >= 2]

    def foot_x(self, foot: int, k: int) -> float:
        """Where foot 0 or 1 is in frame ``k``: planted where the body was at its plant, swinging
        linearly to the next plant over the ``step_frames - double_support`` frames before it."""
        cycle = 2 * self.step_frames
        first = self.first_plant + foot * self.step_frames
        planted = first + cycle * math.floor((k - first) / cycle)
        swing = self.step_frames - self.double_support
        arrive = planted + cycle
        if k >= arrive - swing:
            return self.speed * (planted + (arrive - planted) * (k - (arrive - swing)) / swing)
        return self.speed * planted

    def scene(self, seed: int = 2) -> Scene:
        base = texture(seed, (110, 120, 100))
        rng = np.random.default_rng(seed)

        def draw(k: int) -> RGB:
            img = base.copy()
            _box(img, 20 + self.speed * k, 50, 40, 80, (200, 60, 60))  # body
            for foot in (0, 1):
                _box(img, 22 + self.foot_x(foot, k), 130, 36, 24, (30, 30, 30))
            return _noisy(img, rng)

        return Scene(self.frames, self.fps, draw)


def cut_scene(cut: int, frames: int = 96, fps: int = 24) -> Scene:
    """Two static shots of different looks (a dim blue street, a warm bright room), a hard cut at ``cut``."""
    a, b = texture(3, (40, 50, 110)), texture(4, (200, 160, 90))
    rng = np.random.default_rng(3)
    return Scene(frames, fps, lambda k: _noisy(a if k < cut else b, rng))


def pan_scene(speed: float = 6.0, frames: int = 72, fps: int = 24) -> Scene:
    """The camera panning across a still, textured wall at ``speed`` px per frame; nothing moves in it."""
    wall = texture(6, (100, 110, 90), (WIDTH + round(speed * frames) + 8, HEIGHT))
    for i in range(0, wall.shape[1] - 40, 90):  # posters on the wall, so the pan has something to hold
        wall[40:110, i + 10:i + 50] = (200, 60, 60) if (i // 90) % 2 else (40, 60, 200)
    rng = np.random.default_rng(6)
    return Scene(frames, fps, lambda k: _noisy(wall[:, round(speed * k):round(speed * k) + WIDTH], rng))


def lone_box_scene(frames: int = 48, fps: int = 24) -> Scene:
    """A bright box gliding across a flat dark background: all the picture's texture moves, yet the
    camera is still (the subject must not be read as a pan)."""
    rng = np.random.default_rng(7)

    def draw(k: int) -> RGB:
        img = np.full((HEIGHT, WIDTH, 3), 30, np.float32)
        _box(img, 40 + 4 * k, 70, 40, 40, (230, 230, 230))
        return _noisy(img, rng)

    return Scene(frames, fps, draw)


def flash_scene(flash: int, frames: int = 48, fps: int = 24) -> Scene:
    """A still shot with one white frame (a photographer's flash, lightning): no cut."""
    base = texture(8, (80, 80, 90))
    rng = np.random.default_rng(8)
    return Scene(frames, fps, lambda k: _noisy(np.full_like(base, 250) if k == flash else base, rng))


def static_scene(frames: int = 72, fps: int = 24) -> Scene:
    base = texture(5, (120, 120, 120))
    rng = np.random.default_rng(5)
    return Scene(frames, fps, lambda k: _noisy(base, rng))


def write(scene: Scene, path: Path, *, vfr: bool = False, audio: npt.ArrayLike | None = None) -> Path:
    """Encode ``scene`` as H.264 in MP4 (``vfr``: frames last 1/fps or 2/fps s, irregularly; ``audio``:
    mono samples at 48 kHz for an AAC track of its own)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=scene.fps, options={"preset": "ultrafast", "crf": "16"})
        stream.width, stream.height, stream.pix_fmt = scene.size[0], scene.size[1], "yuv420p"
        if vfr:
            stream.time_base = stream.codec_context.time_base = Fraction(1, 90_000)
        sound = out.add_stream("aac", rate=48_000, layout="mono") if audio is not None else None
        for k in range(scene.frames):
            frame = av.VideoFrame.from_ndarray(scene.draw(k), format="rgb24")
            if vfr:
                frame.pts, frame.time_base = vfr_time(k, scene.fps), Fraction(1, 90_000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
        if sound is not None and audio is not None:
            samples = np.asarray(audio, np.float32)
            for start in range(0, samples.size, 1024):
                chunk = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format="fltp",
                                                   layout="mono")
                chunk.sample_rate, chunk.pts = 48_000, start
                out.mux(sound.encode(chunk))
            out.mux(sound.encode())
    return path


def vfr_time(k: int, fps: int) -> int:
    """90 kHz timestamp of frame ``k`` when every third frame lasts twice as long."""
    tick = 90_000 // fps
    return sum(2 * tick if i % 3 == 2 else tick for i in range(k))
