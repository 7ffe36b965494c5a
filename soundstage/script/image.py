"""A reference image becomes words for the scene: a vision model's description, or the image's own metadata.

With a vision-capable OpenAI-compatible endpoint configured (the writer's, ``SOUNDSTAGE_WRITER_URL``),
the image is described by it. Offline, the image's embedded description (PNG text chunks, EXIF
ImageDescription, XMP dc:description) is used when there is one; otherwise the caller logs that the
image was not interpreted.
"""

from __future__ import annotations

import base64
import io
import re

import httpx
from PIL import Image, UnidentifiedImageError

from soundstage.errors import AppFailed, InvalidInput
from soundstage.script.writer import TIMEOUT_SECONDS, WriterConfig

__all__ = ["IMAGE_FORMATS", "MAX_IMAGE_PIXELS", "check_image", "describe_image", "embedded_description"]

MAX_IMAGE_PIXELS = 64_000_000  # 8K x 8K: larger is a decompression bomb, not a reference
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXIF_IMAGE_DESCRIPTION = 0x010E
PNG_KEYS = ("Description", "description", "Title", "Comment", "parameters")
XMP_DESCRIPTION = re.compile(r"<dc:description>.*?<rdf:li[^>]*>(.*?)</rdf:li>", re.DOTALL)
PROMPT = "Describe the place, the time of day, the weather and any actions in this image in one sentence."


def check_image(data: bytes, field: str, max_pixels: int = MAX_IMAGE_PIXELS) -> str:
    """The image's MIME type; InvalidInput unless it really is a whole JPEG, PNG or WebP.

    Issue 9: the format and the pixel count are read from the header and refused before any pixel
    is decoded (a small file can claim gigapixels); then every pixel is decoded, so a truncated or
    corrupt image is a 422 at submit rather than a failed job."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            kind, (width, height) = img.format or "", img.size
            if kind in IMAGE_FORMATS and width * height <= max_pixels:
                img.verify()
        if kind in IMAGE_FORMATS and width * height <= max_pixels:
            with Image.open(io.BytesIO(data)) as img:
                img.load()
    except Image.DecompressionBombError as e:
        raise InvalidInput(f"{field}: the image declares too many pixels; the limit is {max_pixels:,}",
                           field=field, value=f"{len(data)} bytes") from e
    except UnidentifiedImageError as e:
        raise InvalidInput(f"{field}: not an image (jpeg, png or webp) that can be read", field=field,
                           value=f"{len(data)} bytes") from e
    except (OSError, SyntaxError, ValueError) as e:
        raise InvalidInput(f"{field}: not a readable image ({e})", field=field,
                           value=f"{len(data)} bytes") from e
    if kind not in IMAGE_FORMATS:
        raise InvalidInput(f"{field}: {kind or 'unknown'} images are not accepted; use jpeg, png or webp",
                           field=field, value=kind)
    if width * height > max_pixels:
        raise InvalidInput(f"{field}: image is {width}x{height}; the limit is {max_pixels:,} pixels",
                           field=field, value=f"{width}x{height}")
    return IMAGE_FORMATS[kind]


def embedded_description(data: bytes) -> str | None:
    with Image.open(io.BytesIO(data)) as img:
        for key in PNG_KEYS:
            value = img.info.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        exif = img.getexif().get(EXIF_IMAGE_DESCRIPTION)
        if isinstance(exif, str) and exif.strip():
            return exif.strip()
        xmp = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
        if xmp:
            text = xmp.decode(errors="ignore") if isinstance(xmp, bytes) else str(xmp)
            m = XMP_DESCRIPTION.search(text)
            if m and m.group(1).strip():
                return m.group(1).strip()
    return None


def describe_image(data: bytes, content_type: str, vision: WriterConfig) -> str:
    image_url = f"data:{content_type};base64,{base64.b64encode(data).decode()}"
    body = {"model": vision.model, "messages": [{"role": "user", "content": [
        {"type": "text", "text": PROMPT}, {"type": "image_url", "image_url": {"url": image_url}}]}]}
    headers = {"Authorization": f"Bearer {vision.key}"} if vision.key else {}
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, trust_env=False) as client:
            response = client.post(f"{vision.url.rstrip('/')}/chat/completions", json=body, headers=headers)
            response.raise_for_status()
            return str(response.json()["choices"][0]["message"]["content"]).strip()
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as e:
        raise AppFailed(f"the vision model could not describe the image: {type(e).__name__}: {e}") from e
