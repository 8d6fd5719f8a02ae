"""Which pictures an item may carry (item_bank.media.images): the four raster formats Pillow
verifies, within byte, pixel and frame limits; never SVG; never a damaged file."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from item_bank.media import images
from item_bank.media.images import MediaError, verify_image
from item_bank.media.references import images_without_alt, referenced, resolve

SHA = "cd" * 32


def _encoded(fmt: str, size=(6, 4), mode="RGB", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 80).save(buffer, fmt, **save)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_the_four_raster_formats_are_verified_and_named_by_hash(fmt, media_type):
    data = _encoded(fmt)

    image = verify_image(data, "pic")

    assert (image.media_type, image.width, image.height) == (media_type, 6, 4)
    assert image.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        b"\xef\xbb\xbf  <?xml version='1.0'?><svg/>",
        b"<!DOCTYPE svg><svg onload='alert(1)'/>",
    ],
)
def test_svg_is_refused_whatever_its_prolog(data):
    with pytest.raises(MediaError, match="SVG"):
        verify_image(data, "logo.svg")


def test_other_formats_pillow_knows_are_refused():
    with pytest.raises(MediaError, match="not a picture of a supported type"):
        verify_image(_encoded("BMP"), "old.bmp")


def test_too_many_frames_are_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_GIF_FRAMES", 2)
    buffer = io.BytesIO()
    frames = [Image.new("L", (4, 4), shade) for shade in (0, 90, 180)]
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])

    with pytest.raises(MediaError, match="3 frame"):
        verify_image(buffer.getvalue(), "anim.gif")


def test_pixels_are_counted_before_decoding(monkeypatch):
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 100)

    with pytest.raises(MediaError, match="11x10 pixels"):
        verify_image(_encoded("PNG", size=(11, 10)), "wide.png")


def test_references_resolve_only_whole_media_sources():
    html = f'<p><img src="media:{SHA}" alt="A map"><img src="media:{SHA}" alt=" "></p>'

    assert referenced(html) == [SHA, SHA]
    assert images_without_alt(html) == 1
    assert (
        resolve(html, lambda sha: f"/media/{sha}?a=1&b=2").count(f'src="/media/{SHA}?a=1&amp;b=2"')
        == 2
    )
