"""PicturePlan: everything a video renderer needs to draw a shot, as plain frozen data.

The app turns a request (prompt, images, reference videos, speech timings) into one ``PicturePlan``;
a ``VideoRenderer`` turns the plan into frames. Nothing here touches files or codecs.

Which picture a plan asks for follows from what it holds:
- no images and no footage: text-to-video (a storyboard panel from ``description``);
- exactly one image and no footage: image-to-video (that image under the camera move, crossfading to
  ``end_image`` when given);
- otherwise: reference-to-video (the images, then the footage, each in the order given, cut evenly).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = [
    "VISEMES",
    "CameraMove",
    "Caption",
    "Character",
    "Footage",
    "PicturePlan",
    "Rgb",
    "ShotKind",
    "Still",
    "VideoFormat",
    "Viseme",
    "camera_move_from_text",
    "palette_from_text",
]

Rgb = tuple[int, int, int]

# Meta's OVR lip-sync set (15 visemes): what avatar and game tools read (video-notes.md, "Lip sync").
VISEMES = ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou")


@dataclass(frozen=True)
class VideoFormat:
    width: int  # pixels, even (H.264 yuv420p subsamples chroma 2x2)
    height: int  # pixels, even
    fps: int  # frames per second
    frames: int  # the frame count decides the duration: 8 s at 24 fps is exactly 192 frames

    def __post_init__(self) -> None:
        for name, value in (("width", self.width), ("height", self.height)):
            if value <= 0 or value % 2:
                raise ValueError(f"{name} must be a positive even number (H.264 yuv420p), got {value}")
        if self.fps <= 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if self.frames <= 0:
            raise ValueError(f"frames must be positive, got {self.frames}")

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.frames / self.fps


class CameraMove(enum.Enum):
    STATIC = "static"
    PUSH_IN = "push_in"
    PULL_OUT = "pull_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"

    @property
    def label(self) -> str:
        """How a storyboard writes it: "PUSH IN"."""
        return self.value.replace("_", " ").upper()


class ShotKind(enum.Enum):
    TEXT = "text-to-video"
    IMAGE = "image-to-video"
    REFERENCE = "reference-to-video"


@dataclass(frozen=True)
class Viseme:
    start: float  # seconds from the start of the shot
    end: float
    shape: str  # one of VISEMES

    def __post_init__(self) -> None:
        if self.shape not in VISEMES:
            raise ValueError(f"viseme {self.shape!r} is not in the OVR set {', '.join(VISEMES)}")
        if self.end < self.start:
            raise ValueError(f"viseme {self.shape} ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True)
class Character:
    name: str  # as the script names the speaker
    label: str  # a short description drawn under the card: "woman", "old man"
    color: Rgb
    visemes: tuple[Viseme, ...] = ()  # in time order, not overlapping


@dataclass(frozen=True)
class Caption:
    text: str
    start: float  # seconds from the start of the shot
    end: float
    speaker: str = ""  # a Character's name, or "" for narration


@dataclass(frozen=True, eq=False)
class Still:
    """An image already decoded: (height, width, 3) uint8 RGB. Compared by identity."""

    rgb: npt.NDArray[np.uint8]

    def __post_init__(self) -> None:
        if self.rgb.ndim != 3 or self.rgb.shape[2] != 3 or self.rgb.dtype != np.uint8:
            raise ValueError(f"a still must be (height, width, 3) uint8 RGB, got {self.rgb.shape}"
                             f" {self.rgb.dtype}")
        if self.rgb.shape[0] == 0 or self.rgb.shape[1] == 0:
            raise ValueError(f"a still must have pixels, got shape {self.rgb.shape}")


@dataclass(frozen=True)
class Footage:
    """A reference video to cut in; probe it (``probe_video``) before it reaches a plan."""

    path: Path


@dataclass(frozen=True)
class PicturePlan:
    format: VideoFormat
    description: str  # the shot as the prompt describes it
    palette: tuple[Rgb, ...]  # at least two colours: top of the frame, bottom, then accents
    camera: CameraMove
    characters: tuple[Character, ...]
    captions: tuple[Caption, ...]
    images: tuple[Still, ...] = ()
    end_image: Still | None = None  # image-to-video only: the last frame
    footage: tuple[Footage, ...] = ()
    seed: int = 0

    def __post_init__(self) -> None:
        if len(self.palette) < 2:
            raise ValueError(f"palette needs at least two colours, got {len(self.palette)}")
        if self.end_image is not None and self.kind is not ShotKind.IMAGE:
            raise ValueError("end_image needs exactly one image and no footage (image-to-video)")

    @property
    def kind(self) -> ShotKind:
        if not self.images and not self.footage:
            return ShotKind.TEXT
        if len(self.images) == 1 and not self.footage:
            return ShotKind.IMAGE
        return ShotKind.REFERENCE


# Earliest phrase in the prompt wins. Chinese: 推 (push), 拉 (pull), 摇 (pan/tilt), as compounds so that
# 拉面 (noodles) or 推车 (cart) do not move the camera.
_CAMERA_PHRASES: tuple[tuple[str, CameraMove], ...] = (
    (r"\b(?:push(?:es|ing)?|dolly|dollies|dollying|zoom(?:s|ing)?|track(?:s|ing)?) in\b",
     CameraMove.PUSH_IN),
    (r"\bclose-?up push\b", CameraMove.PUSH_IN),
    (r"\b(?:pull(?:s|ing)?|dolly|zoom(?:s|ing)?|track(?:s|ing)?) (?:out|back)\b", CameraMove.PULL_OUT),
    (r"\bpull(?:s|ing)? away\b", CameraMove.PULL_OUT),
    (r"\bpan(?:s|ning)? (?:to the )?left\b", CameraMove.PAN_LEFT),
    (r"\bpan(?:s|ning)? (?:to the )?right\b", CameraMove.PAN_RIGHT),
    (r"\btilt(?:s|ing)? up\b", CameraMove.TILT_UP),
    (r"\btilt(?:s|ing)? down\b", CameraMove.TILT_DOWN),
    (r"\b(?:static|locked-? ?off|fixed camera|tripod)\b", CameraMove.STATIC),
    (r"推进|推近|推镜|镜头推|缓推|慢推", CameraMove.PUSH_IN),
    (r"拉远|拉开|拉镜|镜头拉|后拉|缓拉|慢拉", CameraMove.PULL_OUT),
    (r"向?左摇|摇向左|左移", CameraMove.PAN_LEFT),
    (r"向?右摇|摇向右|右移|摇镜", CameraMove.PAN_RIGHT),
    (r"向?上摇|摇向上|仰拍", CameraMove.TILT_UP),
    (r"向?下摇|摇向下", CameraMove.TILT_DOWN),
    (r"固定镜头|定镜", CameraMove.STATIC),
)


def camera_move_from_text(prompt: str) -> CameraMove:
    """The camera move the prompt names first ("slow push in", "pan left", "镜头推进"); STATIC if none."""
    text = prompt.lower()
    found: list[tuple[int, CameraMove]] = []
    for pattern, move in _CAMERA_PHRASES:
        match = re.search(pattern, text)
        if match:
            found.append((match.start(), move))
    return min(found, key=lambda hit: hit[0])[1] if found else CameraMove.STATIC


# Lighting and mood words -> (top, bottom, accent). Colours picked by eye from film stills of each look.
_PALETTES: tuple[tuple[str, tuple[Rgb, Rgb, Rgb]], ...] = (
    (r"golden hour|sunset|sunrise|日落|黄昏", ((250, 184, 96), (120, 62, 40), (255, 221, 150))),
    (r"\bwarm(?:ly)?\b|candle|fireplace|\bfire\b|烛", ((214, 138, 74), (74, 38, 24), (255, 196, 120))),
    (r"\bneon\b|cyberpunk|霓虹", ((40, 16, 72), (12, 8, 30), (255, 60, 200))),
    (r"\bnight\b|midnight|moon|\bdark\b|夜", ((18, 26, 58), (6, 8, 20), (120, 150, 220))),
    (r"\bdawn\b|morning|blue hour|清晨|黎明", ((150, 170, 210), (232, 176, 150), (255, 230, 200))),
    (r"\brain\b|rainy|storm|drizzle|\bwet\b|雨", ((70, 84, 100), (28, 34, 44), (150, 180, 200))),
    (r"\bfog\b|foggy|mist|haze|雾", ((170, 176, 180), (110, 116, 122), (220, 224, 226))),
    (r"\bsnow\b|winter|\bice\b|frozen|雪", ((210, 226, 240), (140, 160, 185), (255, 255, 255))),
    (r"forest|woods|jungle|garden|森林", ((74, 118, 70), (22, 44, 26), (180, 210, 120))),
    (r"desert|\bsand\b|dune|沙漠", ((236, 196, 140), (170, 110, 60), (255, 236, 200))),
    (r"ocean|\bsea\b|beach|underwater|大海|海边|海滩|海洋", ((60, 150, 200), (12, 52, 90), (200, 240, 250))),
    (r"kitchen|restaurant|diner|厨房", ((226, 190, 140), (110, 70, 44), (255, 240, 210))),
    (r"office|corporate|meeting room|办公室", ((200, 210, 218), (96, 106, 118), (240, 244, 248))),
    (r"hospital|clinic|laboratory|\blab\b", ((210, 232, 230), (120, 150, 150), (245, 255, 255))),
    (r"\bnoir\b|black and white|black-and-white|monochrome|黑白",
     ((150, 150, 150), (16, 16, 16), (235, 235, 235))),
    (r"\bspace\b|galaxy|\bstars?\b|太空", ((14, 10, 40), (2, 2, 8), (190, 170, 255))),
    (r"\bcity\b|street|urban|城市|街", ((92, 100, 120), (34, 36, 44), (250, 200, 110))),
    (r"\bcold\b|\bblue\b|steel", ((90, 120, 160), (24, 34, 56), (190, 215, 240))),
    (r"pastel|\bsoft\b|dreamy", ((236, 206, 222), (186, 196, 232), (255, 246, 250))),
)
_MAIN_WEIGHT = 0.65  # the first look named dominates; the second tints it
_SEED_JITTER = 10  # +- per channel, so different seeds give related but distinct boards


def palette_from_text(prompt: str, seed: int) -> tuple[Rgb, Rgb, Rgb]:
    """(top, bottom, accent) from the prompt's lighting and mood words, the same for the same inputs."""
    text = prompt.lower()
    hits = sorted((m.start(), colours) for pattern, colours in _PALETTES if (m := re.search(pattern, text)))
    rng = np.random.default_rng(seed & 0xFFFF_FFFF)
    if not hits:
        base = np.array([[86, 96, 112], [30, 34, 42], [226, 214, 190]], dtype=float)  # neutral slate
    elif len(hits) == 1:
        base = np.array(hits[0][1], dtype=float)
    else:
        base = (_MAIN_WEIGHT * np.array(hits[0][1], dtype=float)
                + (1 - _MAIN_WEIGHT) * np.array(hits[1][1], dtype=float))
    shaded = np.clip(base + rng.integers(-_SEED_JITTER, _SEED_JITTER + 1, size=base.shape), 0,
                     255).astype(int)
    top, bottom, accent = (tuple(int(c) for c in row) for row in shaded)
    return top, bottom, accent  # type: ignore[return-value]
