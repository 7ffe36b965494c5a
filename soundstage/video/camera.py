"""Camera moves as crop boxes over a panel drawn larger than the frame.

The panel is ``MARGIN`` times the frame in each dimension. A box is the part of the panel a frame shows
(left, top, right, bottom in panel pixels, fractional for sub-pixel motion); resizing the box to the
frame is the whole per-frame cost of a move. Moves ease in and out (smoothstep) like a dolly or a
fluid head, rather than starting and stopping at full speed.
"""

from __future__ import annotations

from dataclasses import dataclass

from soundstage.video.plan import CameraMove

__all__ = ["MARGIN", "PAN_ZOOM", "Box", "Camera", "panel_size"]

MARGIN = 1.2  # panel / frame: a push in ends 1.2x closer, a pull out starts there
PAN_ZOOM = 1.1  # pans and tilts look through a 1/1.1 window and sweep the rest of the panel

Box = tuple[float, float, float, float]


def panel_size(width: int, height: int) -> tuple[int, int]:
    return round(width * MARGIN), round(height * MARGIN)


def _ease(p: float) -> float:
    return p * p * (3.0 - 2.0 * p)


@dataclass(frozen=True)
class Camera:
    move: CameraMove
    panel: tuple[int, int]  # (width, height) of the panel in pixels

    def box(self, progress: float) -> Box:
        """The box at ``progress`` (0 at the first frame, 1 at the last) through the move."""
        e = _ease(min(max(progress, 0.0), 1.0))
        move = self.move
        if move is CameraMove.STATIC:
            return self._window(1.0, 0.5, 0.5)
        if move is CameraMove.PUSH_IN:
            return self._window(1.0 + (MARGIN - 1.0) * e, 0.5, 0.5)
        if move is CameraMove.PULL_OUT:
            return self._window(MARGIN - (MARGIN - 1.0) * e, 0.5, 0.5)
        # panning left turns the view left: the window travels from the panel's right edge to its left
        travel = {CameraMove.PAN_LEFT: (1.0 - e, 0.5), CameraMove.PAN_RIGHT: (e, 0.5),
                  CameraMove.TILT_UP: (0.5, 1.0 - e), CameraMove.TILT_DOWN: (0.5, e)}[move]
        return self._window(PAN_ZOOM, *travel)

    def _window(self, zoom: float, fx: float, fy: float) -> Box:
        """The window 1/zoom of the panel, placed at fractions (fx, fy) of the free space."""
        pw, ph = self.panel
        w, h = pw / zoom, ph / zoom
        left, top = fx * (pw - w), fy * (ph - h)
        return (left, top, left + w, top + h)
