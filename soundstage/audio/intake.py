"""Audio from users (reference clips): decoded in bounded time and memory, refused when incomplete.

Issue 9 (media fuzzing): every reference is decoded at submit, and whatever the bytes are, the answer
is a clip or an ``InvalidInput`` naming the field, quickly:

- only the demuxers of the accepted formats are tried (``formats``): no playlists and no nested URLs
  (ffmpeg's hls and concat demuxers would otherwise open whatever a file names);
- decoding stops as soon as more than ``max_seconds`` have come out, so a small file that expands to
  hours of silence costs what the limit allows and no more; sample rate and channels are bounded too;
- a file that says it was cut short is refused rather than measured short: a WAV whose data chunk
  claims more bytes than follow, an Ogg stream whose last page is cut or lacks its end-of-stream mark
  or whose pages lost audio (decoded length short of its last granule), an MP3 whose last frame is
  incomplete. (A cut that lands exactly on an MP3 frame boundary cannot be told from a shorter file.)
- raw PCM (no header) takes its rate and channels from the content type (``audio/pcm;rate=..``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np

from soundstage.audio.buffer import AudioBuffer
from soundstage.errors import InvalidInput

__all__ = ["PCM_TYPES", "ClipLimits", "read_clip"]

PCM_TYPES = ("audio/pcm", "audio/l16", "audio/x-pcm", "audio/raw")
DEFAULT_PCM_RATE = 24_000
MIN_RATE, MAX_RATE = 4_000, 192_000  # Hz
MAX_CHANNELS = 8
INT16_SCALE = 32767.0
OGG_LOST_SECONDS = 0.1  # decoded audio this much shorter than the last granule says: pages were lost


@dataclass(frozen=True)
class ClipLimits:
    max_seconds: float
    formats: str = "wav,mp3,ogg"  # ffmpeg demuxer names
    described: str = "wav, mp3, pcm or ogg_opus"  # for the message


def read_clip(data: bytes, content_type: str, field: str, limits: ClipLimits) -> AudioBuffer:
    """Decode a user's clip; ``InvalidInput`` naming ``field`` for anything unusable or over the limit."""
    if not data:
        raise _refuse(field, "the file is empty (0 bytes)", "0 bytes")
    if content_type.lower().startswith(PCM_TYPES):
        clip = _pcm(data, content_type, field)
    else:
        cut = _wav_cut(data) or _ogg_cut(data) or _mp3_cut(data)
        if cut:
            raise _refuse(field, f"not a readable {limits.described} clip: the file is cut short or corrupt "
                                 f"({cut})", content_type or "unknown type")
        clip = _decode(data, content_type, field, limits)
    if clip.duration > limits.max_seconds:
        raise _refuse(field, f"clip is {clip.duration:.1f} s; the limit is {limits.max_seconds:g} s",
                      f"{clip.duration:.1f} s")
    if clip.frames == 0:
        raise _refuse(field, "clip holds no audio", "0 s")
    return clip


def _refuse(field: str, why: str, value: str) -> InvalidInput:
    return InvalidInput(f"{field}: {why}", field=field, value=value)


def _pcm(data: bytes, content_type: str, field: str) -> AudioBuffer:
    params = dict(p.strip().split("=", 1) for p in content_type.split(";")[1:] if "=" in p)
    try:
        rate = int(params.get("rate", DEFAULT_PCM_RATE))
        channels = int(params.get("channels", 1))
    except ValueError as e:
        raise _refuse(field, f"pcm rate and channels must be integers ({content_type})", content_type) from e
    if not MIN_RATE <= rate <= MAX_RATE or not 1 <= channels <= MAX_CHANNELS:
        raise _refuse(field, f"pcm at {rate} Hz, {channels} channel(s); the limits are "
                             f"{MIN_RATE}-{MAX_RATE} Hz and 1-{MAX_CHANNELS} channels", content_type)
    frame = 2 * channels
    if len(data) % frame:
        raise _refuse(field, f"pcm data of {len(data)} bytes is not whole 16-bit frames of "
                             f"{channels} channel(s)", f"{len(data)} bytes")
    samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / INT16_SCALE
    return AudioBuffer(samples.reshape(-1, channels), rate)


def _decode(data: bytes, content_type: str, field: str, limits: ClipLimits) -> AudioBuffer:
    try:
        options = {"format_whitelist": limits.formats}
        with av.open(io.BytesIO(data), mode="r", format=None, options=options) as src:
            if not src.streams.audio:
                raise _refuse(field, "the file holds no audio stream", content_type or "unknown type")
            stream = src.streams.audio[0]
            chunks = _frames(src, stream, field, limits)
            declared = src.duration / av.time_base if src.duration is not None else None
            is_ogg = "ogg" in src.format.name
    except InvalidInput:
        raise
    except (av.FFmpegError, ValueError, OSError, IndexError, EOFError) as e:
        raise _refuse(field, f"not a readable {limits.described} clip ({type(e).__name__})",
                      content_type or "unknown type") from e
    if not chunks:
        raise _refuse(field, "the file holds no decodable audio", f"{len(data)} bytes")
    rate = chunks[0][1]
    samples = np.concatenate([c for c, _ in chunks]).astype(np.float32)
    if is_ogg and declared is not None and samples.shape[0] / rate < declared - OGG_LOST_SECONDS:
        decoded = samples.shape[0] / rate
        raise _refuse(field, f"not a readable {limits.described} clip: the file is corrupt ({decoded:.2f} s "
                             f"decode of the {declared:.2f} s its pages declare)",
                      content_type or "unknown type")
    return AudioBuffer(np.ascontiguousarray(samples), rate)


def _frames(src: av.container.InputContainer, stream: av.AudioStream, field: str,
            limits: ClipLimits) -> list[tuple[np.ndarray, int]]:
    """Decoded frames as (samples, rate), stopping once past the limit (the limit is then reported)."""
    chunks: list[tuple[np.ndarray, int]] = []
    frames = 0
    for frame in src.decode(stream):
        rate, channels = frame.sample_rate, len(frame.layout.channels)
        changed = bool(chunks) and chunks[0][1] != rate
        if not MIN_RATE <= rate <= MAX_RATE or not 1 <= channels <= MAX_CHANNELS or changed:
            raise _refuse(field, f"audio at {rate} Hz with {channels} channel(s) is not accepted",
                          f"{rate} Hz")
        raw = frame.to_ndarray()
        raw = raw.T if frame.format.is_planar else raw.reshape(-1, channels)
        scale = float(np.iinfo(raw.dtype).max) if raw.dtype.kind in "iu" else 1.0  # type: ignore[type-var]
        array = raw.astype(np.float32) / np.float32(scale)
        chunks.append((array, rate))
        frames += array.shape[0]
        if frames / rate > limits.max_seconds:  # a bomb is refused here, long before it is all decoded
            raise _refuse(field, f"clip runs past {limits.max_seconds:g} s, the limit",
                          f"> {limits.max_seconds:g} s")
    return chunks


# --- structure: was the file cut short? ------------------------------------------------------------


def _wav_cut(data: bytes) -> str | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if chunk == b"data":
            present = len(data) - pos - 8
            if size not in (0, 0xFFFFFFFF) and size > present:  # 0 and ~0: writers that stream leave it open
                return f"its data chunk claims {size} bytes; {present} follow"
            return None
        pos += 8 + size + (size & 1)
    return "it has no data chunk"


def _ogg_cut(data: bytes) -> str | None:
    if data[:4] != b"OggS":
        return None
    pos, flags = 0, 0
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS":
            return f"no Ogg page where one should start (byte {pos})"
        if pos + 27 > len(data) or pos + 27 + data[pos + 26] > len(data):
            return "its last page is cut"
        segments = data[pos + 26]
        size = 27 + segments + sum(data[pos + 27 : pos + 27 + segments])
        if pos + size > len(data):
            return "its last page is cut"
        flags, pos = data[pos + 5], pos + size
    return None if flags & 0x04 else "it ends without its end-of-stream page"


_MP3_BITRATES = {  # kbit/s by (MPEG-1?, layer)
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {3: (44_100, 48_000, 32_000), 2: (22_050, 24_000, 16_000), 0: (11_025, 12_000, 8_000)}


def _mp3_frame(header: bytes) -> int | None:
    """Length in bytes of the MPEG audio frame starting with ``header``, None if it is no frame header."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, 4 - ((header[1] >> 1) & 3)
    bitrate_index, rate_index, padding = header[2] >> 4, (header[2] >> 2) & 3, (header[2] >> 1) & 1
    if version == 1 or layer == 4 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _MP3_BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    rate = _MP3_RATES[version][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    return (144 if mpeg1 or layer == 2 else 72) * bitrate // rate + padding


def _mp3_cut(data: bytes) -> str | None:
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:  # ID3v2 tag: a syncsafe size
        size = (data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F)
        pos = 10 + size
    end = len(data) - (128 if data[-128:-125] == b"TAG" else 0)
    length = _mp3_frame(data[pos : pos + 4])
    if length is None:
        return None  # not an MP3 that starts cleanly: the decoder decides
    while length is not None:
        if pos + length > end:
            return f"its last frame needs {length} bytes; {end - pos} are left"
        pos += length
        length = _mp3_frame(data[pos : pos + 4])
    return None
