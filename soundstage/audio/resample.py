"""Sample-rate and channel conversion (soxr, very-high quality)."""

from __future__ import annotations

import numpy as np
import soxr

from soundstage import cancellation
from soundstage.audio.buffer import AudioBuffer
from soundstage.cancellation import CancelCheck, blocks, never

__all__ = ["STEREO", "resample", "to_channels"]

STEREO = 2


def resample(buf: AudioBuffer, rate: int, cancelled: CancelCheck = never) -> AudioBuffer:
    """``buf`` at ``rate``; the length is exactly round(frames * rate / buf.rate).

    Long buffers are streamed through the resampler in blocks (the output is identical), with
    ``cancelled`` looked at between them (issue 9)."""
    if rate == buf.rate:
        return buf
    target = round(buf.frames * rate / buf.rate)
    if buf.frames == 0:
        return AudioBuffer.silence(0, rate, buf.channels)
    if buf.frames <= cancellation.BLOCK_FRAMES:
        out = soxr.resample(buf.samples, buf.rate, rate, quality="VHQ")
    else:
        stream = soxr.ResampleStream(buf.rate, rate, buf.channels, dtype="float32", quality="VHQ")
        part = buf.samples.astype(np.float32, copy=False)
        out = np.concatenate([stream.resample_chunk(np.ascontiguousarray(part[lo:hi]), last=hi == buf.frames)
                              for lo, hi in blocks(buf.frames, cancelled)])  # resampled as the blocks come
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
