"""The shipped generator families, gathered for :func:`soundstage.sound.registry.build_registry`."""

from __future__ import annotations

from soundstage.sound.generators import (
    crowd,
    doors,
    footsteps,
    household,
    impacts,
    interior,
    kitchen,
    nature,
    street,
    tension,
    water,
    weather,
)
from soundstage.sound.generators.base import Generator
from soundstage.sound.generators.crowd import VoiceSource

__all__ = ["all_generators"]


def all_generators(voices: VoiceSource | None = None) -> tuple[Generator, ...]:
    """Every family's generators; crowd walla is built from ``voices`` when a speech engine is given."""
    modules = (weather, water, street, footsteps, doors, household, interior, kitchen, nature, tension,
               impacts)
    return tuple(g for m in modules for g in m.generators()) + crowd.generators(voices)
