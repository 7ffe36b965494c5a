"""storage.serving.delivery: inline only for media whose bytes agree, and text that is not markup (issue
17)."""

from __future__ import annotations

import pytest

from soundstage.storage.serving import (
    FILE_HEADERS,
    OPAQUE_TYPE,
    PLAYER_CSP,
    SANDBOX_CSP,
    Delivery,
    Disposition,
    delivery,
)
from tests.support.uploads import mp4, png, wav

ATTACHED = Delivery(OPAQUE_TYPE, Disposition.ATTACHMENT)
HTML = b"<html><script>alert(document.domain)</script></html>"


def inline(content_type: str) -> Delivery:
    return Delivery(content_type, Disposition.INLINE)


@pytest.mark.parametrize(("declared", "head", "expected"), [
    ("audio/wav", wav(), inline("audio/wav")),
    ("Audio/WAV", wav(), inline("audio/wav")),
    ("video/mp4", mp4(), inline("video/mp4")),
    ("audio/mp4", mp4(), inline("audio/mp4")),  # the same container
    ("image/png", png(), inline("image/png")),
    ("audio/ogg; codecs=opus", b"OggS\x00\x02", inline("audio/ogg; codecs=opus")),
    ("audio/mpeg", b"ID3\x04\x00", inline("audio/mpeg")),
    ("audio/mpeg", b"\xff\xfb\x90\x64", inline("audio/mpeg")),  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    ("audio/aac", b"\xff\xf1\x50\x80\x02\x1f\xfc", inline("audio/aac")),  # ADTS, 44.1 kHz
    ("audio/flac", b"fLaC\x00\x00\x00\x22", inline("audio/flac")),
    ("audio/webm", b"\x1a\x45\xdf\xa3\x9f", inline("audio/webm")),
    ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF", inline("image/jpeg")),
    ("image/webp", b"RIFF\x1a\x00\x00\x00WEBPVP8 ", inline("image/webp")),
    ("text/plain", b"hello", inline("text/plain; charset=utf-8")),
    ("text/plain; charset=iso-8859-1", b"hello", inline("text/plain; charset=utf-8")),
    ("application/json", b'{"a": 1}', inline("application/json; charset=utf-8")),
    ("text/vtt", b"WEBVTT\n\n", inline("text/vtt; charset=utf-8")),
    ("application/x-subrip", b"1\n00:00:00,000 --> 00:00:01,000\nhi\n", inline("text/plain; charset=utf-8")),
])
def test_media_and_text_are_inline(declared: str, head: bytes, expected: Delivery) -> None:
    assert delivery(declared, head) == expected


@pytest.mark.parametrize(("declared", "head"), [
    ("text/html", HTML),
    ("text/html; charset=utf-8", b"just text"),  # the type alone decides: never HTML
    ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("image/svg+xml", png()),
    ("application/xml", b'<?xml version="1.0"?><x/>'),
    ("text/xml", b"<x/>"),
    ("application/xhtml+xml", HTML),
    ("application/pdf", b"%PDF-1.7"),
    ("application/javascript", b"alert(1)"),
    ("text/css", b"body{}"),
    ("application/octet-stream", wav()),
    ("", HTML),
    ("nonsense", b"RIFF"),
    ("audio/wav", HTML),  # a declared media type never carries HTML inline
    ("audio/wav", b"  \r\n<!doctype html>" + HTML),
    ("audio/wav", b"0123456789"),  # neither WAV nor any other media
    ("audio/pcm;rate=24000;channels=1;format=s16le", b"\x00\x01" * 64),  # raw samples: nothing to check
    ("audio/mpeg", b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00"),  # UTF-16 HTML: FF FE looks like a frame sync
    ("audio/mpeg", b"\xff\xfe\n\x00<\x00"),
    ("image/png", HTML),
    ("video/mp4", b"\xef\xbb\xbf<html>"),
    ("text/plain", HTML),
    ("text/plain", b"\xef\xbb\xbf \n<html>"),
    ("text/plain", b"\xff\xfe<\x00h\x00"),
    ("application/json", b"<script>alert(1)</script>"),
    ("audio/wav\r\nX-Injected: 1", wav()),  # not a media type: attachment, and no header from it
    ('audio/wav; x="\u20ac"', wav()),
])
def test_everything_else_is_an_opaque_attachment(declared: str, head: bytes) -> None:
    assert delivery(declared, head) == ATTACHED


def test_every_delivery_sends_nosniff_and_the_sandbox() -> None:
    assert FILE_HEADERS == {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": SANDBOX_CSP}
    assert SANDBOX_CSP == "sandbox; default-src 'none'"
    assert delivery("text/html", HTML).headers == FILE_HEADERS
    assert delivery("image/png", png()).headers == FILE_HEADERS
    assert delivery("text/plain", b"hi").headers == FILE_HEADERS


def test_inline_audio_and_video_may_load_themselves_as_media() -> None:
    """Chromium shows an audio or video URL in a player that fetches it again, under the file's own CSP."""
    for declared, data in (("audio/wav", wav()), ("video/mp4", mp4())):
        assert delivery(declared, data).headers == {**FILE_HEADERS, "Content-Security-Policy": PLAYER_CSP}
    assert PLAYER_CSP == "sandbox; default-src 'none'; media-src 'self'"
    assert delivery("audio/wav", HTML).headers == FILE_HEADERS
