from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from soundstage.errors import InvalidInput
from soundstage.script.image import check_image, embedded_description


def png(description: str | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    if description:
        info.add_text("Description", description)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_exif(description: str) -> bytes:
    img = Image.new("RGB", (8, 8), "gray")
    exif = img.getexif()
    exif[0x010E] = description
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_formats() -> None:
    assert check_image(png(), "image_url") == "image/png"
    assert check_image(jpeg_with_exif("x"), "image_url") == "image/jpeg"
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    with pytest.raises(InvalidInput) as err:
        check_image(gif.getvalue(), "image_url")
    assert "GIF" in str(err.value)
    with pytest.raises(InvalidInput):
        check_image(b"RIFF....WAVEfmt ", "image_url")


def test_embedded_descriptions() -> None:
    assert embedded_description(png("a rainy street at night")) == "a rainy street at night"
    assert embedded_description(jpeg_with_exif("a forest in the wind")) == "a forest in the wind"
    assert embedded_description(png()) is None
