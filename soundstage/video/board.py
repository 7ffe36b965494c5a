"""The storyboard panel, drawn once per shot: backdrop, shot card, character cards; and image fitting.

Everything here is drawn at panel size (``camera.panel_size``), larger than the frame, so that the
camera move is a crop of it. Mouths are not drawn here: they change every frame (``overlay``), so each
character card reports where its mouth goes (``MouthAnchor``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from soundstage.video.fonts import CJK_NOTE, Fonts, wrap
from soundstage.video.plan import Character, PicturePlan, Rgb, Still

__all__ = ["Board", "MouthAnchor", "backdrop", "character_card", "cover", "draw_board", "fit", "shade"]

HORIZON = 0.56  # of the panel height: where the perspective guides meet
CARD_ALPHA = 150  # of 255: the shot card's dark ground, enough for white text on any backdrop
VIGNETTE = 0.35  # corner darkening


@dataclass(frozen=True)
class MouthAnchor:
    """Where a character's mouth is drawn, in the coordinates of the image the card was drawn on."""

    character: Character
    x: float  # centre
    y: float
    width: float  # closed, at full spread
    height: float  # at OPENNESS 1.0


@dataclass(frozen=True)
class Board:
    panel: Image.Image  # RGB, panel size
    mouths: tuple[MouthAnchor, ...]


def shade(color: Rgb, factor: float) -> Rgb:
    """Darker (factor < 1) or towards white (factor > 1)."""
    if factor <= 1.0:
        return (round(color[0] * factor), round(color[1] * factor), round(color[2] * factor))
    t = min(factor - 1.0, 1.0)
    return (round(color[0] + (255 - color[0]) * t), round(color[1] + (255 - color[1]) * t),
            round(color[2] + (255 - color[2]) * t))


def backdrop(size: tuple[int, int], top: Rgb, bottom: Rgb) -> Image.Image:
    """A vertical gradient with a soft vignette."""
    w, h = size
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    ramp = np.asarray(top, np.float32) * (1 - y) + np.asarray(bottom, np.float32) * y
    xs = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :]
    ys = np.linspace(-1.0, 1.0, h, dtype=np.float32)[:, None]
    light = 1.0 - VIGNETTE * np.clip((xs**2 + ys**2) / 2.0, 0.0, 1.0) ** 1.5
    return Image.fromarray(np.clip(ramp * light[:, :, None], 0, 255).astype(np.uint8), "RGB")


def _guides(draw: ImageDraw.ImageDraw, size: tuple[int, int], accent: Rgb) -> None:
    """A horizon and floor lines to a vanishing point: the board's perspective sketch."""
    w, h = size
    vx, vy = w / 2, h * HORIZON
    ink = (*accent, 46)
    line = max(1, h // 400)
    draw.line([(0, vy), (w, vy)], fill=ink, width=line)
    for k in range(-6, 7):
        draw.line([(vx, vy), (vx + k * w / 5, h)], fill=ink, width=line)


def _shot_card(draw: ImageDraw.ImageDraw, plan: PicturePlan, fonts: Fonts,
               box: tuple[float, float, float, float], max_lines: int, body_size: int) -> None:
    """The shot description on a dark card, centred vertically in ``box``, under a camera header."""
    left, top, right, bottom = box
    pad = body_size * 0.9
    text, omitted = fonts.drawable(plan.description.strip() or "(no description)")
    head_font = fonts.face(round(body_size * 0.72), bold=True)
    body = fonts.face(body_size, cjk=True)
    lines = wrap(text, body, right - left - 2 * pad, max_lines - (1 if omitted else 0))
    if omitted:
        lines.append(CJK_NOTE)
    header_h, leading = body_size * 1.5, body_size * 1.3
    height = 2 * pad + header_h + len(lines) * leading
    top = top + max(0.0, (bottom - top - height) / 2)
    draw.rounded_rectangle((left, top, right, top + height), radius=pad * 0.6, fill=(0, 0, 0, CARD_ALPHA))
    accent = plan.palette[2] if len(plan.palette) > 2 else shade(plan.palette[0], 1.6)
    draw.text((left + pad, top + pad), f"SHOT  ·  CAMERA: {plan.camera.label}", font=head_font,
              fill=(*accent, 255))
    for k, line in enumerate(lines):
        draw.text((left + pad, top + pad + header_h + k * leading), line, font=body,
                  fill=(244, 240, 232, 255))


def character_card(draw: ImageDraw.ImageDraw, character: Character, fonts: Fonts,
                   box: tuple[float, float, float, float]) -> MouthAnchor:
    """A card with a head (in the character's colour), shoulders and the name and label under it."""
    left, top, right, bottom = box
    cw, ch = right - left, bottom - top
    draw.rounded_rectangle(box, radius=cw * 0.08, fill=(0, 0, 0, 96), outline=(*character.color, 220),
                           width=max(2, round(ch / 120)))
    name_size, label_size = round(ch * 0.085), round(ch * 0.07)
    text_top = bottom - ch * 0.08 - name_size - label_size * 1.2
    d = min(cw * 0.55, (text_top - top) * 0.62)
    cx, cy = (left + right) / 2, top + ch * 0.06 + d / 2
    body = shade(character.color, 0.6)
    neck = cy + d * 0.38
    chest = max(d * 0.3, text_top - ch * 0.03 - neck)  # the bust: the top half of an ellipse
    half = min(d * 0.92, cw * 0.44)
    draw.chord((cx - half, neck, cx + half, neck + 2 * chest), 180, 360, fill=(*body, 255))
    draw.ellipse((cx - d / 2, cy - d / 2, cx + d / 2, cy + d / 2), fill=(*character.color, 255),
                 outline=(*shade(character.color, 0.5), 255), width=max(2, round(d / 40)))
    eye_y, eye_dx, eye_r = cy - d * 0.08, d * 0.18, d * 0.075
    for ex in (cx - eye_dx, cx + eye_dx):
        draw.ellipse((ex - eye_r, eye_y - eye_r, ex + eye_r, eye_y + eye_r), fill=(250, 250, 250, 255))
        draw.ellipse((ex - eye_r / 2, eye_y - eye_r / 2, ex + eye_r / 2, eye_y + eye_r / 2),
                     fill=(20, 20, 24, 255))
    name_font = fonts.face(name_size, bold=True, cjk=True)
    label_font = fonts.face(label_size, cjk=True)
    name, _ = fonts.drawable(character.name.upper())
    label, _ = fonts.drawable(character.label)
    baseline = text_top + name_size * 0.95  # baselines, so "woman" and "old man" sit on one line
    draw.text((cx, baseline), name, font=name_font, fill=(255, 255, 255, 255), anchor="ms")
    draw.text((cx, baseline + label_size * 1.2), label, font=label_font, fill=(220, 220, 220, 255),
              anchor="ms")
    return MouthAnchor(character, cx, cy + d * 0.24, d * 0.4, d * 0.28)


def _card_boxes(n: int, area: tuple[float, float, float, float]) -> list[tuple[float, float, float, float]]:
    """``n`` cards side by side, centred in ``area``, at most 4:5 wide:high."""
    left, top, right, bottom = area
    gap = (right - left) * 0.03
    ch = bottom - top
    cw = min(ch * 0.8, (right - left - gap * (n - 1)) / n)
    ch = min(ch, cw * 1.4)
    x0 = (left + right) / 2 - (n * cw + (n - 1) * gap) / 2
    return [(x0 + k * (cw + gap), top, x0 + k * (cw + gap) + cw, top + ch) for k in range(n)]


def draw_board(plan: PicturePlan, fonts: Fonts, size: tuple[int, int]) -> Board:
    """The text-to-video panel: backdrop, perspective guides, shot card and one card per character."""
    w, h = size
    top, bottom = plan.palette[0], plan.palette[1]
    accent = plan.palette[2] if len(plan.palette) > 2 else shade(top, 1.6)
    panel = backdrop(size, top, bottom)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    _guides(draw, size, accent)
    mouths: list[MouthAnchor] = []
    if plan.characters:
        _shot_card(draw, plan, fonts, (w * 0.14, h * 0.1, w * 0.86, h * 0.42), max_lines=5,
                   body_size=round(h * 0.036))
        for character, box in zip(plan.characters,
                                  _card_boxes(len(plan.characters), (w * 0.1, h * 0.45, w * 0.9, h * 0.84)),
                                  strict=True):
            mouths.append(character_card(draw, character, fonts, box))
    else:
        _shot_card(draw, plan, fonts, (w * 0.14, h * 0.14, w * 0.86, h * 0.8), max_lines=9,
                   body_size=round(h * 0.042))
    panel.paste(layer, (0, 0), layer)
    return Board(panel, tuple(mouths))


def cover(still: Still, size: tuple[int, int]) -> Image.Image:
    """The still scaled to fill ``size``, centre-cropped (image-to-video)."""
    image = Image.fromarray(still.rgb, "RGB")
    sw, sh = image.size
    scale = max(size[0] / sw, size[1] / sh)
    cw, ch = min(sw, size[0] / scale), min(sh, size[1] / scale)  # min: rounding must not reach past the edge
    box = ((sw - cw) / 2, (sh - ch) / 2, (sw + cw) / 2, (sh + ch) / 2)
    return image.resize(size, Image.Resampling.LANCZOS, box=box)


def fit(image: Image.Image, size: tuple[int, int], ground: Image.Image | None = None) -> Image.Image:
    """``image`` scaled to fit inside ``size``, centred on ``ground`` (black when none)."""
    sw, sh = image.size
    scale = min(size[0] / sw, size[1] / sh)
    inner = (max(1, round(sw * scale)), max(1, round(sh * scale)))
    out = ground.copy() if ground is not None else Image.new("RGB", size, (0, 0, 0))
    out.paste(image.resize(inner, Image.Resampling.LANCZOS),
              ((size[0] - inner[0]) // 2, (size[1] - inner[1]) // 2))
    return out
