"""What one uploaded file may cost to read (security review of the authoring upload): YAML
without anchors or aliases and within node and depth limits, text patterns that run in linear
time, and pictures verified once each within a per-file pixel budget."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from item_bank.loading import validate_upload
from item_bank.media import images
from item_bank.media.images import MediaError, verify_in_file
from item_bank.media.local_pictures import embed_local_pictures
from item_bank.parsers import yaml_format
from item_bank.parsers.multilang import dominant_language, split_multilang

# Each of these took minutes before the patterns were rewritten; now they take milliseconds.
# The bound is generous on purpose (a loaded 2-core machine), yet far below the old cost.
GENEROUS_SECONDS = 10


def _alias_bomb(depth: int) -> bytes:
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, depth + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    lines += ["assessment: {slug: s, title: {en: t}}", f"pools: [*l{depth}]"]
    return "\n".join(lines).encode()


def _messages(data: bytes, name: str = "bank.yaml") -> str:
    report = validate_upload(name, data)
    assert not report.ok
    return report.to_text()


def test_yaml_aliases_are_refused_before_anything_is_copied():
    # Depth 7 needed ~100 s and 2.5 GB; now the first anchor stops the reading.
    assert "anchors (&name) are not allowed" in _messages(_alias_bomb(7))
    assert "aliases (*name) are not allowed" in _messages(b"assessment: {}\npools: *p\n")


def test_a_yaml_anchor_alone_is_refused_with_its_line():
    text = _messages(b"assessment: &a {slug: s}\npools: []\n")
    assert "anchors (&name) are not allowed" in text and "line 1" in text


def test_yaml_nesting_and_size_are_capped(monkeypatch):
    assert "nested more than" in _messages(b"pools: " + b"[" * 1000 + b"]" * 1000)
    monkeypatch.setattr(yaml_format, "MAX_NODES", 50)
    assert "more than 50 values" in _messages(b"pools: [" + b"1, " * 60 + b"]")


@pytest.mark.parametrize(
    "text",
    [
        "<span " * 40_000,
        '<span lang="en" class="multilang">' * 20_000,
        "<lang lang='es'>x" * 20_000,
        "{mlang en}" * 20_000,
        "{mlang" + " " * 100_000,
    ],
    ids=["unclosed-spans", "span-openings", "lang-openings", "mlang-openings", "mlang-spaces"],
)
def test_multilang_reading_takes_linear_time(text):
    started = time.perf_counter()
    split_multilang(text, "en")
    dominant_language(text)
    assert time.perf_counter() - started < GENEROUS_SECONDS


def test_many_unclosed_img_tags_in_an_upload_are_read_in_linear_time():
    text = "<img " * 20_000 + "<img src=" + " " * 50_000 + "<img src=\"x' " * 10_000
    document = {"pools": [{"items": [{"stem": {"en": text}}]}]}
    started = time.perf_counter()
    embed_local_pictures(document, "bank.yaml", None)
    assert time.perf_counter() - started < GENEROUS_SECONDS


def _png(size: tuple[int, int], shade: int = 80) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (shade, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_repeated_picture_is_decoded_once(monkeypatch):
    decoded = []
    real = images._decode
    monkeypatch.setattr(images, "_decode", lambda *a: decoded.append(a[1]) or real(*a))
    known: dict = {}
    for name in ("a.png", "b.png", "c.png"):
        image = verify_in_file(_png((8, 8)), name, known)
        known[image.sha256] = image
    assert decoded == ["a.png"] and len(known) == 1


def test_the_pictures_of_one_file_share_a_pixel_budget(monkeypatch):
    monkeypatch.setattr(images, "MAX_FILE_PIXELS", 100)
    known: dict = {}
    for shade in (1, 2):  # 64 + 24 pixels
        image = verify_in_file(_png((8, 8) if shade == 1 else (6, 4), shade), "ok.png", known)
        known[image.sha256] = image
    with pytest.raises(MediaError, match="at most 12 pixels"):  # 100 - 88 left
        verify_in_file(_png((6, 4), 3), "third.png", known)
    known["x"] = images.VerifiedImage("x", "image/png", b"", 4, 3)  # budget used up
    with pytest.raises(MediaError, match="split the questions into several files"):
        verify_in_file(_png((1, 1), 4), "fourth.png", known)


def test_item_pictures_are_at_most_four_megapixels():
    with pytest.raises(MediaError, match="2001x2000 pixels"):
        images.verify_image(_png((2001, 2000)), "big.png")
