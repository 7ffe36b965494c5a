"""From a request and its production plan to a PicturePlan: frame size, shot, speakers' mouths, captions.

Frame sizes: the short side is the resolution's (480/720/1080), the long side follows the aspect
ratio, both even (H.264 yuv420p): 720p 16:9 = 1280x720, 9:16 = 720x1280, 1:1 = 720x720. ``auto`` is
16:9 for text and the image's nearest ratio for image-to-video (the first reference's for references).
"""

from __future__ import annotations

from collections.abc import Sequence

from soundstage.apps.seedance.schema import AspectRatio
from soundstage.production import subtitles
from soundstage.production.plan import Plan
from soundstage.video.plan import (
    Caption,
    Character,
    Footage,
    PicturePlan,
    Rgb,
    Still,
    VideoFormat,
    camera_move_from_text,
    palette_from_text,
)
from soundstage.video.visemes import visemes_from_phonemes

__all__ = ["FPS", "PictureInputs", "frame_size", "nearest_ratio", "picture_plan"]

FPS = 24  # frames per second, Seedance's
SHORT_SIDE = {"480p": 480, "720p": 720, "1080p": 1080}
CARD_COLOURS: tuple[Rgb, ...] = ((222, 170, 120), (140, 180, 220), (200, 140, 170), (160, 200, 150),
                                 (230, 200, 120), (180, 160, 220))


def _even(x: float) -> int:
    return max(2, round(x / 2) * 2)


def frame_size(resolution: str, aspect: AspectRatio) -> tuple[int, int]:
    """(width, height) for a resolution and a concrete (not auto) aspect ratio."""
    short = SHORT_SIDE[resolution]
    ratio = aspect.ratio
    return (_even(short * ratio), short) if ratio >= 1 else (short, _even(short / ratio))


def nearest_ratio(width: int, height: int) -> AspectRatio:
    concrete = [a for a in AspectRatio if a is not AspectRatio.AUTO]
    return min(concrete, key=lambda a: abs(a.ratio - width / height) / a.ratio)


class PictureInputs:
    """What the picture is drawn from besides the plan: the prompt, decoded images, reference videos."""

    def __init__(self, prompt: str, images: Sequence[Still] = (), end_image: Still | None = None,
                 footage: Sequence[Footage] = ()) -> None:
        self.prompt = prompt
        self.images = tuple(images)
        self.end_image = end_image
        self.footage = tuple(footage)


def _characters(plan: Plan, speakers: Sequence[str]) -> tuple[Character, ...]:
    out = []
    for k, name in enumerate(speakers):
        phonemes = [(p.phoneme, p.start, p.end)
                    for line in plan.lines if line.speaker == name for p in line.phonemes]
        out.append(Character(name=name, label=name.lower(), color=CARD_COLOURS[k % len(CARD_COLOURS)],
                             visemes=visemes_from_phonemes(phonemes)))
    return tuple(out)


def _captions(plan: Plan) -> tuple[Caption, ...]:
    named = {w.speaker for w in plan.words}
    out = []
    for start, end, text in subtitles.cues(plan.words):
        speaker = (next((w.speaker for w in plan.words if w.start >= start - 1e-6), "")
                   if len(named) > 1 else "")
        out.append(Caption(text=text, start=start, end=end, speaker=speaker))
    return tuple(out)


def picture_plan(plan: Plan, fmt: VideoFormat, inputs: PictureInputs, speakers: Sequence[str],
                 seed: int) -> PicturePlan:
    return PicturePlan(format=fmt, description=inputs.prompt, palette=palette_from_text(inputs.prompt, seed),
                       camera=camera_move_from_text(inputs.prompt), characters=_characters(plan, speakers),
                       captions=_captions(plan), images=inputs.images, end_image=inputs.end_image,
                       footage=inputs.footage, seed=seed)
