"""Fonts and text layout for the animatic: Latin from DejaVu (or Pillow's bundled face), CJK when a font
is found.

No CJK font ships with Pillow or Debian's base image. When none is installed the animatic draws the
non-CJK part of a text and says so in the frame (``CJK_NOTE``) rather than drawing tofu boxes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from PIL import ImageFont

__all__ = ["CJK_FONT_PATHS", "CJK_NOTE", "LATIN_FONT_PATHS", "Fonts", "find_cjk_font", "find_font", "is_cjk",
           "wrap"]

log = logging.getLogger(__name__)

LATIN_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
LATIN_BOLD_PATHS = tuple(p.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf") for p in LATIN_FONT_PATHS)
CJK_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
CJK_NOTE = "[CJK text not drawn: no CJK font installed]"

# Han, kana, Hangul, CJK punctuation and full-width forms: what a Latin face has no glyphs for.
_CJK = re.compile(r"[\u2e80-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u9fff\uac00-\ud7af\uf900-\ufaff"
                  r"\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]")

FreeType = ImageFont.FreeTypeFont


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
CJK_FONT_NAMES = ("*CJK*.tt[cf]", "*CJK*.otf", "SourceHan*", "wqy-*.tt[cf]", "*DroidSansFallback*",
                  "ukai.ttc", "uming.ttc")


def find_font(paths: tuple[str, ...]) -> Path | None:
    return next((Path(p) for p in paths if Path(p).is_file()), None)


def find_cjk_font() -> Path | None:
    """A known CJK font path, else any font file in the usual font folders named like a CJK family."""
    found = find_font(CJK_FONT_PATHS)
    if found:
        return found
    for folder in (Path(d).expanduser() for d in FONT_DIRS):
        if folder.is_dir():
            for pattern in CJK_FONT_NAMES:
                match = next(iter(sorted(folder.rglob(pattern))), None)
                if match is not None:
                    return match
    return None


@dataclass
class Fonts:
    """Faces by size, loaded once per renderer (a renderer is reused across jobs)."""

    latin: Path | None = field(default_factory=lambda: find_font(LATIN_FONT_PATHS))
    latin_bold: Path | None = field(default_factory=lambda: find_font(LATIN_BOLD_PATHS))
    cjk: Path | None = field(default_factory=find_cjk_font)
    _cache: dict[tuple[str, int], FreeType] = field(default_factory=dict, repr=False)

    def face(self, size: int, *, bold: bool = False, cjk: bool = False) -> FreeType:
        """A face at ``size`` px; ``cjk`` asks for the CJK face (which has Latin glyphs too) when there is
        one."""
        path = self.cjk if cjk and self.cjk else (self.latin_bold if bold and self.latin_bold else self.latin)
        key = (str(path), size)
        if key not in self._cache:
            font = ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size=size)
            assert isinstance(font, FreeType)
            self._cache[key] = font
        return self._cache[key]

    def drawable(self, text: str) -> tuple[str, bool]:
        """``text`` as it can be drawn, and whether CJK characters had to be left out."""
        if not is_cjk(text) or self.cjk:
            return text, False
        log.warning("no CJK font found (looked in %s); drawing the Latin part only", ", ".join(FONT_DIRS))
        latin = re.sub(r"\s+", " ", _CJK.sub(" ", text)).strip()
        return latin, True


def _tokens(text: str) -> list[str]:
    """Words, with each CJK character a word of its own (CJK lines break between any two characters)."""
    return re.findall(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff]+", text)


def wrap(text: str, font: FreeType, width: float, max_lines: int) -> list[str]:
    """Greedy lines no wider than ``width`` px; an overflowing last line ends with an ellipsis."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        joined = token if not line else line + ("" if is_cjk(token) or is_cjk(line[-1]) else " ") + token
        if font.getlength(joined) <= width or not line:
            line = joined
            continue
        lines.append(line)
        line = token
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and font.getlength(last + " …") > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + " …"]
    return lines
