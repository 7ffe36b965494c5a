"""Motion events: where the subject's motion stops, reverses or starts, from block motion frame to frame.

Each block's content is followed: it arrived in frame k with velocity ``a`` (from frame k-1) and leaves
with the velocity measured in frame k+1 where that content went (the next field sampled at the block's
centre moved by ``a``; a content that stopped is found where it is). Velocity lost along ``a`` in that one
frame is an impact when less than half of it goes on (a stop, or a bounce: nothing continues along
``a``); velocity gained where less than half of it was already there is a start. Braking and speeding
up over several frames (a fall under gravity) are neither. Summed over blocks, weighted by how well each
block's texture pins its motion, and divided by the number of blocks: a number in frame widths per second
that grows with the moving thing's size and speed. Following the content, not the grid, matters: an
edge leaving a block while the object moves on is no stop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt
from scipy.ndimage import map_coordinates

from soundstage.video.motion import BLOCK, BlockField, FrameMotion

__all__ = ["EVENT_CONTRAST", "EVENT_GAP", "EVENT_MIN", "EventKind", "MotionEvent", "motion_events",
           "subject_speeds"]

Floats = npt.NDArray[np.float64]

EVENT_MIN = 0.004  # about one fully textured block (1/144 of a 16:9 frame) losing 0.6 frame widths/s
EVENT_CONTRAST = 3.0  # and this many times the shot's median of the same signal (steady jitter is no event)
EVENT_SHARE = 0.25  # and this share of the shot's strongest: the events that stand out are the ones heard
EVENT_GAP = 0.12  # s: events of one kind closer than this are one (the strongest)
PAN_NOISE = 0.02  # widths/s of event strength per width/s of camera motion: block mismatches grow with it
ABRUPT = 0.5  # a block's content keeping more than this share of its speed along its path changed smoothly


class EventKind(str, Enum):
    IMPACT = "impact"  # motion stopped or reversed in one frame: hits, landings, a door shutting, a step
    START = "start"  # motion began from rest: a door swinging open, someone setting off


@dataclass(frozen=True)
class MotionEvent:
    time: float  # s from the first frame: the frame where the change shows
    kind: EventKind
    strength: float  # frame widths per second of velocity changed, summed over blocks / blocks
    shot: int
    frame: int


def _speed_field(field: BlockField, width: int, interval: float) -> npt.NDArray[np.float32]:
    return (field.vectors / np.float32(width * max(interval, 1e-3))).astype(np.float32)


def subject_speeds(motion: Sequence[FrameMotion | None], times: Floats, width: int) -> Floats:
    """Per frame: the subject's motion since the previous frame, frame widths per second over all blocks."""
    out = np.zeros(len(motion))
    for k, m in enumerate(motion):
        if m is None or k == 0:
            continue
        v = _speed_field(m.subject, width, times[k] - times[k - 1])
        out[k] = float((np.hypot(v[..., 0], v[..., 1]) * m.subject.weights).sum() / m.subject.weights.size)
    return out


def _follow(field: BlockField,
            moves: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """``field``'s vectors (px) where each block's content went (``moves``, px), and their weight
    (normalized convolution: untextured blocks do not drag the sample to zero)."""
    rows, cols = field.weights.shape
    r, c = np.indices((rows, cols), dtype=np.float32)
    at = np.stack([r + moves[..., 1] / BLOCK, c + moves[..., 0] / BLOCK])
    w = map_coordinates(field.weights, at, order=1, mode="nearest")
    vx = map_coordinates(field.vectors[..., 0] * field.weights, at, order=1, mode="nearest")
    vy = map_coordinates(field.vectors[..., 1] * field.weights, at, order=1, mode="nearest")
    safe = np.where(w > 1e-3, w, 1.0)
    return np.stack([vx / safe, vy / safe], axis=-1).astype(np.float32), w.astype(np.float32)


def _along(x: npt.NDArray[np.float32], y: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """How much of ``y`` goes along ``x`` (px or widths/s; 0 where x is 0 or they oppose)."""
    size = np.hypot(x[..., 0], x[..., 1])
    return np.where(size > 0, np.maximum((x * y).sum(axis=-1), 0) / np.where(size > 0, size, 1), 0)


def _speed(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return np.hypot(x[..., 0], x[..., 1])


@dataclass(frozen=True)
class _Path:
    """One frame's blocks' content followed one frame back and two forward, as velocities (px per s:
    with variable frame rates a frame's displacement is no speed)."""

    before: npt.NDArray[np.float32]  # how it moved into where it was at k-1 (zeros when unknown)
    arrived: npt.NDArray[np.float32]  # k-1 -> k
    next: npt.NDArray[np.float32]  # k -> k+1
    after: npt.NDArray[np.float32]  # k+1 -> k+2 (equal to next when the shot ends first)
    weight: npt.NDArray[np.float32]


def _path(motion: Sequence[FrameMotion | None], times: Floats, k: int, span: tuple[int, int]) -> _Path | None:
    arrived, leaving = motion[k], motion[k + 1]
    if arrived is None or leaving is None:
        return None

    def rate(j: int) -> np.float32:  # per second, for the motion into frame j
        return np.float32(1.0 / max(float(times[j] - times[j - 1]), 1e-3))

    a = arrived.subject.vectors
    d1, w1 = _follow(leaving.subject, a)
    d2, w2 = d1 * rate(k + 1), w1
    if k + 2 < span[1] and (later := motion[k + 2]) is not None:
        d2, w2 = _follow(later.subject, a + d1)
        d2 = d2 * rate(k + 2)
    before = np.zeros_like(a)
    if k - 1 > span[0] and (earlier := motion[k - 1]) is not None:
        before = _follow(earlier.subject, -a)[0] * rate(k - 1)
    weight = np.minimum(np.minimum(arrived.subject.weights, w1), w2)
    return _Path(before, a * rate(k), d1 * rate(k + 1), d2, weight)


def _changes(path: _Path) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Per block, (speed lost, speed gained) in px per s by the content at frame k, where the change
    is abrupt and lasts: an impact had the content moving the frame before too, and still stopped (or
    turned back) the frame after; a start had it at rest before and still moving after."""
    a, d1, d2 = path.arrived, path.next, path.after
    speed_a, speed_d = _speed(a), _speed(d1)
    stopped = (_along(a, d1) < ABRUPT * speed_a) & (_along(a, d2) < ABRUPT * speed_a)
    was_moving = (_along(a, path.before) >= ABRUPT * ABRUPT * speed_a) | ~path.before.any(axis=-1)
    lost = np.where(stopped & was_moving, speed_a - _along(a, d1), 0.0)
    started = (_along(d1, a) < ABRUPT * speed_d) & (_along(d1, d2) >= ABRUPT * speed_d)
    gained = np.where(started, speed_d - _along(d1, a), 0.0)
    return lost.astype(np.float32), gained.astype(np.float32)


def _peaks(signal: Floats, times: Floats, camera: Floats, span: tuple[int, int], kind: EventKind,
           shot: int) -> list[MotionEvent]:
    first, end = span
    part = signal[first:end]
    if not part.size:
        return []
    threshold = max(EVENT_MIN, EVENT_CONTRAST * float(np.median(part)), EVENT_SHARE * float(part.max()))
    floor = threshold + PAN_NOISE * camera[first:end]  # a moving camera's mismatches are no events
    taken: list[MotionEvent] = []
    for k in np.argsort(-part, kind="stable"):
        if part[k] < threshold:
            break
        if part[k] < floor[k]:
            continue
        t = float(times[first + k])
        if all(abs(t - e.time) >= EVENT_GAP for e in taken):
            taken.append(MotionEvent(t, kind, float(part[k]), shot, int(first + k)))
    return sorted(taken, key=lambda e: e.time)


def motion_events(motion: Sequence[FrameMotion | None], times: Floats, width: int, camera: Floats,
                  shots: Sequence[tuple[int, int]]) -> tuple[MotionEvent, ...]:
    """Impacts and starts in each shot (``shots``: first frame, end frame), never across a cut.
    ``camera``: its speed per frame, frame widths per second."""
    lost, gained = np.zeros(len(times)), np.zeros(len(times))
    for span in shots:
        for k in range(span[0] + 1, span[1] - 1):  # the frames before and after must be in the shot too
            path = _path(motion, times, k, span)
            if path is None:
                continue
            loss, gain = _changes(path)
            lost[k] = float((path.weight * loss).sum()) / width / path.weight.size
            gained[k] = float((path.weight * gain).sum()) / width / path.weight.size
    events: list[MotionEvent] = []
    for index, span in enumerate(shots):
        events += _peaks(lost, times, camera, span, EventKind.IMPACT, index)
        events += _peaks(gained, times, camera, span, EventKind.START, index)
    return tuple(sorted(events, key=lambda e: (e.time, e.kind.value)))
