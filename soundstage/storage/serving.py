"""How a stored file is served to a browser: inline only when the browser can do nothing but play or show it.

Files are uploaded by users, and their URLs open without a key; served from the API's own origin, a file
that a browser renders as a document would run its script there (issue 17). Three layers:

- every file response carries ``FILE_HEADERS``: the browser guesses no type (``nosniff``), and the
  sandbox gives any document an opaque origin with no script, so it cannot reach the origin's storage
  (audio and video shown inline may also load themselves as media, ``PLAYER_CSP``);
- ``delivery`` serves inline only audio, video and raster images whose leading bytes are such media,
  and plain text or JSON whose leading bytes are not markup; everything else (HTML, SVG, XML, PDF,
  unknown types, a declared ``audio/wav`` that starts with ``<html>``) is an attachment of type
  ``application/octet-stream``, its declared type kept in the file's metadata only;
- ``SOUNDSTAGE_FILES_URL`` moves file URLs to an origin of their own (``soundstage.api.origins``).

The stored bytes never change; only how they are served does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["FILE_HEADERS", "OPAQUE_TYPE", "PLAYER_CSP", "SANDBOX_CSP", "SNIFF_BYTES", "Delivery",
           "Disposition", "delivery"]

# No allow-scripts and no allow-same-origin: a rendered file is an opaque origin that runs nothing.
SANDBOX_CSP = "sandbox; default-src 'none'"
# The page a browser shows for an audio or video URL is a player loading that same URL, a fetch that
# default-src 'none' blocks (measured in Chromium 156): the file's own origin may serve it media, nothing
# else.
PLAYER_CSP = f"{SANDBOX_CSP}; media-src 'self'"
FILE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": SANDBOX_CSP}
OPAQUE_TYPE = "application/octet-stream"
SNIFF_BYTES = 1445  # WHATWG MIME Sniffing, 5.2: the "resource header" a browser sniffs is at most this long

# Plain text and JSON, shown as text: the served type for each declared one.
TEXT_TYPES = {
    "text/plain": "text/plain",
    "text/vtt": "text/vtt",  # kept for <track>; no browser renders WebVTT as a document
    "application/x-subrip": "text/plain",
    "text/srt": "text/plain",
    "text/csv": "text/plain",
    "text/markdown": "text/plain",
    "application/json": "application/json",
}
RASTER_TYPES = frozenset({
    "image/png", "image/apng", "image/jpeg", "image/pjpeg", "image/gif", "image/webp", "image/avif",
    "image/bmp", "image/x-ms-bmp", "image/x-icon", "image/vnd.microsoft.icon", "image/tiff",
})
TOKEN = r"[a-z0-9!#$&^_.+-]+"  # RFC 9110, 5.6.2, less the characters no media type uses
QUOTED = r'"[ !#-\[\]-~]*"'  # printable ASCII but the quote and the backslash
MEDIA_TYPE = re.compile(rf"{TOKEN}/{TOKEN}(\s*;\s*{TOKEN}=({TOKEN}|{QUOTED}))*", re.IGNORECASE)
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
BLANKS = b"\t\n\x0c\r "


class Disposition(StrEnum):
    INLINE = "inline"
    ATTACHMENT = "attachment"


@dataclass(frozen=True)
class Delivery:
    content_type: str
    """The ``Content-Type`` sent: the declared type for media, a text type for text, else ``OPAQUE_TYPE``."""
    disposition: Disposition

    @property
    def headers(self) -> dict[str, str]:
        """``FILE_HEADERS``, with the player's policy for audio and video served inline."""
        playable = self.content_type.startswith(("audio/",
                                                 "video/")) and self.disposition is Disposition.INLINE
        return {**FILE_HEADERS, "Content-Security-Policy": PLAYER_CSP} if playable else dict(FILE_HEADERS)


ATTACHMENT = Delivery(OPAQUE_TYPE, Disposition.ATTACHMENT)


def delivery(declared: str, head: bytes) -> Delivery:
    """How to serve a file declared as ``declared`` whose first bytes (``SNIFF_BYTES`` of them) are
    ``head``."""
    declared = declared.strip()
    if not MEDIA_TYPE.fullmatch(declared):
        return ATTACHMENT
    essence, semicolon, parameters = declared.partition(";")
    essence = essence.strip().lower()
    media = essence + semicolon + parameters  # the declared type, its parameters kept
    if essence in TEXT_TYPES and not _looks_like_markup(head):
        return Delivery(f"{TEXT_TYPES[essence]}; charset=utf-8", Disposition.INLINE)
    if essence.startswith(("audio/", "video/")) and _is_audio_or_video(head):
        return Delivery(media, Disposition.INLINE)
    if essence in RASTER_TYPES and _is_raster_image(head):
        return Delivery(media, Disposition.INLINE)
    return ATTACHMENT


def _looks_like_markup(head: bytes) -> bool:
    """What a browser could take for HTML, XML or PDF: text whose first visible character is ``<``.

    NUL bytes are dropped first, so UTF-16 and UTF-32 text is judged by its characters too.
    """
    text = head.replace(b"\x00", b"")
    for bom in BOMS:
        text = text.removeprefix(bom)
    text = text.lstrip(BLANKS)
    return text.startswith((b"<", b"%PDF-"))


def _is_audio_or_video(head: bytes) -> bool:
    riff = head[:4] == b"RIFF" and head[8:12] in {b"WAVE", b"AVI "}
    aiff = head[:4] == b"FORM" and head[8:12] in {b"AIFF", b"AIFC"}
    mpeg_ts = len(head) > 188 and head[0] == head[188] == 0x47  # two 188-byte packets (ISO 13818-1)
    return (riff or aiff or mpeg_ts or head[4:8] == b"ftyp" or _is_mpeg_audio(head)
            or head.startswith((b"ID3", b"OggS", b"fLaC", b"\x1a\x45\xdf\xa3", b".snd", b"#!AMR", b"caff",
                                b"\x00\x00\x01\xba", b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")))


def _is_mpeg_audio(head: bytes) -> bool:
    """An MPEG audio frame header or an ADTS header (ISO 11172-3, 2.4.1.3; ISO 14496-3, 1.A.2.2).

    Checked field by field: a UTF-16 byte-order mark (FF FE) also starts with eleven set bits.
    """
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0 or head.startswith(BOMS):
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    if layer == 0:  # ADTS: a 12-bit sync word, then MPEG-4 or -2 AAC with a sampling index of 0..12
        return head[1] & 0xF0 == 0xF0 and (head[2] >> 2) & 0b1111 <= 12
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0b11
    return version != 0b01 and bitrate not in {0, 0b1111} and rate != 0b11


def _is_raster_image(head: bytes) -> bool:
    webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    avif = head[4:8] == b"ftyp" and head[8:12] in {b"avif", b"avis"}
    return webp or avif or head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a",
                                            b"BM", b"\x00\x00\x01\x00", b"II*\x00", b"MM\x00*"))
