"""The timeline mixer: place clips, position them (pan, distance, reverb), duck beds, master.

Order of work, per track: clips are resampled to the mix rate, trimmed or looped, faded, gained and
panned; distance sets their dry level (1/r) and air low-pass, and a constant send feeds the reverb
of their space. Beds are then ducked under the summed dialogue. Finally one mastering gain curve
(loudness target and true-peak limit) is computed on the sum and applied to every stem, so the
stems always add up to the master.

Bounded memory (issue 16): the timeline is walked in blocks of about ten seconds, and nothing the
size of the whole production is held in memory. Each clip carries its own state across blocks (its
air filter's), each space its reverb tail (overlap-add); the tracks are spilled to disk as they are
mixed (``audio.spill``) with the dialogue's level per 10 ms noted for ducking; a second walk ducks
and sums them into the premaster while the loudness is metered; mastering reads that back; a last
walk writes the master and the stems. ``render_stream`` returns them spilled, ``render`` in memory.
A block is a whole number of ducking frames and of mastering's 16-sample steps, so the blocks give
what one pass over the whole timeline gives.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from typing import Self

import numpy as np
import numpy.typing as npt
from scipy import signal

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.dsp import Array, distance_cutoff, distance_gain, lowpass_sos, pan_gains
from soundstage.audio.ducking import detector_frame, duck_amount, duck_block, frame_levels
from soundstage.audio.loudness import LoudnessMeter, db_to_gain
from soundstage.audio.master import MasterReport, PremasterMeter, master_curve
from soundstage.audio.resample import STEREO, resample
from soundstage.audio.reverb import impulse_response
from soundstage.audio.spill import Source, Spill, Stretch, loaded
from soundstage.audio.timeline import Clip, Timeline, Track, TrackKind
from soundstage.cancellation import CancelCheck, blocks, never
from soundstage.cancellation import check as _check
from soundstage.errors import InvalidInput

__all__ = ["Mix", "SpilledMix", "SpilledStem", "Stem", "block_frames", "render", "render_stream"]

_AIR_FILTER_FROM = 15_000.0  # Hz: cut-offs above this are inaudible; skip the filter
_FRAMES_PER_BLOCK = 1024  # ducking frames (10 ms) per mixer block: about 10 s; a multiple of master.DECIMATE


def block_frames(rate: int) -> int:
    """The mixer's block at ``rate``: whole ducking frames and whole mastering steps, about 10 s."""
    return detector_frame(rate) * _FRAMES_PER_BLOCK


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


@dataclass(frozen=True)
class SpilledStem:
    name: str
    kind: TrackKind
    audio: Spill


@dataclass(frozen=True)
class SpilledMix:
    """A mix whose master and stems wait on disk: read them in blocks; ``close`` removes them."""

    master: Spill
    stems: tuple[SpilledStem, ...]
    report: MasterReport
    block: int = field(default=0)  # the mixer's block: a good size to read them in

    def load(self, cancelled: CancelCheck = never) -> Mix:
        stems = tuple(Stem(s.name, s.kind, s.audio.load(cancelled)) for s in self.stems)
        return Mix(self.master.load(cancelled), stems, self.report)

    def close(self) -> None:
        self.master.close()
        for stem in self.stems:
            stem.audio.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _clip_frames(clip: Clip, source_frames: int, rate: int, timeline_frames: int) -> int:
    start = round(clip.start * rate)
    if clip.duration is not None:
        return round(clip.duration * rate)
    if clip.loop:
        return max(0, timeline_frames - start)
    return max(0, source_frames - round(clip.offset * rate))


def _cut(clip: Clip, source: AudioBuffer | Stretch, lo: int, hi: int) -> Array:
    """Frames ``lo:hi`` of the clip's source audio from its offset: looped or padded with silence.
    A spilled source (never looped: ``_Sources.load``) is read from disk by range."""
    offset = round(clip.offset * source.rate)
    frames = hi - lo
    if isinstance(source, Stretch):
        body = source.read(offset + lo, offset + hi)
    elif clip.loop and source.frames > 0:
        start = (offset + lo) % source.frames
        reps = -(-(start + frames) // source.frames)  # ceil: copies, not a gather
        return np.concatenate([source.samples] * reps)[start : start + frames]
    else:
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


class _Sources:
    """The clips' audio at the mix rate, loaded when a clip starts and let go when it ends (a long
    read's lines wait on disk); a source several clips share (a footstep) is kept once loaded."""

    def __init__(self, sources: Mapping[str, Source], timeline: Timeline, cancelled: CancelCheck) -> None:
        self.sources, self.rate, self.cancelled = sources, timeline.rate, cancelled
        uses = Counter(c.source for t in timeline.tracks for c in t.clips)
        self.shared = {k for k, n in uses.items() if n > 1}
        self.kept: dict[str, AudioBuffer] = {}

    def frames(self, key: str) -> int:
        """The source's length at the mix rate, without loading it (``resample``'s exact length)."""
        source = self.sources[key]
        return source.frames if source.rate == self.rate else round(source.frames * self.rate / source.rate)

    def load(self, key: str, loop: bool) -> AudioBuffer | Stretch:
        """The source at the mix rate: a spilled one already at that rate stays on disk and is read
        by range as its clip plays (a ten-minute paragraph), unless it loops or is shared."""
        source = self.sources[key]
        if isinstance(source, Stretch) and source.rate == self.rate and not loop and key not in self.shared:
            return source
        if key in self.kept:
            return self.kept[key]
        _check(self.cancelled)
        audio = resample(loaded(source), self.rate, self.cancelled)
        if key in self.shared:
            self.kept[key] = audio
        return audio


class _ClipCursor:
    """One clip as the blocks go by: its place, levels, the state of its air filter (which runs on
    from block to block as it would over the whole clip), and its audio while it plays."""

    def __init__(self, clip: Clip, sources: _Sources, timeline: Timeline) -> None:
        rate = timeline.rate
        self.clip, self.sources, self.rate = clip, sources, rate
        self.src: AudioBuffer | Stretch | None = None
        self.frames = _clip_frames(clip, sources.frames(clip.source), rate, timeline.frames)
        self.start = round(clip.start * rate)
        self.gain, self.send = np.float32(db_to_gain(clip.gain_db)), np.float32(db_to_gain(clip.send_db))
        self.level = np.float32(distance_gain(clip.distance))
        cutoff = distance_cutoff(clip.distance)
        self.sos = lowpass_sos(cutoff, rate) if cutoff < _AIR_FILTER_FROM else None
        self.state = np.zeros((0 if self.sos is None else self.sos.shape[0], 2, STEREO))
        self.done = 0  # clip frames filtered so far

    def _body(self, lo: int, hi: int) -> Array:
        if self.src is None:
            self.src = self.sources.load(self.clip.source, self.clip.loop)
        body = _fade(_cut(self.clip, self.src, lo, hi), self.clip, self.rate, lo, self.frames)
        return _pan(body * self.gain, self.clip.pan)

    def _filtered(self, body: Array) -> Array:
        if self.sos is None:
            return body
        filtered, self.state = signal.sosfilt(self.sos, body, axis=0, zi=self.state)
        return filtered.astype(np.float32)  # type: ignore[no-any-return]

    def add(self, lo: int, dry: Array, sends: Mapping[str, Array]) -> None:
        """Add the clip's part within timeline frames ``lo : lo + len(dry)`` to ``dry`` and its send."""
        first, last = max(lo, self.start), min(lo + dry.shape[0], self.start + self.frames)
        if last <= first:
            return
        if self.sos is not None and self.done < first - self.start:  # a head before the timeline starts
            self._filtered(self._body(self.done, first - self.start))
        body = self._body(first - self.start, last - self.start)
        self.done = last - self.start
        if self.done >= self.frames:
            self.src = None  # the clip has ended: its audio can go
        if self.clip.space is not None:
            sends[self.clip.space][first - lo : last - lo] += body * self.send
        dry[first - lo : last - lo] += self._filtered(body) * self.level


class _Reverb:
    """Convolution with a space's impulse response, block by block (overlap-add): the tail of each
    block's wet signal is carried into the next ones. Silent stretches cost nothing."""

    def __init__(self, ir: Array) -> None:
        self.ir = ir
        self.carry = np.zeros((ir.shape[0] - 1, STEREO), dtype=np.float32)
        self.ringing = False

    def wet(self, send: Array) -> Array:
        n = send.shape[0]
        active = bool(send.any())
        if not active and not self.ringing:
            return np.zeros_like(send)
        total = np.zeros((n + self.carry.shape[0], STEREO), dtype=np.float32)
        total[: self.carry.shape[0]] += self.carry
        if active:
            total += signal.oaconvolve(send, self.ir, axes=0).astype(np.float32)
        self.carry = total[n:]
        self.ringing = bool(self.carry.any())
        return total[:n]


class _TrackMixer:
    """A track's clips and spaces, mixed one block at a time."""

    def __init__(self, track: Track, sources: _Sources, timeline: Timeline) -> None:
        for clip in track.clips:
            if clip.source not in sources.sources:
                raise InvalidInput(f"clip.source: {clip.source!r} has no audio", field="clip.source",
                                   value=clip.source)
        self.track = track
        self.clips = [_ClipCursor(c, sources, timeline) for c in track.clips]
        spaces = dict.fromkeys(c.space for c in track.clips if c.space is not None)
        self.reverbs = {name: _Reverb(impulse_response(timeline.space(name), timeline.rate))
                        for name in spaces}
        self.gain = np.float32(db_to_gain(track.gain_db))

    def block(self, lo: int, hi: int, cancelled: CancelCheck) -> Array:
        dry = np.zeros((hi - lo, STEREO), dtype=np.float32)
        sends = {name: np.zeros_like(dry) for name in self.reverbs}
        for clip in self.clips:
            _check(cancelled)
            clip.add(lo, dry, sends)
        for name, reverb in self.reverbs.items():
            dry += reverb.wet(sends[name])
        return dry * self.gain


@dataclass
class _Walk:
    """The timeline's blocks, the tracks spilled as mixed, and the dialogue's level for ducking."""

    timeline: Timeline
    block: int
    cancelled: CancelCheck
    channels: int = STEREO  # of the master and stems: 1 folds the stereo bus down before mastering
    stems: bool = True  # write a stem per track (else only the master)
    tracks: list[Spill | None] = field(default_factory=list)  # None: a track with no clips
    levels: list[npt.NDArray[np.float64]] = field(default_factory=list)

    def ranges(self) -> Iterator[tuple[int, int]]:
        return blocks(self.timeline.frames, self.cancelled, self.block)

    def close(self) -> None:
        for spill in self.tracks:
            if spill is not None:
                spill.close()


def _mix_tracks(walk: _Walk, sources: _Sources, threads: int) -> None:
    """First walk: every track mixed block by block into its spill; the dialogue's level noted."""
    timeline = walk.timeline
    mixers = [_TrackMixer(t, sources, timeline) for t in timeline.tracks]
    walk.tracks += [Spill(timeline.rate, STEREO) if t.clips else None for t in timeline.tracks]
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for lo, hi in walk.ranges():
            parts = list(pool.map(_TrackMixer.block, mixers, repeat(lo), repeat(hi), repeat(walk.cancelled)))
            key = np.zeros((hi - lo, STEREO), dtype=np.float32)
            for mixer, spill, part in zip(mixers, walk.tracks, parts, strict=True):
                if spill is not None:
                    spill.append(part)
                if mixer.track.kind is TrackKind.DIALOGUE:
                    key += part
            walk.levels.append(frame_levels(key, timeline.rate))


def _ducked(walk: _Walk, lo: int, hi: int, amount: npt.NDArray[np.float64] | None) -> list[Array]:
    """The tracks' frames ``lo:hi``, beds ducked under the dialogue."""
    timeline = walk.timeline
    duck = duck_block(amount, timeline.rate, timeline.ducking, lo, hi) if amount is not None else None
    parts = []
    for track, spill in zip(timeline.tracks, walk.tracks, strict=True):
        if spill is None:
            parts.append(np.zeros((hi - lo, walk.channels), dtype=np.float32))
            continue
        part = spill.read(lo, hi)
        part = part * duck[:, None] if duck is not None and track.ducked else part
        parts.append(part.mean(axis=1, keepdims=True) if walk.channels == 1 else part)
    return parts


def _premaster(walk: _Walk, amount: npt.NDArray[np.float64] | None) -> tuple[Spill, PremasterMeter]:
    """Second walk: the ducked tracks summed and metered."""
    rate = walk.timeline.rate
    premaster, meter = Spill(rate, walk.channels), PremasterMeter(rate, walk.channels)
    for lo, hi in walk.ranges():
        total = np.zeros((hi - lo, walk.channels), dtype=np.float32)
        for part in _ducked(walk, lo, hi, amount):
            total += part
        premaster.append(total)
        meter.feed(total)
    return premaster, meter


def _mastered(walk: _Walk, amount: npt.NDArray[np.float64] | None, premaster: Spill,
              curve: Spill) -> tuple[Spill, list[Spill], float, float]:
    """Last walk: the curve applied to the premaster and to every ducked track; the master metered."""
    rate = walk.timeline.rate
    master = Spill(rate, walk.channels)
    stems = [Spill(rate, walk.channels) for _ in walk.tracks] if walk.stems else []
    meter, lowest = LoudnessMeter(rate, walk.channels), math.inf
    try:
        for lo, hi in walk.ranges():
            gain = curve.read(lo, hi)
            lowest = min(lowest, float(gain.min(initial=math.inf)))
            out = premaster.read(lo, hi) * gain
            master.append(out)
            meter.feed(out)
            if stems:
                for stem, part in zip(stems, _ducked(walk, lo, hi, amount), strict=True):
                    stem.append(part * gain)
    except BaseException:
        for spill in (master, *stems):
            spill.close()
        raise
    return master, stems, meter.integrated(), lowest


def render_stream(timeline: Timeline, sources: Mapping[str, Source], threads: int = 1,
                  cancelled: CancelCheck = never, block: int | None = None,
                  channels: int = STEREO, stems: bool = True) -> SpilledMix:
    """Mix ``timeline`` from ``sources`` (any rate, mono or stereo; in memory or spilled) to a mastered
    stereo master and its stems, spilled to disk; memory stays that of a few blocks and the clips
    playing in them, however long the timeline.

    ``threads`` > 1 mixes tracks concurrently (numpy and scipy release the GIL in the heavy parts);
    leave it at 1 where several workers already share the cores. ``cancelled`` is polled between
    clips and blocks: ``Cancelled`` is raised once it is true. ``block``: frames per block (a multiple
    of ``block_frames``'s factors; tests use small ones), by default ``block_frames(timeline.rate)``.
    ``channels`` 1: the stereo bus is folded down to mono before mastering, so a mono delivery
    measures the loudness target itself (not 3 dB under it, as a stereo master averaged down would).
    ``stems`` False: only the master is written (the stems cost a write of the whole programme each).
    """
    walk = _Walk(timeline, block or block_frames(timeline.rate), cancelled, channels, stems)
    try:
        _mix_tracks(walk, _Sources(sources, timeline, cancelled), threads)
        levels = np.concatenate(walk.levels) if walk.levels else np.zeros(0)
        amount = duck_amount(levels, timeline.ducking) if any(t.ducked for t in timeline.tracks) else None
        premaster, meter = _premaster(walk, amount)
        with premaster:
            curve, makeup, peak = master_curve(premaster, meter, timeline.master, walk.block, cancelled)
            with curve:
                master, written, loudness, lowest = _mastered(walk, amount, premaster, curve)
    finally:
        walk.close()
    report = MasterReport(integrated_lufs=loudness, true_peak_dbtp=peak, makeup_db=20.0 * math.log10(makeup),
                          max_reduction_db=max(0.0, -20.0 * math.log10(max(lowest / makeup, 1e-12))))
    spilled = tuple(SpilledStem(t.name, t.kind, s) for t, s in zip(timeline.tracks, written, strict=True)
                    ) if written else ()
    return SpilledMix(master, spilled, report, walk.block)


def render(timeline: Timeline, sources: Mapping[str, Source], threads: int = 1,
           cancelled: CancelCheck = never) -> Mix:
    """``render_stream`` read back into memory: for short timelines (a video's track, a test)."""
    with render_stream(timeline, sources, threads, cancelled) as spilled:
        return spilled.load(cancelled)
