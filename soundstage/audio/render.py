"""The timeline mixer: place clips, position them (pan, distance, reverb), duck beds, master.

Order of work, per track: clips are resampled to the mix rate, trimmed or looped, faded, gained and
panned; distance sets their dry level (1/r) and air low-pass, and a constant send feeds the reverb
of their space. Beds are then ducked under the summed dialogue. Finally one mastering gain curve
(loudness target and true-peak limit) is computed on the sum and applied to every stem, so the
stems always add up to the master.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import signal

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.dsp import Array, distance_cutoff, distance_gain, lowpass_sos, pan_gains
from soundstage.audio.ducking import duck_gain
from soundstage.audio.loudness import db_to_gain
from soundstage.audio.master import MasterReport, apply_gain, master_gain
from soundstage.audio.resample import STEREO, resample
from soundstage.audio.reverb import apply_reverb, impulse_response
from soundstage.audio.timeline import Clip, Timeline, Track, TrackKind
from soundstage.cancellation import CancelCheck, blocks, never
from soundstage.cancellation import check as _check
from soundstage.errors import InvalidInput

__all__ = ["Mix", "Stem", "render"]

_AIR_FILTER_FROM = 15_000.0  # Hz: cut-offs above this are inaudible; skip the filter



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


def _cut(clip: Clip, source: AudioBuffer, lo: int, hi: int) -> Array:
    """Frames ``lo:hi`` of the clip's source audio from its offset: looped or padded with silence."""
    offset = round(clip.offset * source.rate)
    frames = hi - lo
    if clip.loop and source.frames > 0:
        start = (offset + lo) % source.frames
        reps = -(-(start + frames) // source.frames)  # ceil: copies, not a gather
        return np.concatenate([source.samples] * reps)[start : start + frames]
    body = source.samples[offset + lo : offset + hi]
    if body.shape[0] < frames:
        body = np.pad(body, ((0, frames - body.shape[0]), (0, 0)))
    return body


def _ramp(first: float, last: float, num: int, endpoint: bool, lo: int, hi: int) -> Array:
    """``np.linspace(first, last, num, endpoint)[lo:hi]`` as float32, without building the whole ramp."""
    step = (last - first) / ((num - 1) if endpoint else num)
    values = np.arange(lo, hi, dtype=np.float64) * step + first
    if endpoint and num > 1 and hi == num:
        values[-1] = last
    return values.astype(np.float32)


def _fade(x: Array, clip: Clip, rate: int, lo: int, n: int) -> Array:
    """Frames ``lo:lo + len(x)`` of a clip ``n`` frames long, with its fades applied."""
    fin, fout = min(round(clip.fade_in * rate), n), min(round(clip.fade_out * rate), n)
    hi = lo + x.shape[0]
    if not (fin and lo < fin) and not (fout and hi > n - fout):
        return x
    x = np.array(x, dtype=np.float32, copy=True)  # only the faded ends are touched
    if fin and lo < fin:
        x[: min(hi, fin) - lo] *= _ramp(0.0, 1.0, fin, False, lo, min(hi, fin))[:, None]
    if fout and hi > n - fout:
        first = max(lo, n - fout)
        x[first - lo :] *= _ramp(1.0, 0.0, fout, True, first - (n - fout), hi - (n - fout))[:, None]
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


def _add(target: Array, start: int, x: Array) -> None:
    lo, hi = max(start, 0), min(start + x.shape[0], target.shape[0])
    if hi > lo:
        target[lo:hi] += x[lo - start : hi - start]


def _mix_clip(clip: Clip, src: AudioBuffer, timeline: Timeline, dry: Array, sends: dict[str, Array],
              cancelled: CancelCheck) -> None:
    """Add the clip (``src`` already at the mix rate) to ``dry`` and its space's send, block by block
    (a looped bed spans the whole timeline): the air filter's state runs on across blocks."""
    rate = timeline.rate
    frames = _clip_frames(clip, src, rate, timeline.frames)
    start = round(clip.start * rate)
    gain, send = np.float32(db_to_gain(clip.gain_db)), np.float32(db_to_gain(clip.send_db))
    level = np.float32(distance_gain(clip.distance))
    cutoff = distance_cutoff(clip.distance)
    sos = lowpass_sos(cutoff, rate) if cutoff < _AIR_FILTER_FROM else None
    state = np.zeros((0 if sos is None else sos.shape[0], 2, STEREO))
    if clip.space is not None and clip.space not in sends:
        sends[clip.space] = np.zeros_like(dry)
    for lo, hi in blocks(frames, cancelled):
        body = _pan(_fade(_cut(clip, src, lo, hi), clip, rate, lo, frames) * gain, clip.pan)
        if clip.space is not None:
            _add(sends[clip.space], start + lo, body * send)
        if sos is not None:
            filtered, state = signal.sosfilt(sos, body, axis=0, zi=state)
            body = filtered.astype(np.float32)
        _add(dry, start + lo, body * level)


def _render_track(track: Track, sources: Mapping[str, AudioBuffer], timeline: Timeline,
                  cancelled: CancelCheck = never) -> Array:
    dry = np.zeros((timeline.frames, STEREO), dtype=np.float32)
    sends: dict[str, Array] = {}
    for clip in track.clips:
        _check(cancelled)
        if clip.source not in sources:
            raise InvalidInput(f"clip.source: {clip.source!r} has no audio", field="clip.source", value=clip.source)
        _mix_clip(clip, sources[clip.source], timeline, dry, sends, cancelled)
    for name, send in sends.items():
        _check(cancelled)
        dry += apply_reverb(send, impulse_response(timeline.space(name), timeline.rate), cancelled)
    return dry * np.float32(db_to_gain(track.gain_db))


def _sum(parts: list[Array], frames: int, cancelled: CancelCheck) -> Array:
    """The stereo sum of ``parts``, in blocks."""
    out = np.zeros((frames, STEREO), dtype=np.float32)
    for lo, hi in blocks(frames, cancelled):
        for part in parts:
            out[lo:hi] += part[lo:hi]
    return out


def render(timeline: Timeline, sources: Mapping[str, AudioBuffer], threads: int = 1,
           cancelled: CancelCheck = never) -> Mix:
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
        at_rate[k] = resample(sources[k], rate, cancelled)
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        tracks = list(pool.map(lambda t: _render_track(t, at_rate, timeline, cancelled), timeline.tracks))
    _check(cancelled)
    rendered = {t.name: audio for t, audio in zip(timeline.tracks, tracks, strict=True)}
    key = _sum([rendered[t.name] for t in timeline.tracks if t.kind is TrackKind.DIALOGUE], timeline.frames,
               cancelled)
    if any(t.ducked for t in timeline.tracks):
        duck = duck_gain(key, timeline.frames, rate, timeline.ducking, cancelled)
        for t in timeline.tracks:
            if t.ducked:
                rendered[t.name] *= duck[:, None]
    _check(cancelled)
    premaster = AudioBuffer(_sum(list(rendered.values()), timeline.frames, cancelled), rate)
    curve, report = master_gain(premaster, timeline.master, cancelled)
    stems = []
    for t in timeline.tracks:
        _check(cancelled)
        stems.append(Stem(t.name, t.kind, apply_gain(AudioBuffer(rendered[t.name], rate), curve, cancelled)))
    master = AudioBuffer(apply_gain(premaster, curve, cancelled).samples, rate)
    return Mix(master=master, stems=tuple(stems), report=report)
