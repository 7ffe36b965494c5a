"""The renderer registry: the built-in animatic, extra renderers, unknown names."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest

from soundstage.errors import ConfigError
from soundstage.video.animatic import AnimaticRenderer
from soundstage.video.plan import PicturePlan
from soundstage.video.renderer import Frame, RendererRegistry, VideoRenderer, build_renderer, default_registry


class Black:
    name = "black"

    def render(self, plan: PicturePlan, cancelled: Callable[[], bool]) -> Iterator[Frame]:
        for _ in range(plan.format.frames):
            yield np.zeros((plan.format.height, plan.format.width, 3), np.uint8)


def test_animatic_is_built_in() -> None:
    renderer: VideoRenderer = build_renderer("animatic")
    assert isinstance(renderer, AnimaticRenderer) and renderer.name == "animatic"
    assert "animatic" in default_registry().names()


def test_registered_renderers_are_built_by_name() -> None:
    registry = RendererRegistry()
    registry.register("black", Black)
    assert build_renderer("black", registry).name == "black"


def test_unknown_renderer_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="'wan2'.*animatic"):
        build_renderer("wan2")
