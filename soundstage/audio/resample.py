"""Sample-rate and channel conversion (soxr, very-high quality)."""

from __future__ import annotations

import numpy as np
import soxr

from soundstage.audio.buffer import AudioBuffer

__all__ = ["STEREO", "resample", "to_channels"]

STEREO = 2


def resample(buf: AudioBuffer, rate: int) -> AudioBuffer:
    """``buf`` at ``rate``; the length is exactly round(frames * rate / buf.rate)."""
    if rate == buf.rate:
        return buf
    target = round(buf.frames * rate / buf.rate)
    if buf.frames == 0:
        return AudioBuffer.silence(0, rate, buf.channels)
    out = soxr.resample(buf.samples, buf.rate, rate, quality="VHQ")
    out = np.asarray(out, dtype=np.float32).reshape(-1, buf.channels)
    if out.shape[0] < target:
        out = np.pad(out, ((0, target - out.shape[0]), (0, 0)))
    return AudioBuffer(np.ascontiguousarray(out[:target]), rate)


def to_channels(buf: AudioBuffer, channels: int) -> AudioBuffer:
    """Mono is copied to every channel; more channels than wanted are averaged down to mono first."""
    if buf.channels == channels:
        return buf
    mono = buf.mono()
    return AudioBuffer(np.repeat(mono[:, None], channels, axis=1), buf.rate)
