"""Branded and unbranded certificates: the issuing organisation, its logo and the signatory line
are printed (and extractable) when the platform is branded, and absent when it is not."""

from __future__ import annotations

import io

import pypdf
from PIL import Image

from lti_tool.certificates.pdf import render_certificate
from tests.unit.certificates.test_pdf_rendering import document

ORGANISATION = "International Organization for Migration"
SIGNATORY = "Amy Pope, Director General"


def picture(kind: str = "PNG", size: tuple[int, int] = (400, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 79, 138)).save(buffer, format=kind)
    return buffer.getvalue()


def page_of(pdf: bytes) -> pypdf.PageObject:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0]


def test_a_branded_certificate_prints_organisation_signatory_and_logo():
    pdf = render_certificate(
        document(issuer=ORGANISATION, signatory=SIGNATORY, logo=picture(), logo_alt="Logo")
    )
    page = page_of(pdf)
    text = page.extract_text()
    assert ORGANISATION in text and SIGNATORY in text
    assert len(page.images) == 2  # the logo and the QR code
    assert pypdf.PdfReader(io.BytesIO(pdf)).metadata.author == ORGANISATION


def test_an_unbranded_certificate_has_the_issuer_line_and_nothing_more():
    page = page_of(render_certificate(document(issuer="moodle moodle.example.org")))
    text = page.extract_text()
    assert "moodle moodle.example.org" in text
    assert SIGNATORY not in text
    assert len(page.images) == 1  # the QR code only


def test_a_jpeg_logo_of_any_shape_fits_above_the_issuer_line():
    for size in ((2000, 100), (100, 2000)):  # very wide, very tall
        page = page_of(render_certificate(document(logo=picture("JPEG", size))))
        [logo] = [image for image in page.images if image.image.size == size]
        assert logo is not None
        # The text still fits the one page and keeps its reading order.
        text = page.extract_text()
        assert text.index("E-Campus") < text.index("Tamamlama sertifikası")


def test_the_verification_address_makes_room_for_the_signatory():
    long_url = "https://assessment.example.org/certificates/verify/7K3M-Q9XR-2D4T-HB6W?lang=tr"
    alone = page_of(render_certificate(document(verify_url=long_url))).extract_text()
    beside = page_of(
        render_certificate(document(signatory=SIGNATORY, verify_url=long_url))
    ).extract_text()
    assert long_url in alone  # one line across the page
    assert long_url not in beside  # wrapped short of the signatory block
    assert long_url in beside.replace("\n", "")
    assert SIGNATORY in beside
