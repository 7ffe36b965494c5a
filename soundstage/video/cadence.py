"""Periodic motion within a shot (a walk, a run, hammering) and the beats it falls on.

The subject's motion per frame, put on an even time grid (variable frame rates too), is autocorrelated
over 0.3-1.2 s: 50 to 200 beats a minute, from a slow walk to a run (a walk is 1.6-2 steps a second,
Ji 2005). A lag whose correlation reaches ``PERIODIC_MIN`` is the period; when half of it correlates
nearly as well, the half is taken (a stride holds two steps). The beats are placed on that period at
the phase that best fits the shot's impacts, and each beat is the impact itself when one lies within
``SNAP`` (so a heel strike is heard on its frame), else the grid's time where the subject moves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from soundstage.video.events import EVENT_MIN, MotionEvent

__all__ = ["PERIODIC_MIN", "PERIOD_RANGE", "Cadence", "find_cadence"]

Floats = npt.NDArray[np.float64]

PERIOD_RANGE = (0.3, 1.2)  # s between beats
PERIODIC_MIN = 0.45  # normalized autocorrelation at the period
HALF_SHARE = 0.7  # half the period is taken when it correlates at least this share as well
MIN_BEATS = 3  # periods the moving part of the shot must hold
MOVING = 0.25  # a beat is kept where the subject moves at least this share of its median speed
RHYTHM_MIN = 0.5 * EVENT_MIN  # widths/s (summed over blocks / blocks): the median motion of a rhythmic shot
SNAP = 0.06  # s (or 1.5 frames): an impact this near a beat is the beat


@dataclass(frozen=True)
class Cadence:
    shot: int
    period: float  # s
    confidence: float  # autocorrelation at the period, 0-1
    beats: tuple[float, ...]  # s

    def to_dict(self) -> dict[str, Any]:
        return {"shot": self.shot, "period": round(self.period, 3), "confidence": round(self.confidence, 3),
                "beats": [round(b, 3) for b in self.beats]}


def _autocorrelation(x: Floats, max_lag: int) -> Floats:
    x = x - x.mean()
    var = float((x * x).mean())
    if var <= 0:
        return np.zeros(max_lag + 1)
    return np.array([float((x[: x.size - lag] * x[lag:]).mean()) / var for lag in range(max_lag + 1)])


def _period(grid_step: float, speeds: Floats) -> tuple[float, float] | None:
    lo = max(2, math.ceil(PERIOD_RANGE[0] / grid_step))
    hi = min(math.floor(PERIOD_RANGE[1] / grid_step), speeds.size // MIN_BEATS)
    if hi <= lo:
        return None
    ac = _autocorrelation(speeds, hi + 1)
    lag = lo + int(np.argmax(ac[lo:hi + 1]))
    half = lag // 2
    if half >= lo and ac[half] >= HALF_SHARE * ac[lag]:
        lag = half
    if ac[lag] < PERIODIC_MIN:
        return None
    before, centre, after = ac[lag - 1], ac[lag], ac[lag + 1]
    bend = before - 2 * centre + after
    shift = 0.5 * (before - after) / bend if bend < 0 else 0.0
    return (lag + max(-0.5, min(0.5, shift))) * grid_step, float(centre)


def _phase(period: float, start: float, impacts: Sequence[MotionEvent], grid: Floats,
           speeds: Floats) -> float:
    """Where the beats fall: the phase nearest the impacts, else where the motion pauses."""
    sigma = period / 8
    if impacts:
        def fit(phase: float) -> float:
            return sum(e.strength * math.exp(-((((e.time - phase) / period + 0.5) % 1 - 0.5) * period) ** 2
                                             / (2 * sigma**2)) for e in impacts)
        return max((e.time % period for e in impacts), key=fit)
    candidates = start + np.linspace(0, period, 16, endpoint=False)
    return float(min(candidates,
                     key=lambda p: float(np.interp(np.arange(p, grid[-1], period), grid, speeds).mean())))


def find_cadence(shot: int, span: tuple[float, float], times: Floats, speeds: Floats,
                 impacts: Sequence[MotionEvent]) -> Cadence | None:
    """Shot ``shot``'s periodic motion (``span``: its start and end, s) and its beats, or None (too short,
    still, or not periodic). ``speeds``: the subject's motion per frame at ``times``."""
    start, end = span
    inside = (times >= start - 1e-9) & (times < end - 1e-9)
    if inside.sum() < 8 or end - start < MIN_BEATS * PERIOD_RANGE[0]:
        return None
    step = float(np.median(np.diff(times[inside])))
    grid = np.arange(start, end, step)
    motion = np.interp(grid, times[inside], speeds[inside])
    if np.median(motion) < RHYTHM_MIN:  # a rhythm is motion most of the time, not a few mismatches
        return None
    found = _period(step, motion)
    if found is None:
        return None
    period, confidence = found
    phase = _phase(period, start, impacts, grid, motion)
    moving = np.median(motion[motion > 0]) if (motion > 0).any() else 0.0
    snap = max(SNAP, 1.5 * step)
    beats = []
    for tooth in np.arange(start + (phase - start) % period, end, period):
        near = [e for e in impacts if abs(e.time - tooth) <= snap]
        if near:
            beats.append(min(near, key=lambda e: abs(e.time - tooth)).time)
        elif (np.interp(tooth, grid, motion) >= MOVING * moving
              or _around(tooth, period, grid, motion) >= MOVING * moving):
            beats.append(float(tooth))
    if len(beats) < MIN_BEATS:  # two bursts of motion a while apart are no rhythm
        return None
    return Cadence(shot, period, confidence, tuple(sorted(set(beats))))


def _around(t: float, period: float, grid: Floats, motion: Floats) -> float:
    near = np.abs(grid - t) <= period / 2
    return float(motion[near].mean()) if near.any() else 0.0
