"""An admin's branding (`flask platform brand`) on the learner's PDF, the learner's certificate
page and the public verification page; without branding, the platform's name."""

from __future__ import annotations

import base64
import io
import re

import pypdf
import pytest
from PIL import Image

from tests.support.signed_launches import ISSUER

ORGANISATION = "International Organization for Migration"
SIGNATORY = "Amy Pope, Director General"


@pytest.fixture
def logo_file(tmp_path):
    path = tmp_path / "iom.png"
    Image.new("RGB", (300, 90), (11, 79, 138)).save(path, format="PNG")
    return path


def brand(runner, *options: str) -> None:
    result = runner.invoke(args=["platform", "brand", ISSUER, *options])
    assert result.exit_code == 0, result.output


def certified(client, launch_as, finish):
    """A learner who passed, and the PDF and certificate page they get."""
    who = launch_as(name="Sam Student")
    finish(who, 85.0)
    pdf = client.get("/certificate.pdf", query_string={"lt": who.token})
    assert pdf.status_code == 200
    page = client.get("/certificate", query_string={"lt": who.token}).get_data(as_text=True)
    return pypdf.PdfReader(io.BytesIO(pdf.data)).pages[0], page


def test_a_branded_platform_prints_organisation_logo_and_signatory(
    client, runner, launch_as, finish, logo_file
):
    brand(runner, "--organisation", ORGANISATION, "--logo", str(logo_file))
    brand(runner, "--organisation", ORGANISATION, "--signatory", SIGNATORY)  # logo kept
    pdf_page, page = certified(client, launch_as, finish)

    text = pdf_page.extract_text()
    assert ORGANISATION in text and SIGNATORY in text and "E-Campus" not in text
    assert len(pdf_page.images) == 2  # logo and QR code

    logo_uri = "data:image/png;base64," + base64.b64encode(logo_file.read_bytes()).decode()
    assert f'src="{logo_uri}" alt=""' in page
    assert ORGANISATION in page and SIGNATORY in page

    code = re.search(r"<code>([0-9A-Z-]{19})</code>", page)[1]
    verified = client.get(f"/verify/{code}").get_data(as_text=True)
    issuer_part = verified.split('data-verification="valid"')[1]
    assert ORGANISATION in issuer_part and SIGNATORY in issuer_part and logo_uri in issuer_part


def test_an_unbranded_platform_prints_its_name_and_no_signatory(client, launch_as, finish):
    pdf_page, page = certified(client, launch_as, finish)
    text = pdf_page.extract_text()
    assert "E-Campus" in text  # the platform's name (tests.support.signed_launches.register)
    assert len(pdf_page.images) == 1
    assert "data-certificate-issuer" in page and "E-Campus" in page
    assert "data:image" not in page and "Signatory" not in page


def test_branding_set_after_issue_reaches_certificates_already_issued(
    client, runner, launch_as, finish
):
    certified(client, launch_as, finish)
    brand(runner, "--organisation", ORGANISATION)
    pdf_page, page = certified(client, launch_as, finish)  # the same certificate again
    assert ORGANISATION in pdf_page.extract_text() and ORGANISATION in page
