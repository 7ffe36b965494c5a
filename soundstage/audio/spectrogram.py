"""Spectrogram images for review (test artifacts, listening sets), written as PNG with numpy and zlib.

No plotting library: a log-frequency, dB-scaled magnitude image with a simple heat colormap is
enough to see bands, onsets, loops and clicks at a glance.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

from soundstage.audio.buffer import AudioBuffer

__all__ = ["spectrogram_db", "write_png", "write_spectrogram"]

WINDOW = 2048  # samples: ~43 ms at 48 kHz, resolves ~23 Hz
DYNAMIC_RANGE_DB = 90.0
LOW_HZ = 20.0
IMAGE_HEIGHT = 256


def spectrogram_db(buf: AudioBuffer, columns: int = 800) -> npt.NDArray[np.float64]:
    """(IMAGE_HEIGHT, columns) magnitude in dB re the loudest cell, log-spaced from 20 Hz to Nyquist."""
    mono = buf.mono().astype(np.float64)
    if mono.size < WINDOW:
        mono = np.pad(mono, (0, WINDOW - mono.size))
    starts = np.linspace(0, mono.size - WINDOW, columns).astype(np.int64)
    frames = mono[starts[:, None] + np.arange(WINDOW)] * np.hanning(WINDOW)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    freqs = np.fft.rfftfreq(WINDOW, 1.0 / buf.rate)
    rows = np.geomspace(LOW_HZ, buf.rate / 2, IMAGE_HEIGHT)
    idx = np.clip(np.searchsorted(freqs, rows), 0, freqs.size - 1)
    db = 10 * np.log10(power[:, idx].T + 1e-20)
    return np.asarray(db - db.max(), dtype=np.float64)[::-1]  # high frequencies at the top


def _heat(level: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
    """0..1 -> black, purple, orange, pale yellow."""
    r = np.clip(1.8 * level, 0, 1)
    g = np.clip(1.8 * level - 0.7, 0, 1)
    b = np.clip(np.sin(np.pi * level) * 0.8 + np.clip(level - 0.85, 0, 1) * 4, 0, 1)
    return (np.stack([r, g, b], axis=-1) * 255).astype(np.uint8)


def write_png(path: Path, rgb: npt.NDArray[np.uint8]) -> None:
    """Minimal PNG (8-bit RGB, no interlace), per the PNG specification's required chunks."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6))
           + chunk(b"IEND", b""))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)


def write_spectrogram(buf: AudioBuffer, path: Path) -> Path:
    db = spectrogram_db(buf)
    level = np.clip((db + DYNAMIC_RANGE_DB) / DYNAMIC_RANGE_DB, 0, 1)
    write_png(path, _heat(level))
    return path
