"""Spilled audio: float32 frames kept in an unlinked temporary file instead of memory (issue 16).

A long production passes through the mixer and the mastering stage block by block; what a later pass
must read again (a track before mastering, the premaster, the gain curve) is written here as it is made
and read back by frame range. The file lives in the page cache, not in the worker's resident memory,
and disappears when it is closed (or the process dies: it has no name). Spills go to the temporary
directory (``TMPDIR``): a job needs about a dozen times its programme as float32 there while it mixes
(a 10-minute designed scene with stems at 48 kHz stereo: about 2.8 GB), none once it is done.

Writes are appends in timeline order; reads are any range (``pread``), so one spill may be read by
several passes. ``peak`` is kept as the frames go in: a stem that stayed silent is known without a read.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
import numpy.typing as npt

from soundstage.audio.buffer import AudioBuffer
from soundstage.cancellation import CancelCheck, blocks, never
from soundstage.errors import StorageFull

__all__ = ["Source", "Spill", "Stretch", "loaded"]

_ITEM = np.dtype(np.float32).itemsize


class Spill:
    """Append-only frames of ``channels`` float32 samples at ``rate``, read back by range."""

    def __init__(self, rate: int, channels: int, directory: Path | None = None) -> None:
        self.rate, self.channels = rate, channels
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 (closed by close())
        self._frames = 0
        self.peak = 0.0  # largest |sample| written

    @property
    def frames(self) -> int:
        return self._frames

    @property
    def duration(self) -> float:
        return self._frames / self.rate

    def append(self, samples: npt.NDArray[np.float32]) -> None:
        """Add frames ``(n, channels)`` (or ``(n,)`` for one channel) at the end."""
        data = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1, self.channels)
        if data.size:
            self.peak = max(self.peak, float(data.max()), -float(data.min()))
        try:
            os.pwrite(self._file.fileno(), data.data, self._frames * self.channels * _ITEM)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(f"scratch space: no room to spill the mix in {tempfile.gettempdir()!r}"
                                  f" ({e.strerror}); set TMPDIR to a larger disk") from e
            raise
        self._frames += data.shape[0]

    def read(self, lo: int, hi: int) -> npt.NDArray[np.float32]:
        """Frames ``lo:hi`` as ``(n, channels)``, clamped to what was written (like slicing)."""
        lo, hi = max(0, min(lo, self._frames)), max(0, min(hi, self._frames))
        if hi <= lo:
            return np.zeros((0, self.channels), dtype=np.float32)
        size = (hi - lo) * self.channels * _ITEM
        data = os.pread(self._file.fileno(), size, lo * self.channels * _ITEM)
        return np.frombuffer(data, dtype=np.float32).reshape(-1, self.channels).copy()

    def window(self, lo: int, hi: int, before: int, after: int) -> tuple[npt.NDArray[np.float32], int]:
        """Frames ``lo - before : hi + after`` clamped to the spill, and where ``lo`` sits in them."""
        first = max(lo - before, 0)
        return self.read(first, hi + after), lo - first

    def blocks(self, size: int, cancelled: CancelCheck = never) -> Iterator[AudioBuffer]:
        """The whole spill as buffers of ``size`` frames (the last may be shorter)."""
        for lo, hi in blocks(self._frames, cancelled, size):
            yield AudioBuffer(self.read(lo, hi), self.rate)

    def load(self, cancelled: CancelCheck = never) -> AudioBuffer:
        """All of it in memory: for short audio (a video's track, a test), never for long-form.
        Read in blocks, ``cancelled`` looked at between them."""
        out = np.empty((self._frames, self.channels), dtype=np.float32)
        for lo, hi in blocks(self._frames, cancelled):
            out[lo:hi] = self.read(lo, hi)
        return AudioBuffer(out, self.rate)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass(frozen=True)
class Stretch:
    """Frames ``lo : lo + frames`` of a spill: audio that waits on disk until the mixer reaches it
    (a long read's spoken lines), then is loaded for as long as its clip plays."""

    spill: Spill
    lo: int
    frames: int

    @property
    def rate(self) -> int:
        return self.spill.rate

    @property
    def channels(self) -> int:
        return self.spill.channels

    @property
    def duration(self) -> float:
        return self.frames / self.rate

    def read(self, lo: int, hi: int) -> npt.NDArray[np.float32]:
        """Frames ``lo:hi`` of the stretch, clamped to it (like slicing)."""
        lo, hi = max(0, min(lo, self.frames)), max(0, min(hi, self.frames))
        return self.spill.read(self.lo + lo, self.lo + hi)

    def load(self) -> AudioBuffer:
        return AudioBuffer(self.read(0, self.frames), self.rate)


Source = AudioBuffer | Stretch
"""What a clip plays: audio in memory, or a stretch of a spill loaded when its clip starts."""


def loaded(source: Source) -> AudioBuffer:
    return source.load() if isinstance(source, Stretch) else source
