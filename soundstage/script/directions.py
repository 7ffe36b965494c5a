"""Parenthetical directions, e.g. ``(whispering)``, turned into what the speech engine can do.

Kokoro has no style tokens, so a direction shapes speed, pitch and level, the levers that carry most
of what a listener hears as "whispered" or "shouted". Non-verbal sounds (laughs, sighs) cannot be
spoken by the engine: they become a short beat of silence and a note, never fake text.
"""

from __future__ import annotations

from dataclasses import replace

from soundstage.script.model import Delivery

__all__ = ["NON_VERBAL", "NON_VERBAL_BEAT", "apply_direction"]

# direction word -> (speed multiplier, pitch semitones, gain dB)
SHAPES: dict[str, tuple[float, float, float]] = {
    "whisper": (0.95, 0.0, -9.0), "softly": (0.95, 0.0, -5.0), "quietly": (0.95, 0.0, -6.0),
    "shout": (1.05, 1.5, 4.0), "yell": (1.05, 1.5, 4.0), "loudly": (1.0, 1.0, 3.0), "scream": (1.1, 2.0, 5.0),
    "angr": (1.05, 0.5, 2.0), "furious": (1.08, 1.0, 3.0), "sad": (0.9, -1.0, -2.0),
    "tired": (0.88, -1.0, -2.0),
    "excit": (1.08, 1.0, 1.0), "happ": (1.05, 1.0, 0.0), "cheerful": (1.05, 1.0, 0.0),
    "nervous": (1.08, 0.5, -1.0), "scared": (1.1, 1.0, -1.0), "afraid": (1.1, 1.0, -1.0),
    "trembl": (1.05, 0.5, -2.0),
    "slow": (0.85, 0.0, 0.0), "quick": (1.15, 0.0, 0.0), "fast": (1.15, 0.0, 0.0), "rush": (1.18, 0.5, 0.0),
    "calm": (0.95, -0.5, -1.0), "serious": (0.95, -0.5, 0.0), "menac": (0.9, -1.5, -1.0),
    "低声": (0.95, 0.0, -9.0), "耳语": (0.95, 0.0, -9.0), "大喊": (1.05, 1.5, 4.0), "生气": (1.05, 0.5, 2.0),
    "难过": (0.9, -1.0, -2.0), "兴奋": (1.08, 1.0, 1.0), "紧张": (1.08, 0.5, -1.0), "慢慢": (0.85, 0.0, 0.0),
}
NON_VERBAL = ("laugh", "chuckle", "giggle", "sigh", "cough", "gasp", "sob", "cries", "crying", "sniff",
              "groan", "clears throat", "笑", "叹气", "咳")
NON_VERBAL_BEAT = 0.4  # seconds of silence where a non-verbal sound was asked for


def apply_direction(delivery: Delivery, direction: str) -> tuple[Delivery, bool]:
    """The delivery with ``direction`` applied, and whether it was a non-verbal sound."""
    text = direction.strip().lower()
    notes = (*delivery.notes, direction.strip())
    if any(word in text for word in NON_VERBAL):
        return replace(delivery, notes=notes), True
    speed, pitch, gain = delivery.speed, delivery.pitch, delivery.gain_db
    for key, (s, p, g) in SHAPES.items():
        if key in text:
            speed, pitch, gain = speed * s, pitch + p, gain + g
    return replace(delivery, speed=speed, pitch=pitch, gain_db=gain, notes=notes), False
