"""Which pictures an item may carry: PNG, JPEG, GIF or WebP that Pillow decodes completely,
within byte and pixel limits checked before anything is decoded (decompression bombs), never
SVG (a document that can carry scripts, not a picture)."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from item_bank.messages import msg

MAX_IMAGE_BYTES = 4 * 1024 * 1024
MAX_IMAGE_PIXELS = 4_000_000  # e.g. 2000 x 2000, more than a question's picture needs
# All the distinct pictures of one file together: decoding costs about 45 ms per megapixel,
# so a file of repeated large pictures cannot hold a worker for minutes.
MAX_FILE_PIXELS = 100_000_000
MAX_FILE_PICTURES = 2_000
MAX_GIF_FRAMES = 200
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


class MediaError(ValueError):
    """A file that cannot be an item's picture; the message says why and what to do."""


@dataclass(frozen=True)
class VerifiedImage:
    sha256: str
    media_type: str
    data: bytes
    width: int
    height: int


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head


def verify_in_file(data: bytes, label: str, known: dict[str, VerifiedImage]) -> VerifiedImage:
    """Like verify_image for a picture of a file whose pictures so far are `known` (by
    SHA-256): a repeated picture is not decoded again, and all of them together stay within
    MAX_FILE_PICTURES and MAX_FILE_PIXELS (counted before anything is decoded)."""
    known_image = known.get(hashlib.sha256(data).hexdigest())
    if known_image is not None:
        return known_image
    used = sum(image.width * image.height for image in known.values())
    if len(known) >= MAX_FILE_PICTURES or used >= MAX_FILE_PIXELS:
        raise MediaError(
            msg(
                "Image %(label)r: one file may carry at most %(pictures)s pictures of "
                "%(pixels)s pixels in all; split the questions into several files.",
                label=label,
                pictures=f"{MAX_FILE_PICTURES:,}",
                pixels=f"{MAX_FILE_PIXELS:,}",
            )
        )
    return verify_image(data, label, max_pixels=min(MAX_IMAGE_PIXELS, MAX_FILE_PIXELS - used))


def verify_image(data: bytes, label: str, *, max_pixels: int | None = None) -> VerifiedImage:
    """`data` as a verified picture, or MediaError naming `label` (a file name)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise MediaError(
            msg(
                "Image %(label)r is %(size)s KB; at most %(limit)s KB. "
                "Save it smaller (e.g. as JPEG or with fewer pixels).",
                label=label,
                size=len(data) // 1024,
                limit=MAX_IMAGE_BYTES // 1024,
            )
        )
    if _looks_like_svg(data):
        raise MediaError(
            msg(
                "Image %(label)r is SVG, which can carry scripts; export it as PNG instead.",
                label=label,
            )
        )
    width, height, fmt = _decode(data, label, max_pixels or MAX_IMAGE_PIXELS)
    return VerifiedImage(hashlib.sha256(data).hexdigest(), MEDIA_TYPES[fmt], data, width, height)


def _decode(data: bytes, label: str, max_pixels: int) -> tuple[int, int, str]:
    from PIL import Image  # loaded only when a picture is checked (startup cost)

    kinds = ", ".join(sorted(MEDIA_TYPES))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(MEDIA_TYPES)) as image:
                width, height = image.size
                frames = getattr(image, "n_frames", 1)
                if width * height > max_pixels or frames > MAX_GIF_FRAMES:
                    raise MediaError(
                        msg(
                            "Image %(label)r is %(width)sx%(height)s pixels (%(frames)s "
                            "frame(s)); at most %(pixels)s pixels and %(most)s frames.",
                            label=label,
                            width=width,
                            height=height,
                            frames=frames,
                            pixels=f"{max_pixels:,}",
                            most=MAX_GIF_FRAMES,
                        )
                    )
                fmt = str(image.format)
                image.load()  # the whole first frame: a truncated file fails here, not later
    except MediaError:
        raise
    except Image.UnidentifiedImageError:
        raise MediaError(
            msg(
                "%(label)r is not a picture of a supported type (%(kinds)s).",
                label=label,
                kinds=kinds,
            )
        ) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise MediaError(
            msg("Image %(label)r is damaged (%(error)s).", label=label, error=str(error))
        ) from None
    except Image.DecompressionBombWarning:
        raise MediaError(msg("Image %(label)r has too many pixels.", label=label)) from None
    return width, height, fmt
