"""What changes frame by frame on top of the picture: mouths, captions, the slate and its timecode.

Lip sync: frame ``i`` is on screen from ``i / fps`` to ``(i + 1) / fps``; its mouth is the viseme at
``(i + LIPSYNC_LEAD) / fps``. A mouth then opens between ``LIPSYNC_LEAD`` frames before the sound and
``1 - LIPSYNC_LEAD`` frames after it: at 24 fps audio lags the picture by at most 31 ms and leads it by at
most 10 ms, inside ATSC IS-191's window (audio at most 15 ms early, 45 ms late).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PIL import Image, ImageDraw

from soundstage.video.board import MouthAnchor, character_card, shade
from soundstage.video.fonts import Fonts, wrap
from soundstage.video.plan import Caption, Character, PicturePlan, ShotKind
from soundstage.video.visemes import OPENNESS, viseme_at

__all__ = ["LIPSYNC_LEAD", "MOUTH_WIDTH", "Overlay", "ScreenMouth", "Sprite", "draw_mouth"]

LIPSYNC_LEAD = 0.75  # frames: see the module docstring
CAPTION_SIZE = 0.045  # of the frame height
SLATE_SIZE = 0.028
CLOSED = 0.02  # openness below which lips are drawn as a line
# Lip spread per viseme relative to a relaxed mouth: rounded vowels and post-alveolars pout.
MOUTH_WIDTH = {"sil": 1.0, "PP": 1.0, "FF": 0.9, "TH": 0.9, "DD": 0.9, "kk": 0.85, "CH": 0.7, "SS": 0.95,
               "nn": 0.9, "RR": 0.7, "aa": 0.9, "E": 1.0, "ih": 1.0, "oh": 0.65, "ou": 0.45}
MOUTH_INSIDE = (46, 12, 20)
TEETH = (244, 240, 232)


@dataclass(frozen=True)
class Sprite:
    image: Image.Image  # RGBA
    x: int
    y: int

    def paste_on(self, frame: Image.Image) -> None:
        frame.paste(self.image, (self.x, self.y), self.image)


@dataclass(frozen=True)
class ScreenMouth:
    anchor: MouthAnchor
    x: float  # centre on screen
    y: float
    scale: float  # screen pixels per anchor pixel


def draw_mouth(draw: ImageDraw.ImageDraw, mouth: ScreenMouth, shape: str) -> None:
    a, s = mouth.anchor, mouth.scale
    openness = OPENNESS[shape]
    lip = shade(a.character.color, 0.4)
    half_w = a.width * s * MOUTH_WIDTH[shape] / 2
    if openness < CLOSED:
        half_h = max(1.0, a.height * s * 0.06)
        draw.rounded_rectangle((mouth.x - half_w, mouth.y - half_h, mouth.x + half_w, mouth.y + half_h),
                               radius=half_h, fill=lip)
        return
    half_h = max(2.0, a.height * s * openness / 2)
    draw.ellipse((mouth.x - half_w, mouth.y - half_h, mouth.x + half_w, mouth.y + half_h), fill=MOUTH_INSIDE,
                 outline=lip, width=max(1, round(a.height * s / 14)))
    if openness >= 0.45:  # upper teeth show once the jaw drops
        draw.rectangle((mouth.x - half_w * 0.55, mouth.y - half_h * 0.8, mouth.x + half_w * 0.55,
                        mouth.y - half_h * 0.5), fill=TEETH)


def _text_sprite(lines: list[str], fonts: Fonts, size: int, frame_w: int, bottom: int) -> Sprite:
    font = fonts.face(size, cjk=True)
    pad, leading = round(size * 0.45), round(size * 1.25)
    widths = [font.getlength(line) for line in lines]
    w, h = round(max(widths) + 2 * pad), leading * len(lines) + 2 * pad - (leading - size)
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=pad, fill=(0, 0, 0, 160))
    for k, line in enumerate(lines):
        draw.text((w / 2, pad + k * leading), line, font=font, fill=(255, 255, 255, 255), anchor="ma",
                  stroke_width=max(1, size // 16), stroke_fill=(0, 0, 0, 255))
    return Sprite(image, (frame_w - w) // 2, bottom - h)


def _badges(characters: tuple[Character, ...], fonts: Fonts,
            size: tuple[int, int]) -> tuple[Sprite, list[MouthAnchor]]:
    """Picture-in-picture speaker cards for shots whose picture is an image: faces there are unknown."""
    w, h = size
    ch, gap = round(h * 0.26), round(h * 0.015)
    cw = round(ch * 0.72)
    image = Image.new("RGBA", (len(characters) * (cw + gap), ch), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    x0, y0 = round(w * 0.02), round(h * 0.08)
    anchors = []
    for k, character in enumerate(characters):
        a = character_card(draw, character, fonts, (k * (cw + gap), 0, k * (cw + gap) + cw - 1, ch - 1))
        anchors.append(MouthAnchor(character, a.x + x0, a.y + y0, a.width, a.height))
    return Sprite(image, x0, y0), anchors


def _timecode(index: int, fps: int) -> str:
    seconds, frame = divmod(index, fps)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frame:02d}"


@dataclass(frozen=True)
class Overlay:
    """Everything drawn in screen space, prepared once per shot."""

    plan: PicturePlan
    slate: Sprite
    captions: tuple[tuple[Caption, Sprite], ...]
    badges: Sprite | None
    badge_mouths: tuple[MouthAnchor, ...]  # screen coordinates
    slate_size: int
    fonts: Fonts

    @classmethod
    def build(cls, plan: PicturePlan, fonts: Fonts) -> Overlay:
        fmt = plan.format
        slate_size = max(10, round(fmt.height * SLATE_SIZE))
        slate_text = f"ANIMATIC  ·  {plan.camera.label}  ·  {fmt.duration:.1f} s  ·  {fmt.fps} fps"
        slate = _text_sprite([slate_text], fonts, slate_size, fmt.width, 0)
        slate = Sprite(slate.image, round(fmt.height * 0.02), round(fmt.height * 0.02))
        size = max(12, round(fmt.height * CAPTION_SIZE))
        bottom = round(fmt.height * 0.95)
        captions = []
        for caption in plan.captions:
            text, _ = fonts.drawable(caption.text)
            lines = wrap(text, fonts.face(size, cjk=True), fmt.width * 0.8, 2) if text.strip() else []
            if lines:
                captions.append((caption, _text_sprite(lines, fonts, size, fmt.width, bottom)))
        badges: Sprite | None = None
        mouths: list[MouthAnchor] = []
        if plan.characters and plan.kind is not ShotKind.TEXT:
            badges, mouths = _badges(plan.characters, fonts, (fmt.width, fmt.height))
        return cls(plan, slate, tuple(captions), badges, tuple(mouths), slate_size, fonts)

    def screen_badge_mouths(self) -> list[ScreenMouth]:
        return [ScreenMouth(a, a.x, a.y, 1.0) for a in self.badge_mouths]

    def draw(self, frame: Image.Image, index: int, mouths: Iterable[ScreenMouth]) -> None:
        """Draw frame ``index``'s mouths, captions, slate and timecode onto ``frame`` (RGB, frame size)."""
        fps = self.plan.format.fps
        if self.badges is not None:
            self.badges.paste_on(frame)
        draw = ImageDraw.Draw(frame)
        t_mouth = (index + LIPSYNC_LEAD) / fps
        for mouth in mouths:
            draw_mouth(draw, mouth, viseme_at(mouth.anchor.character.visemes, t_mouth))
        t = (index + 0.5) / fps
        lift = 0
        for caption, sprite in reversed(self.captions):
            if caption.start <= t < caption.end:
                Sprite(sprite.image, sprite.x, sprite.y - lift).paste_on(frame)
                lift += sprite.image.size[1] + round(self.slate_size * 0.5)
        self.slate.paste_on(frame)
        draw.text((frame.size[0] - self.slate.x, self.slate.y + self.slate_size * 0.45),
                  _timecode(index, fps), font=self.fonts.face(self.slate_size, bold=True),
                  fill=(255, 255, 255), anchor="ra", stroke_width=max(1, self.slate_size // 10),
                  stroke_fill=(0, 0, 0))
