"""Encoding audio as it is made: push buffers in, take bytes out, and the bytes so far are a valid prefix.

The formats are the OpenAI speech route's: mp3, opus (Ogg), aac (ADTS), flac, wav and pcm. Each is a
stream format a player can start on before the end: MP3 frames, Ogg pages and ADTS frames stand
alone; FLAC's STREAMINFO leaves the total length unknown (0) as the FLAC spec allows for streams;
WAV declares the largest sizes (0xFFFFFFFF, as streaming servers do) since the length is not known
when the header goes out. ``close`` flushes the encoder; the concatenation of everything returned is
the whole file, which is what gets stored.
"""

from __future__ import annotations

import enum
import io
import struct
from typing import Any

import av
import numpy as np

from soundstage.audio.buffer import AudioBuffer

__all__ = ["StreamEncoder", "StreamFormat"]

INT16_SCALE = 32767.0
BITRATE = {"mp3": 64_000, "opus": 32_000, "aac": 64_000}  # bits/s for mono speech: transparent enough
UNKNOWN_SIZE = 0xFFFFFFFF  # RIFF sizes of a WAV stream whose length is not known yet
_AV = {"mp3": ("mp3", "libmp3lame", {"write_xing": "0", "id3v2_version": "0"}),
       "opus": ("ogg", "libopus", {"page_duration": "20000"}),  # µs: a page per Opus frame, out at once
       "aac": ("adts", "aac", {}),
       "flac": ("flac", "flac", {})}


class StreamFormat(enum.Enum):
    MP3 = "mp3"
    OPUS = "opus"
    AAC = "aac"
    FLAC = "flac"
    WAV = "wav"
    PCM = "pcm"

    @property
    def content_type(self) -> str:
        return {"mp3": "audio/mpeg", "opus": "audio/ogg; codecs=opus", "aac": "audio/aac",
                "flac": "audio/flac", "wav": "audio/wav", "pcm": "audio/pcm"}[self.value]

    @property
    def extension(self) -> str:
        return {"opus": "ogg"}.get(self.value, self.value)


class _Sink:
    """A write-only file for PyAV: no ``seek``, so muxers write streamable output and never go back."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def write(self, data: bytes) -> int:
        return self.buffer.write(data)

    def take(self) -> bytes:
        data = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return data


def _int16(buf: AudioBuffer) -> np.ndarray:
    return (np.clip(buf.samples, -1.0, 1.0) * INT16_SCALE).round().astype("<i2")


def wav_header(rate: int, channels: int, data_bytes: int = UNKNOWN_SIZE) -> bytes:
    """A 44-byte PCM s16le WAV header (RIFF sizes clamp at 0xFFFFFFFF: unknown)."""
    riff = min(data_bytes + 36, UNKNOWN_SIZE)
    return (b"RIFF" + struct.pack("<I", riff) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16) +
            b"data" + struct.pack("<I", min(data_bytes, UNKNOWN_SIZE)))


class StreamEncoder:
    """One stream of one format at one rate and channel count; not thread-safe."""

    def __init__(self, fmt: StreamFormat, rate: int, channels: int = 1) -> None:
        self.format, self.rate, self.channels = fmt, rate, channels
        self._samples = 0
        self._header = fmt is StreamFormat.WAV
        self._sink = _Sink()
        self._container: Any = None
        self._stream: Any = None
        if fmt.value in _AV:
            self._open(*_AV[fmt.value])

    def _open(self, container: str, codec: str, options: dict[str, str]) -> None:
        layout = "mono" if self.channels == 1 else "stereo"
        self._container = av.open(self._sink, mode="w", format=container, options=options)
        self._stream = self._container.add_stream(codec, rate=self.rate, layout=layout)
        if codec in ("libmp3lame", "libopus", "aac"):
            self._stream.bit_rate = BITRATE[self.format.value] * self.channels

    def push(self, buf: AudioBuffer) -> bytes:
        """Encode ``buf`` (at the stream's rate and channels); the bytes ready so far."""
        if buf.rate != self.rate or buf.channels != self.channels:
            raise ValueError(f"stream is {self.rate} Hz x{self.channels}, got {buf.rate} Hz x{buf.channels}")
        pcm = _int16(buf)
        head = wav_header(self.rate, self.channels) if self._header else b""
        self._header = False
        if self._container is None:
            return head + pcm.tobytes()
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16",
                                           layout="mono" if self.channels == 1 else "stereo")
        frame.sample_rate, frame.pts = self.rate, self._samples
        self._samples += buf.frames
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        return self._sink.take()

    def close(self) -> bytes:
        """Flush the encoder and the container: the last bytes of the file."""
        if self._container is None:
            return wav_header(self.rate, self.channels) if self._header else b""
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()
        self._container = None
        return self._sink.take()
