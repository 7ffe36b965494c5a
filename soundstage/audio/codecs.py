"""Encoding and decoding through PyAV (ffmpeg's codecs): wav, mp3, raw pcm and ogg/opus.

Every figure reported about an encoded file (duration, rate, channels) is measured by decoding the
bytes that were written (``probe``), never taken from what was asked for.

Opus always decodes at 48 kHz (RFC 7845: the Ogg Opus header's input rate is informational), and
libopus codes 8/12/16/24/48 kHz. A request for 8/16/24 kHz encodes at that rate, which sets the coded
bandwidth; 32 and 44.1 kHz are encoded at 48 kHz, since resampling down to 24 kHz would throw away
audio the user asked to keep. Either way what a player gets, and what ``probe`` reports, is 48 kHz.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

import av
import numpy as np
import soxr

from soundstage.audio.buffer import AudioBuffer
from soundstage.cancellation import CancelCheck, blocks, never
from soundstage.cancellation import check as _check
from soundstage.errors import InvalidInput

__all__ = ["OPUS_RATES", "AudioFormat", "Encoded", "Probe", "decode", "encode", "encode_stream", "probe"]

OPUS_RATES = (8_000, 12_000, 16_000, 24_000, 48_000)  # Hz, what libopus codes
OPUS_DECODE_RATE = 48_000  # Hz, RFC 7845
INT16_SCALE = 32767.0
MP3_BITRATE = {1: 128_000, 2: 192_000}  # bits/s by channels: transparent for speech and mixes
OPUS_BITRATE = {1: 48_000, 2: 96_000}
BLOCK_SECONDS = 2.0  # audio handed to the encoder at a time: cancellation is seen between blocks (issue 9)


class AudioFormat(enum.Enum):
    WAV = "wav"
    MP3 = "mp3"
    PCM = "pcm"
    OGG_OPUS = "ogg_opus"

    @property
    def extension(self) -> str:
        return {"wav": "wav", "mp3": "mp3", "pcm": "pcm", "ogg_opus": "ogg"}[self.value]


@dataclass(frozen=True)
class Encoded:
    data: bytes
    content_type: str
    extension: str


@dataclass(frozen=True)
class Probe:
    duration: float  # seconds, from the decoded samples
    sample_rate: int  # Hz, as decoded
    channels: int
    frames: int


def _int16(buf: AudioBuffer) -> np.ndarray:
    return (np.clip(buf.samples, -1.0, 1.0) * INT16_SCALE).round().astype("<i2")


def _layout(channels: int) -> str:
    if channels not in (1, 2):
        raise InvalidInput(f"channels: {channels} channels cannot be encoded; 1 or 2 are supported",
                           field="channels", value=channels)
    return "mono" if channels == 1 else "stereo"


class _Resampler:
    """``resample`` for audio that arrives in blocks: the same filter, the same exact output length
    (round(frames * rate / rate_in)), padded or trimmed at the end."""

    def __init__(self, rate_in: int, rate: int, channels: int, frames: int) -> None:
        self.rate_in, self.rate, self.channels = rate_in, rate, channels
        self.target, self.done = round(frames * rate / rate_in), 0
        self.stream = (None if rate == rate_in else
                       soxr.ResampleStream(rate_in, rate, channels, dtype="float32", quality="VHQ"))

    def push(self, buf: AudioBuffer, last: bool) -> AudioBuffer:
        out = buf.samples
        if self.stream is not None:
            part = np.ascontiguousarray(buf.samples, dtype=np.float32)
            out = (np.asarray(self.stream.resample_chunk(part, last=last), np.float32)
                   .reshape(-1, self.channels))
        out = out[: max(self.target - self.done, 0)]
        if last and self.done + out.shape[0] < self.target:
            out = np.concatenate([out, np.zeros((self.target - self.done - out.shape[0], self.channels),
                                                np.float32)])
        self.done += out.shape[0]
        return AudioBuffer(np.ascontiguousarray(out), self.rate)


def _resampled(parts: Iterable[AudioBuffer], frames: int, rate_in: int, rate: int,
               channels: int) -> Iterator[AudioBuffer]:
    """``parts`` (``frames`` in all, at ``rate_in``) resampled to ``rate`` as they come."""
    resampler, seen = _Resampler(rate_in, rate, channels, frames), 0
    for part in parts:
        seen += part.frames
        yield resampler.push(part, last=seen >= frames)
    if seen < frames or frames == 0:
        yield resampler.push(AudioBuffer.silence(0, rate_in, channels), last=True)


def _write_av(parts: Iterable[AudioBuffer], rate: int, channels: int, out: IO[bytes], container: str,
              codec: str, bit_rate: int | None, cancelled: CancelCheck = never) -> None:
    block = round(BLOCK_SECONDS * rate)
    with av.open(out, mode="w", format=container) as dst:
        stream = dst.add_stream(codec, rate=rate, layout=_layout(channels))
        assert isinstance(stream, av.AudioStream)
        if bit_rate:
            stream.bit_rate = bit_rate
        pts = 0
        for buf in parts:
            for start in range(0, buf.frames, block):  # packed s16: frames are interleaved runs
                _check(cancelled)
                part = _int16(AudioBuffer(buf.samples[start:start + block], rate)).reshape(1, -1)
                frame = av.AudioFrame.from_ndarray(part, format="s16", layout=_layout(channels))
                frame.sample_rate = rate
                frame.pts = pts
                pts += part.shape[1] // channels
                for packet in stream.encode(frame):
                    dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)


def encode_stream(parts: Iterable[AudioBuffer], frames: int, rate_in: int, channels: int, fmt: AudioFormat,
                  rate: int, out: IO[bytes], cancelled: CancelCheck = never) -> tuple[str, str]:
    """Audio arriving in ``parts`` (``frames`` in all at ``rate_in``) resampled to ``rate`` (Opus: see the
    module docstring), encoded as ``fmt`` and written to ``out`` as it goes; memory stays that of a
    block (issue 16). Returns the content type and the file extension."""
    _layout(channels)
    if fmt is AudioFormat.OGG_OPUS:
        coded = rate if rate in OPUS_RATES else OPUS_DECODE_RATE
        _write_av(_resampled(parts, frames, rate_in, coded, channels), coded, channels, out, "ogg", "libopus",
                  OPUS_BITRATE[channels], cancelled)
        return "audio/ogg; codecs=opus", fmt.extension
    resampled = _resampled(parts, frames, rate_in, rate, channels)
    if fmt is AudioFormat.PCM:
        for buf in resampled:
            step = round(BLOCK_SECONDS * buf.rate)
            for lo, hi in blocks(buf.frames, cancelled, step):
                out.write(_int16(AudioBuffer(buf.samples[lo:hi], buf.rate)).tobytes())
        return f"audio/pcm;rate={rate};channels={channels};format=s16le", fmt.extension
    if fmt is AudioFormat.WAV:
        _write_av(resampled, rate, channels, out, "wav", "pcm_s16le", None, cancelled)
        return "audio/wav", fmt.extension
    _write_av(resampled, rate, channels, out, "mp3", "libmp3lame", MP3_BITRATE[channels], cancelled)
    return "audio/mpeg", fmt.extension


def encode(buf: AudioBuffer, fmt: AudioFormat, rate: int, cancelled: CancelCheck = never) -> Encoded:
    """``buf`` resampled to ``rate`` (Opus: see the module docstring) and encoded as ``fmt``.

    ``cancelled`` is polled between blocks of ``BLOCK_SECONDS``; ``Cancelled`` once it is true."""
    out = io.BytesIO()
    parts = (AudioBuffer(buf.samples[lo:hi], buf.rate) for lo, hi in blocks(buf.frames, cancelled))
    content_type, extension = encode_stream(parts, buf.frames, buf.rate, buf.channels, fmt, rate, out,
                                            cancelled)
    return Encoded(out.getvalue(), content_type, extension)


def decode(data: bytes, fmt: AudioFormat | None = None, pcm_rate: int = 24_000, pcm_channels: int = 1,
           cancelled: CancelCheck = never) -> AudioBuffer:
    """Any file PyAV reads (or raw s16le pcm) to float32."""
    if fmt is AudioFormat.PCM:
        samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / INT16_SCALE
        return AudioBuffer(samples.reshape(-1, pcm_channels), pcm_rate)
    chunks: list[np.ndarray] = []
    rate, channels = 0, 0
    with av.open(io.BytesIO(data), mode="r") as src:
        stream = src.streams.audio[0]
        for frame in src.decode(stream):
            if len(chunks) % 64 == 0:
                _check(cancelled)
            array = frame.to_ndarray()
            channels = len(frame.layout.channels)
            rate = frame.sample_rate
            if frame.format.is_planar:
                chunks.append(array.T)
            else:
                chunks.append(array.reshape(-1, channels))
    if not chunks:
        raise InvalidInput("audio: the file holds no decodable audio", field="audio",
                           value=f"{len(data)} bytes")
    samples = np.concatenate(chunks).astype(np.float32)
    if np.issubdtype(chunks[0].dtype, np.integer):
        samples /= float(np.iinfo(chunks[0].dtype).max)
    return AudioBuffer(np.ascontiguousarray(samples), rate)


def probe(data: bytes | IO[bytes], fmt: AudioFormat, pcm_rate: int = 24_000, pcm_channels: int = 1,
          cancelled: CancelCheck = never) -> Probe:
    """Measure an encoded file by decoding all of it, a frame at a time (nothing is kept)."""
    if fmt is AudioFormat.PCM:
        size = len(data) if isinstance(data, bytes) else data.seek(0, io.SEEK_END)
        frames = size // (2 * pcm_channels)
        return Probe(duration=frames / pcm_rate, sample_rate=pcm_rate, channels=pcm_channels, frames=frames)
    frames, rate, channels = 0, 0, 0
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with av.open(source, mode="r") as src:
        for i, frame in enumerate(src.decode(src.streams.audio[0])):
            if i % 64 == 0:
                _check(cancelled)
            frames += frame.samples
            rate, channels = frame.sample_rate, len(frame.layout.channels)
    if rate == 0:
        raise InvalidInput("audio: the file holds no decodable audio", field="audio", value="0 frames")
    return Probe(duration=frames / rate, sample_rate=rate, channels=channels, frames=frames)
