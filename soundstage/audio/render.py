"""The timeline mixer: place clips, position them (pan, distance, reverb), duck beds, master.

Order of work, per track: clips are resampled to the mix rate, trimmed or looped, faded, gained and
panned; distance sets their dry level (1/r) and air low-pass, and a constant send feeds the reverb
of their space. Beds are then ducked under the summed dialogue. Finally one mastering gain curve
(loudness target and true-peak limit) is computed on the sum and applied to every stem, so the
stems always add up to the master.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.dsp import Array, distance_cutoff, distance_gain, lowpass, pan_gains
from soundstage.audio.ducking import duck_gain
from soundstage.audio.loudness import db_to_gain
from soundstage.audio.master import MasterReport, apply_gain, master_gain
from soundstage.audio.resample import STEREO, resample
from soundstage.audio.reverb import apply_reverb, impulse_response
from soundstage.audio.timeline import Clip, Timeline, Track, TrackKind
from soundstage.errors import Cancelled, InvalidInput

__all__ = ["Mix", "Stem", "render"]

_AIR_FILTER_FROM = 15_000.0  # Hz: cut-offs above this are inaudible; skip the filter

CancelCheck = Callable[[], bool]


def _never() -> bool:
    return False


def _check(cancelled: CancelCheck) -> None:
    """Between steps of a long mix (issue 9: a cancelled job stops within a second)."""
    if cancelled():
        raise Cancelled()


@dataclass(frozen=True)
class Stem:
    name: str
    kind: TrackKind
    audio: AudioBuffer


@dataclass(frozen=True)
class Mix:
    master: AudioBuffer
    stems: tuple[Stem, ...]
    report: MasterReport


def _clip_frames(clip: Clip, source: AudioBuffer, rate: int, timeline_frames: int) -> int:
    start = round(clip.start * rate)
    if clip.duration is not None:
        return round(clip.duration * rate)
    if clip.loop:
        return max(0, timeline_frames - start)
    return max(0, source.frames - round(clip.offset * rate))


def _cut(clip: Clip, source: AudioBuffer, frames: int) -> Array:
    """The clip's ``frames`` of source audio from its offset: looped or padded with silence."""
    offset = round(clip.offset * source.rate)
    if clip.loop and source.frames > 0:
        start = offset % source.frames
        reps = -(-(start + frames) // source.frames)  # ceil: copies, not a gather
        return np.concatenate([source.samples] * reps)[start : start + frames]
    body = source.samples[offset : offset + frames]
    if body.shape[0] < frames:
        body = np.pad(body, ((0, frames - body.shape[0]), (0, 0)))
    return body


def _fade(x: Array, clip: Clip, rate: int) -> Array:
    n = x.shape[0]
    fin, fout = min(round(clip.fade_in * rate), n), min(round(clip.fade_out * rate), n)
    if not fin and not fout:
        return x
    x = np.array(x, dtype=np.float32, copy=True)  # only the faded ends are touched
    if fin:
        x[:fin] *= np.linspace(0.0, 1.0, fin, endpoint=False, dtype=np.float32)[:, None]
    if fout:
        x[n - fout :] *= np.linspace(1.0, 0.0, fout, endpoint=True, dtype=np.float32)[:, None]
    return x


def _pan(x: Array, pan: float) -> Array:
    """Mono sources are placed with the constant-power law; stereo ones are balanced."""
    left, right = pan_gains(pan)
    if x.shape[1] == 1:
        return np.concatenate([x * left, x * right], axis=1).astype(np.float32)
    if x.shape[1] != STEREO:
        x = x.mean(axis=1, keepdims=True)
        return np.concatenate([x * left, x * right], axis=1).astype(np.float32)
    centre = pan_gains(0.0)[0]  # balance relative to centre: no change at pan 0
    return (x[:, :2] * np.array([left / centre, right / centre], dtype=np.float32)).astype(np.float32)


def _place(clip: Clip, src: AudioBuffer, timeline: Timeline) -> tuple[int, Array]:
    """The clip (``src`` already at the mix rate) as stereo, pre-distance, with its first frame."""
    frames = _clip_frames(clip, src, timeline.rate, timeline.frames)
    body = _fade(_cut(clip, src, frames), clip, timeline.rate)
    body = _pan(body * np.float32(db_to_gain(clip.gain_db)), clip.pan)
    return round(clip.start * timeline.rate), body


def _add(target: Array, start: int, x: Array) -> None:
    lo, hi = max(start, 0), min(start + x.shape[0], target.shape[0])
    if hi > lo:
        target[lo:hi] += x[lo - start : hi - start]


def _render_track(track: Track, sources: Mapping[str, AudioBuffer], timeline: Timeline,
                  cancelled: CancelCheck = _never) -> Array:
    dry = np.zeros((timeline.frames, STEREO), dtype=np.float32)
    sends: dict[str, Array] = {}
    for clip in track.clips:
        _check(cancelled)
        if clip.source not in sources:
            raise InvalidInput(f"clip.source: {clip.source!r} has no audio", field="clip.source", value=clip.source)
        start, body = _place(clip, sources[clip.source], timeline)
        if clip.space is not None:
            if clip.space not in sends:
                sends[clip.space] = np.zeros_like(dry)
            _add(sends[clip.space], start, body * np.float32(db_to_gain(clip.send_db)))
        cutoff = distance_cutoff(clip.distance)
        if cutoff < _AIR_FILTER_FROM:
            body = lowpass(body, cutoff, timeline.rate)
        _add(dry, start, body * np.float32(distance_gain(clip.distance)))
    for name, send in sends.items():
        _check(cancelled)
        dry += apply_reverb(send, impulse_response(timeline.space(name), timeline.rate))
    return dry * np.float32(db_to_gain(track.gain_db))


def render(timeline: Timeline, sources: Mapping[str, AudioBuffer], threads: int = 1,
           cancelled: CancelCheck = _never) -> Mix:
    """Mix ``timeline`` from ``sources`` (any rate, mono or stereo) to a mastered stereo master.

    ``threads`` > 1 renders tracks concurrently (numpy and scipy release the GIL in the heavy
    parts); leave it at 1 where several workers already share the cores. ``cancelled`` is polled
    between clips and mastering steps: ``Cancelled`` is raised once it is true.
    """
    rate = timeline.rate
    used = {c.source for t in timeline.tracks for c in t.clips if c.source in sources}
    at_rate = {}
    for k in used:  # once per source, not per clip
        _check(cancelled)
        at_rate[k] = resample(sources[k], rate)
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        tracks = list(pool.map(lambda t: _render_track(t, at_rate, timeline, cancelled), timeline.tracks))
    _check(cancelled)
    rendered = {t.name: audio for t, audio in zip(timeline.tracks, tracks, strict=True)}
    key = sum((rendered[t.name] for t in timeline.tracks if t.kind is TrackKind.DIALOGUE),
              np.zeros((timeline.frames, STEREO), dtype=np.float32))
    if any(t.ducked for t in timeline.tracks):
        duck = duck_gain(key, timeline.frames, rate, timeline.ducking)
        for t in timeline.tracks:
            if t.ducked:
                rendered[t.name] *= duck[:, None]
    _check(cancelled)
    premaster = AudioBuffer(sum(rendered.values(), np.zeros((timeline.frames, STEREO), np.float32)), rate)
    curve, report = master_gain(premaster, timeline.master, cancelled)
    stems = []
    for t in timeline.tracks:
        _check(cancelled)
        stems.append(Stem(t.name, t.kind, apply_gain(AudioBuffer(rendered[t.name], rate), curve)))
    master = AudioBuffer(apply_gain(premaster, curve).samples, rate)
    return Mix(master=master, stems=tuple(stems), report=report)
