"""Issue 9: hostile reference media is refused at submit, by the API, in bounded time and memory.

Audio, image and video references of seed-audio and the Seedance endpoints: zero-byte, truncated,
corrupt, mislabelled, header-lies-about-length and decompression bombs (a small file that expands to
hours of silence, a gigapixel image, a long video of tiny frames). Each is a 422 whose ``detail``
names the field, answered within ``LIMIT_SECONDS``, with nothing queued; the API process's peak
memory grows by less than ``LIMIT_MEMORY_MB`` over the whole run.
"""

from __future__ import annotations

import base64
import io
import sqlite3
import struct
import time
import zlib
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import httpx
import numpy as np
import pytest
from PIL import Image

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.codecs import AudioFormat, encode
from tests.support.server import Server, headers

pytestmark = pytest.mark.slow

SEED = "bytedance/seed-audio-1.0"
I2V = "bytedance/seedance-2.0/image-to-video"
R2V = "bytedance/seedance-2.0/reference-to-video"
LIMIT_SECONDS = 10.0
LIMIT_MEMORY_MB = 600
RNG = np.random.default_rng(9)


def data_uri(data: bytes, content_type: str) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def tone(seconds: float, fmt: AudioFormat, rate: int = 24_000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return encode(AudioBuffer.from_mono((0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), rate), fmt,
                  rate).data


def silence(seconds: float, codec: str, container: str, bit_rate: int) -> bytes:
    """``seconds`` of 8 kHz silence at the codec's lowest bit rates."""
    out = io.BytesIO()
    bare = {"write_xing": "0", "id3v2_version": "0"} if container == "mp3" else {}  # frames only: repeatable
    with av.open(out, "w", format=container, options=bare) as dst:
        stream = dst.add_stream(codec, rate=8_000, layout="mono")
        assert isinstance(stream, av.AudioStream)
        stream.bit_rate = bit_rate
        block = np.zeros((1, 8_000 * 10), np.int16)
        for k in range(int(seconds / 10)):
            frame = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
            frame.sample_rate, frame.pts = 8_000, k * block.shape[1]
            for packet in stream.encode(frame):
                dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out.getvalue()


def image(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.fromarray(RNG.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(out, fmt)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG claiming ``width`` x ``height`` grey pixels, all zero: a few KB that decode to gigabytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    row = b"\x00" + bytes(width)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(200)) + packer.flush()  # only the first rows
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


class _Pipe:
    """A sink that cannot seek: Matroska written to it carries no duration in its header."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, chunk: bytes) -> int:
        self.data += chunk
        return len(chunk)


def video(seconds: float, size: tuple[int, int] = (64, 36), fps: int = 24, container: str = "mp4",
          streamed: bool = False) -> bytes:
    out: io.BytesIO | _Pipe = _Pipe() if streamed else io.BytesIO()
    with av.open(out, "w", format=container) as dst:
        stream = dst.add_stream("libx264", rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for k in range(int(seconds * fps)):
            pixels = np.full((size[1], size[0], 3), k % 250, np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = k, Fraction(1, fps)
            dst.mux(stream.encode(frame))
        dst.mux(stream.encode(None))
    return bytes(out.data) if isinstance(out, _Pipe) else out.getvalue()


def wav_claiming(seconds: float, actual: float) -> bytes:
    """A WAV whose header claims ``seconds`` of audio and holds ``actual``."""
    data = tone(actual, AudioFormat.WAV)
    claimed = int(seconds * 24_000 * 2)
    at = data.index(b"data")
    riff, size = struct.pack("<I", claimed + at), struct.pack("<I", claimed)
    return data[:4] + riff + data[8:at + 4] + size + data[at + 8:]


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


HTML = b"<!doctype html><html><script>alert(1)</script></html>"
JUNK = RNG.bytes(40_000)

# (case, bytes, declared content type)
AUDIO: list[tuple[str, Callable[[], bytes], str]] = [
    ("zero-byte", lambda: b"", "audio/wav"),
    ("truncated-wav", lambda: half(tone(3, AudioFormat.WAV)), "audio/wav"),
    ("truncated-mp3", lambda: half(tone(3, AudioFormat.MP3)), "audio/mpeg"),
    ("truncated-ogg", lambda: half(tone(3, AudioFormat.OGG_OPUS)), "audio/ogg"),
    ("corrupt", lambda: JUNK, "audio/mpeg"),
    ("corrupt-after-header", lambda: tone(3, AudioFormat.MP3)[:64] + JUNK, "audio/mpeg"),
    ("png-as-wav", lambda: image("PNG"), "audio/wav"),
    ("html-as-mp3", lambda: HTML, "audio/mpeg"),
    ("mp4-as-audio", lambda: video(3.0), "audio/mp4"),
    ("header-claims-10s-holds-1s", lambda: wav_claiming(10.0, 1.0), "audio/wav"),
    # hours of silence in a few megabytes: one encoded minute (or 10 s), chained over and over
    ("bomb-2h-silence-opus", lambda: silence(60, "libopus", "ogg", 6_000) * 120, "audio/ogg"),
    ("bomb-2h-silence-mp3", lambda: silence(10, "libmp3lame", "mp3", 8_000) * 720, "audio/mpeg"),
    ("pcm-odd-bytes", lambda: bytes(4801), "audio/pcm"),
]
IMAGES: list[tuple[str, Callable[[], bytes], str]] = [
    ("zero-byte", lambda: b"", "image/png"),
    ("truncated-jpeg", lambda: half(image("JPEG", (640, 480))), "image/jpeg"),
    ("truncated-png", lambda: half(image("PNG", (640, 480))), "image/png"),
    ("corrupt", lambda: JUNK, "image/jpeg"),
    ("corrupt-after-header", lambda: image("PNG", (640, 480))[:100] + JUNK, "image/png"),
    ("wav-as-png", lambda: tone(1, AudioFormat.WAV), "image/png"),
    ("html-as-png", lambda: HTML, "image/png"),
    ("svg-as-png", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "image/png"),
    ("gif", lambda: image("GIF"), "image/gif"),
    ("bomb-gigapixel-png", lambda: png_header_only(40_000, 40_000), "image/png"),
    ("bomb-100-megapixel-png", lambda: png_header_only(10_000, 10_000), "image/png"),
]
VIDEOS: list[tuple[str, Callable[[], bytes], str]] = [
    ("zero-byte", lambda: b"", "video/mp4"),
    ("truncated-mp4", lambda: half(video(3.0)), "video/mp4"),
    ("corrupt", lambda: JUNK, "video/mp4"),
    ("corrupt-after-header", lambda: video(3.0)[:200] + JUNK, "video/mp4"),
    ("wav-as-mp4", lambda: tone(3, AudioFormat.WAV), "video/mp4"),
    ("html-as-mp4", lambda: HTML, "video/mp4"),
    ("bomb-10min-of-tiny-frames", lambda: video(600.0, (16, 16), fps=2, container="matroska"),
     "video/x-matroska"),
    ("too-long-for-its-header", lambda: video(40.0, (32, 32), fps=4), "video/mp4"),
    ("header-hides-its-length", lambda: video(40.0, (32, 32), fps=4, container="matroska", streamed=True),
     "video/x-matroska"),
]

OK_IMAGE = data_uri(image("PNG"), "image/png")


def bodies(kind: str, uri: str) -> list[tuple[str, dict, str]]:
    """(endpoint, body, field) that carry one hostile reference of ``kind``."""
    if kind == "audio":
        return [(SEED, {"prompt": "Read this in the voice of @Audio1.", "audio_urls": [uri]}, "audio_urls"),
                (R2V, {"prompt": "A walk @Image1 with @Audio1", "image_urls": [OK_IMAGE],
                       "audio_urls": [uri]}, "audio_urls")]
    if kind == "image":
        return [(SEED, {"prompt": "The scene in the picture.", "image_url": uri}, "image_url"),
                (I2V, {"prompt": "The picture comes alive.", "image_url": uri}, "image_url"),
                (R2V, {"prompt": "A walk like @Image1", "image_urls": [uri]}, "image_urls")]
    return [(R2V, {"prompt": "Like @Video1", "video_urls": [uri]}, "video_urls")]


CASES = [(kind, name, make, ctype) for kind, table in (("audio", AUDIO), ("image", IMAGES), ("video", VIDEOS))
         for name, make, ctype in table]


def _queued(server: Server) -> int:
    with sqlite3.connect(server.data_dir / "soundstage.db") as db:
        return int(db.execute("SELECT count(*) FROM jobs").fetchone()[0])


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture(scope="module")
def baseline(server: Server) -> float:
    assert server.proc is not None
    httpx.get(f"{server.url}/health")
    return _peak_rss_mb(server.proc.pid)


@pytest.mark.parametrize("kind,name,make,ctype", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_issue9_hostile_media_is_a_422_at_submit(server: Server, baseline: float, kind: str, name: str,
                                                 make: Callable[[], bytes], ctype: str) -> None:
    uri = data_uri(make(), ctype)
    for endpoint, body, field in bodies(kind, uri):
        before = _queued(server)
        start = time.monotonic()
        response = httpx.post(f"{server.url}/queue/{endpoint}", json=body, headers=headers(), timeout=60)
        took = time.monotonic() - start
        assert response.status_code == 422, (endpoint, response.status_code, response.text[:300])
        detail = response.json()["detail"]
        assert isinstance(detail, list) and detail, response.text
        assert field in ".".join(str(p) for p in detail[0]["loc"]) or field in detail[0]["msg"], detail
        assert took < LIMIT_SECONDS, f"{endpoint} {name}: {took:.1f} s"
        assert _queued(server) == before
        print(f"{kind}:{name} {endpoint.rsplit('/', 1)[-1]}: 422 in {took:.2f} s: {detail[0]['msg'][:90]}")
    assert server.proc is not None
    assert _peak_rss_mb(server.proc.pid) - baseline < LIMIT_MEMORY_MB
