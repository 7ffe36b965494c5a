"""Files a user might upload, hostile and real, and the four ways the clients upload them (issue 17)."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable
from dataclasses import dataclass

import av
import httpx
import numpy as np
from PIL import Image

from tests.support.server import headers

__all__ = ["PAYLOADS", "UPLOADERS", "Payload", "mp4", "png", "wav"]

SCRIPT = b"<script>alert(document.domain);console.log('script ran')</script>"
SAMPLE_RATE = 8_000  # Hz: small files, still a real WAV


def wav(seconds: float = 0.2) -> bytes:
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    samples = (np.sin(2 * np.pi * 440 * t) * 0.3 * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(samples.tobytes())
    return out.getvalue()


def png(size: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def mp4(frames: int = 10) -> bytes:
    """A real H.264 MP4, 32x32 at 10 frames/s."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            image = np.full((32, 32, 3), i * 255 // frames, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


@dataclass(frozen=True)
class Payload:
    name: str
    file_name: str
    declared: str
    data: bytes
    served_type: str | None
    """The Content-Type a browser must get when inline; None: an ``application/octet-stream`` attachment."""


PAYLOADS = [
    Payload("html", "x.html", "text/html", b"<!doctype html><html><body>" + SCRIPT + b"</body></html>", None),
    Payload("svg", "x.svg", "image/svg+xml",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">' + SCRIPT + b"</svg>", None),
    Payload("xml", "x.xml", "application/xml",
            b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>' + SCRIPT
            + b"</body></html>", None),
    Payload("wav-that-is-html", "clip.wav", "audio/wav", b"<html><body>" + SCRIPT + b"</body></html>", None),
    Payload("unknown", "blob.bin", "application/x-soundstage-unknown", b"\x00\x01binary", None),
    Payload("wav", "tone.wav", "audio/wav", wav(), "audio/wav"),
    Payload("png", "dot.png", "image/png", png(), "image/png"),
    Payload("mp4", "clip.mp4", "video/mp4", mp4(), "video/mp4"),
    Payload("text", "notes.txt", "text/plain", b"plain words", "text/plain; charset=utf-8"),
    Payload("json", "data.json", "application/json", b'{"a": 1}', "application/json; charset=utf-8"),
]


def _rest(base: str, p: Payload) -> tuple[list[httpx.Response], str]:
    """``@fal-ai/client``: initiate, then one PUT."""
    init = httpx.post(f"{base}/rest/storage/upload/initiate", headers=headers(),
                      json={"file_name": p.file_name, "content_type": p.declared})
    put = httpx.put(init.json()["upload_url"], content=p.data, headers={"Content-Type": p.declared})
    return [init, put], init.json()["file_url"]


def _rest_multipart(base: str, p: Payload) -> tuple[list[httpx.Response], str]:
    """``@fal-ai/client`` for large files: initiate-multipart, parts, complete."""
    init = httpx.post(f"{base}/rest/storage/upload/initiate-multipart", headers=headers(),
                      json={"file_name": p.file_name, "content_type": p.declared})
    upload_url = init.json()["upload_url"]
    half = len(p.data) // 2
    parts = [httpx.put(f"{upload_url}/{n}", content=chunk)
             for n, chunk in ((1, p.data[:half]), (2, p.data[half:]))]
    done = httpx.post(f"{upload_url}/complete",
                      json={"parts": [{"partNumber": n, "etag": "x"} for n in (1, 2)]})
    return [init, *parts, done], done.json()["file_url"]


def _cdn_token(base: str) -> tuple[httpx.Response, dict[str, str]]:
    token = httpx.post(f"{base}/rest/storage/auth/token", headers=headers(), json={})
    return token, {"Authorization": f"Bearer {token.json()['token']}"}


def _cdn(base: str, p: Payload) -> tuple[list[httpx.Response], str]:
    """Python ``fal-client``: a CDN token, then one POST."""
    token, auth = _cdn_token(base)
    up = httpx.post(f"{token.json()['base_url']}/files/upload", content=p.data,
                    headers={**auth, "Content-Type": p.declared, "X-Fal-File-Name": p.file_name})
    return [token, up], up.json()["access_url"]


def _cdn_multipart(base: str, p: Payload) -> tuple[list[httpx.Response], str]:
    """Python ``fal-client`` for large files: parts under the access URL (on the files origin, when set)."""
    token, auth = _cdn_token(base)
    begin = httpx.post(f"{token.json()['base_url']}/files/upload/multipart",
                       headers={**auth, "Content-Type": p.declared, "X-Fal-File-Name": p.file_name})
    access, upload_id = begin.json()["access_url"], begin.json()["uploadId"]
    part = httpx.put(f"{access}/multipart/{upload_id}/1", content=p.data, headers=auth)
    done = httpx.post(f"{access}/multipart/{upload_id}/complete", headers=auth,
                      json={"parts": [{"partNumber": 1, "etag": part.headers["etag"]}]})
    return [token, begin, part, done], done.json()["access_url"]


UPLOADERS: dict[str, Callable[[str, Payload], tuple[list[httpx.Response], str]]] = {
    "rest": _rest, "rest-multipart": _rest_multipart, "cdn": _cdn, "cdn-multipart": _cdn_multipart,
}
