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
from dataclasses import dataclass

import av
import numpy as np

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.resample import resample
from soundstage.cancellation import CancelCheck, blocks, never
from soundstage.cancellation import check as _check
from soundstage.errors import InvalidInput

__all__ = ["OPUS_RATES", "AudioFormat", "Encoded", "Probe", "decode", "encode", "probe"]

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


def _encode_av(buf: AudioBuffer, container: str, codec: str, bit_rate: int | None,
               cancelled: CancelCheck = never) -> bytes:
    out = io.BytesIO()
    block = round(BLOCK_SECONDS * buf.rate)
    with av.open(out, mode="w", format=container) as dst:
        stream = dst.add_stream(codec, rate=buf.rate, layout=_layout(buf.channels))
        assert isinstance(stream, av.AudioStream)
        if bit_rate:
            stream.bit_rate = bit_rate
        for start in range(0, max(buf.frames, 1), block):  # packed s16: frames are interleaved runs
            _check(cancelled)
            part = _int16(AudioBuffer(buf.samples[start:start + block], buf.rate)).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(part, format="s16", layout=_layout(buf.channels))
            frame.sample_rate = buf.rate
            frame.pts = start
            for packet in stream.encode(frame):
                dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out.getvalue()


def encode(buf: AudioBuffer, fmt: AudioFormat, rate: int, cancelled: CancelCheck = never) -> Encoded:
    """``buf`` resampled to ``rate`` (Opus: see the module docstring) and encoded as ``fmt``.

    ``cancelled`` is polled between blocks of ``BLOCK_SECONDS``; ``Cancelled`` once it is true."""
    if fmt is AudioFormat.OGG_OPUS:
        buf = resample(buf, rate if rate in OPUS_RATES else OPUS_DECODE_RATE, cancelled)
        data = _encode_av(buf, "ogg", "libopus", OPUS_BITRATE[buf.channels], cancelled)
        return Encoded(data, "audio/ogg; codecs=opus", fmt.extension)
    buf = resample(buf, rate, cancelled)
    _check(cancelled)
    if fmt is AudioFormat.PCM:
        _layout(buf.channels)
        step = round(BLOCK_SECONDS * buf.rate)
        data = b"".join(_int16(AudioBuffer(buf.samples[lo:hi], buf.rate)).tobytes()
                        for lo, hi in blocks(buf.frames, cancelled, step))
        return Encoded(data, f"audio/pcm;rate={rate};channels={buf.channels};format=s16le", fmt.extension)
    if fmt is AudioFormat.WAV:
        return Encoded(_encode_av(buf, "wav", "pcm_s16le", None, cancelled), "audio/wav", fmt.extension)
    data = _encode_av(buf, "mp3", "libmp3lame", MP3_BITRATE[buf.channels], cancelled)
    return Encoded(data, "audio/mpeg", fmt.extension)


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
        raise InvalidInput("audio: the file holds no decodable audio", field="audio", value=f"{len(data)} bytes")
    samples = np.concatenate(chunks).astype(np.float32)
    if np.issubdtype(chunks[0].dtype, np.integer):
        samples /= float(np.iinfo(chunks[0].dtype).max)
    return AudioBuffer(np.ascontiguousarray(samples), rate)


def probe(data: bytes, fmt: AudioFormat, pcm_rate: int = 24_000, pcm_channels: int = 1,
          cancelled: CancelCheck = never) -> Probe:
    """Measure an encoded file by decoding all of it."""
    buf = decode(data, fmt, pcm_rate, pcm_channels, cancelled)
    return Probe(duration=buf.frames / buf.rate, sample_rate=buf.rate, channels=buf.channels, frames=buf.frames)
