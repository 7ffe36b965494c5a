"""AudioBuffer: float32 samples with their rate, the unit everything audio passes around.

Samples are shaped ``(frames, channels)``, float32, nominal full scale +-1.0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["MIX_RATE", "SPEECH_RATE", "AudioBuffer"]

MIX_RATE = 48_000  # Hz: the mixer's working rate (Seedance's track is 48 kHz stereo)
SPEECH_RATE = 24_000  # Hz: Kokoro-82M's output rate


@dataclass(frozen=True)
class AudioBuffer:
    samples: npt.NDArray[np.float32]  # (frames, channels)
    rate: int  # Hz

    def __post_init__(self) -> None:
        if self.samples.ndim != 2:
            raise ValueError(f"samples must be (frames, channels), got shape {self.samples.shape}")
        if self.samples.dtype != np.float32:
            raise ValueError(f"samples must be float32, got {self.samples.dtype}")
        if self.rate <= 0:
            raise ValueError(f"rate must be positive, got {self.rate}")

    @classmethod
    def from_mono(cls, mono: npt.ArrayLike, rate: int) -> AudioBuffer:
        return cls(np.asarray(mono, dtype=np.float32).reshape(-1, 1), rate)

    @classmethod
    def silence(cls, frames: int, rate: int, channels: int = 1) -> AudioBuffer:
        return cls(np.zeros((frames, channels), dtype=np.float32), rate)

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.frames / self.rate

    def mono(self) -> npt.NDArray[np.float32]:
        """A 1-D mono mixdown (mean of channels)."""
        return self.samples.mean(axis=1, dtype=np.float32)
