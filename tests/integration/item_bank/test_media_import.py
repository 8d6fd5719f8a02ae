"""Pictures in Moodle XML questions (issue 11): verified, stored by hash, all or nothing."""

from __future__ import annotations

import base64
import io
import random
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from item_bank.catalog import latest_version
from item_bank.loading import import_path
from item_bank.media.images import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS
from item_bank.media.store import DatabaseMediaStore
from item_bank.models import Assessment, ItemVersion, MediaFile
from tests.integration.item_bank.conftest import NOW

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "item_bank"
WITH_IMAGE = FIXTURES / "moodle_with_image.xml"


def _png(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _noisy_png() -> bytes:
    """A picture that does not compress, so cutting it in half cuts its pixel data."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 64), random.Random(1).randbytes(64 * 64 * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def _with_file(tmp_path: Path, data: bytes, *, name="pic.png", alt='alt="A picture"') -> Path:
    """The fixture with its picture replaced by `data`, plus a second, good question first."""
    text = WITH_IMAGE.read_text(encoding="utf-8")
    start = text.index('encoding="base64">') + len('encoding="base64">')
    end = text.index("</file>")
    text = text[:start] + base64.b64encode(data).decode() + text[end:]
    text = text.replace("region map.png", name).replace("region%20map.png", name)
    text = text.replace('alt="Map with a blue square region and a red circle"', alt)
    path = tmp_path / "bank.xml"
    path.write_text(text, encoding="utf-8")
    return path


def _nothing_stored(session) -> bool:
    return all(
        session.scalar(select(func.count()).select_from(model)) == 0
        for model in (Assessment, ItemVersion, MediaFile)
    )


def test_a_picture_is_imported_once_and_shown_by_hash(session):
    report = import_path(session, WITH_IMAGE, now=NOW)
    again = import_path(session, WITH_IMAGE, now=NOW)
    session.commit()

    assert report.imported and not again.results[0].new_version, report.to_text()
    stored = session.scalars(select(MediaFile)).one()
    assert (stored.media_type, stored.width, stored.height) == ("image/png", 64, 48)
    stem = latest_version(session, "moodle-with-image").pools[0].item_versions[0].content["stem"]
    assert f'src="media:{stored.sha256}"' in stem["es"]
    assert 'alt="Map with a blue square region and a red circle"' in stem["en"]
    fetched = DatabaseMediaStore(session).get(stored.sha256)
    assert fetched is not None and fetched.data == stored.data


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX_IMAGE_BYTES + 1), "big.png", "at most"),
        (b"%PDF-1.7 not a picture", "doc.pdf", "not a picture of a supported type"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "evil.svg",
            "SVG",
        ),
        (_noisy_png()[:6000], "cut.png", "damaged"),
    ],
    ids=["oversized", "wrong-type", "svg-with-script", "truncated"],
)
def test_a_refused_picture_fails_the_file_and_stores_nothing(
    session, tmp_path, data, name, message
):
    report = import_path(session, _with_file(tmp_path, data, name=name), now=NOW)

    assert not report.imported
    assert any(message in issue.message and name in issue.message for issue in report.issues), (
        report.to_text()
    )
    assert _nothing_stored(session)


def test_too_many_pixels_are_refused_before_decoding(session, tmp_path):
    side = int(MAX_IMAGE_PIXELS**0.5) + 10
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, "PNG")  # a few KB on disk, many pixels

    report = import_path(session, _with_file(tmp_path, buffer.getvalue()), now=NOW)

    assert not report.imported and "pixels" in report.to_text()
    assert _nothing_stored(session)


def test_a_picture_without_alt_text_is_refused(session, tmp_path):
    report = import_path(session, _with_file(tmp_path, _png(), alt='alt=" "'), now=NOW)

    assert not report.imported
    assert "text alternative" in report.to_text()
    assert _nothing_stored(session)


def test_a_reference_to_a_missing_file_is_an_error(session, tmp_path):
    path = _with_file(tmp_path, _png())
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("@@PLUGINFILE@@/pic.png", "@@PLUGINFILE@@/other.png"), "utf-8")

    report = import_path(session, path, now=NOW)

    assert not report.imported and "not in the export" in report.to_text()
    assert _nothing_stored(session)


def _yaml_with_picture(tmp_path: Path, src: str) -> Path:
    text = (FIXTURES / "valid_assessment.yaml").read_text(encoding="utf-8")
    marker = "Which organization is UN Migration?"
    assert marker in text
    text = text.replace(marker, f'{marker} <img src=\\"{src}\\" alt=\\"The IOM logo\\">', 1)
    path = tmp_path / "bank" / "bank.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_refers_to_pictures_beside_it_by_path(session, tmp_path):
    path = _yaml_with_picture(tmp_path, "images/logo.png")
    (path.parent / "images").mkdir()
    (path.parent / "images" / "logo.png").write_bytes(_png((5, 5)))

    report = import_path(session, path, now=NOW)

    assert report.imported, report.to_text()
    stored = session.scalars(select(MediaFile)).one()
    stem = latest_version(session, "sample-assessment").pools[0].item_versions[0].content["stem"]
    assert f'<img src="media:{stored.sha256}" alt="The IOM logo">' in stem["en"]


@pytest.mark.parametrize(
    ("src", "message"),
    [("../secret.png", "inside the file's directory"), ("missing.png", "cannot be read")],
)
def test_yaml_pictures_outside_or_missing_are_refused(session, tmp_path, src, message):
    (tmp_path / "secret.png").write_bytes(_png())

    report = import_path(session, _yaml_with_picture(tmp_path, src), now=NOW)

    assert not report.imported and message in report.to_text()
    assert _nothing_stored(session)


def test_an_uploaded_yaml_cannot_refer_to_pictures_by_path(tmp_path):
    from item_bank.loading import validate_upload

    data = _yaml_with_picture(tmp_path, "/etc/logo.png").read_bytes()

    report = validate_upload("bank.yaml", data)

    assert not report.ok and "cannot be referred to by path in an uploaded file" in report.to_text()
