"""The VideoRenderer seam: a PicturePlan in, RGB frames out.

Contract
- ``render(plan, cancelled)`` yields exactly ``plan.format.frames`` frames, each a C-contiguous
  ``(height, width, 3)`` uint8 RGB array of ``plan.format``'s size, in display order; frame ``i`` is shown
  from ``i / fps`` to ``(i + 1) / fps`` seconds.
- Each yielded array is the caller's to keep: a renderer never writes to it again (the encoder draws
  frames ahead of x264 in another thread, so several are alive at once).
- ``cancelled()`` is polled between frames; once it returns true the renderer raises
  ``soundstage.errors.Cancelled`` before yielding another frame.
- The same plan gives the same frames (``plan.seed`` is the only source of variation).
- Errors: ``InvalidInput`` for a plan the renderer cannot draw (e.g. unreadable footage), ``Cancelled``.
- A renderer owns whatever it loads (fonts, models); build one per worker with ``build_renderer`` and
  reuse it across jobs. It keeps no per-job state between ``render`` calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Protocol

import numpy as np
import numpy.typing as npt

from soundstage.errors import ConfigError
from soundstage.video.plan import PicturePlan

__all__ = [
    "ENTRY_POINT_GROUP",
    "Frame",
    "RendererFactory",
    "RendererRegistry",
    "VideoRenderer",
    "build_renderer",
    "default_registry",
]

ENTRY_POINT_GROUP = "soundstage.video_renderers"  # e.g. a GPU video model registers a factory here

Frame = npt.NDArray[np.uint8]  # (height, width, 3) RGB


class VideoRenderer(Protocol):
    name: str

    def render(self, plan: PicturePlan, cancelled: Callable[[], bool]) -> Iterator[Frame]:
        """Yield the plan's frames one by one (see the module contract)."""
        ...


RendererFactory = Callable[[], VideoRenderer]


class RendererRegistry:
    """Renderers by name; built lazily, so an unused optional renderer costs nothing."""

    def __init__(self) -> None:
        self._factories: dict[str, RendererFactory] = {}

    def register(self, name: str, factory: RendererFactory) -> None:
        self._factories[name] = factory

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._factories))

    def build(self, name: str) -> VideoRenderer:
        if name not in self._factories:
            raise ConfigError(f"video_renderer: unknown video renderer {name!r}; known:"
                              f" {', '.join(self.names())}")
        return self._factories[name]()


def default_registry() -> RendererRegistry:
    """The animatic, plus any renderer installed under the ``soundstage.video_renderers`` group."""
    from soundstage.video.animatic import AnimaticRenderer

    registry = RendererRegistry()
    registry.register("animatic", AnimaticRenderer)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        registry.register(ep.name, ep.load())
    return registry


def build_renderer(name: str, registry: RendererRegistry | None = None) -> VideoRenderer:
    return (registry or default_registry()).build(name)
