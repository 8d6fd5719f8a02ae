"""The certificate as a one-page A4 landscape PDF (fpdf2), text already in the learner's language.

The fonts are vendored (DejaVu Sans, see fonts/LICENSE.txt) so every machine renders Turkish
(ğ, ş, ı, İ) and Indonesian text the same way; fpdf2 embeds a subset with a ToUnicode map, so
the text can be extracted, searched and read by screen readers. No Flask here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

# fpdf2 (with fontTools and Pillow) and segno are imported where a certificate is drawn: they
# take a quarter of a second to load, and every `flask` command and worker would pay it.

FONTS_DIR = Path(__file__).parent / "fonts"
FAMILY = "DejaVuSans"
INK = (26, 26, 26)
ACCENT = (11, 79, 138)
MUTED = (74, 74, 74)

PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 22.0
TEXT_W = PAGE_W - 2 * MARGIN
QR_SIZE = 32.0
LOGO_TOP = 15.0
LOGO_MAX_H, LOGO_MAX_W = 14.0, 70.0
SIGNATURE_W = 85.0  # the signatory block, bottom right, beside the verification text


@dataclass(frozen=True)
class CertificateDocument:
    """Every string printed on the certificate, in one language."""

    language: str
    heading: str
    intro: str
    learner_name: str
    completed: str
    assessment_title: str
    course_line: str
    date_line: str
    score_line: str | None
    code_line: str
    verify_line: str
    verify_url: str
    qr_alt: str
    issuer: str  # the issuing organisation (or the platform's name)
    issued_at: datetime
    logo: bytes | None = None  # PNG or JPEG, checked when the admin set it
    logo_alt: str = ""
    signatory: str | None = None  # name and title, printed under a signature rule


def _font(pdf: FPDF, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.set_text_color(*color)


def _fitted_size(pdf: FPDF, text: str, start: float, minimum: float, bold: bool) -> float:
    """The largest size from `start` down at which `text` fits one line (else `minimum`)."""
    size = start
    while size > minimum:
        _font(pdf, size, bold)
        if pdf.get_string_width(text) <= TEXT_W:
            return size
        size -= 1
    return minimum


def _centered(
    pdf: FPDF,
    text: str,
    size: float,
    *,
    bold: bool = False,
    color=INK,
    minimum: float | None = None,
    gap: float = 2.0,
) -> None:
    from fpdf.enums import XPos, YPos

    if minimum is not None:
        size = _fitted_size(pdf, text, size, minimum, bold)
    _font(pdf, size, bold, color)
    pdf.set_x(MARGIN)
    pdf.multi_cell(TEXT_W, size * 0.48, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(gap)


def qr_png(url: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=0, dark="#1a1a1a")
    return buffer.getvalue()


def render_certificate(doc: CertificateDocument) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.add_font(FAMILY, "", str(FONTS_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_lang(doc.language)
    pdf.set_title(f"{doc.heading} - {doc.learner_name}")
    pdf.set_author(doc.issuer)
    pdf.set_creator(doc.issuer)
    pdf.set_subject(doc.assessment_title)
    pdf.set_creation_date(doc.issued_at)  # the same certificate gives the same bytes
    pdf.add_page()

    # Frame: a thick accent line and a thin inner one.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.4)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11.5, 11.5, PAGE_W - 23, PAGE_H - 23)

    pdf.set_y(_logo(pdf, doc.logo, doc.logo_alt) if doc.logo else 26)
    _centered(pdf, doc.issuer, 11, color=MUTED, gap=6)
    _centered(pdf, doc.heading, 30, bold=True, color=ACCENT, minimum=18, gap=8)
    _centered(pdf, doc.intro, 13, gap=4)
    _centered(pdf, doc.learner_name, 28, bold=True, minimum=14, gap=5)
    _centered(pdf, doc.completed, 13, gap=3)
    _centered(pdf, doc.assessment_title, 17, bold=True, minimum=11, gap=3)
    if doc.course_line:
        _centered(pdf, doc.course_line, 13, minimum=10, gap=6)
    else:
        pdf.ln(6)
    _centered(pdf, doc.date_line, 12, gap=2)
    if doc.score_line:
        _centered(pdf, doc.score_line, 12, gap=2)

    _verification_block(pdf, doc)
    if doc.signatory:
        _signatory(pdf, doc.signatory)
    return bytes(pdf.output())


def _logo(pdf: FPDF, logo: bytes, alt: str) -> float:
    """The logo centred above the issuer line, at most LOGO_MAX_W x LOGO_MAX_H (aspect kept);
    returns where the text starts below it."""
    from PIL import Image

    with Image.open(io.BytesIO(logo)) as image:
        width_px, height_px = image.size
    scale = min(LOGO_MAX_H / height_px, LOGO_MAX_W / width_px)
    width, height = width_px * scale, height_px * scale
    pdf.image(
        io.BytesIO(logo),
        x=(PAGE_W - width) / 2,
        y=LOGO_TOP,
        w=width,
        h=height,
        alt_text=alt or None,
    )
    return LOGO_TOP + height + 3


def _signatory(pdf: FPDF, signatory: str) -> None:
    """A signature rule and the signatory's name and title under it, bottom right."""
    from fpdf.enums import XPos, YPos

    left = PAGE_W - MARGIN - SIGNATURE_W
    rule_y = PAGE_H - MARGIN - 14
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.3)
    pdf.line(left, rule_y, PAGE_W - MARGIN, rule_y)
    pdf.set_xy(left, rule_y + 2)
    _font(pdf, 9.5)
    pdf.multi_cell(SIGNATURE_W, 4.5, signatory, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)


def _verification_block(pdf: FPDF, doc: CertificateDocument) -> None:
    """Bottom left: the QR code, with the code and the address beside it (leaving room for
    the signatory block when there is one)."""
    from fpdf.enums import XPos, YPos

    top = PAGE_H - MARGIN - QR_SIZE
    pdf.image(
        io.BytesIO(qr_png(doc.verify_url)),
        x=MARGIN,
        y=top,
        w=QR_SIZE,
        h=QR_SIZE,
        alt_text=doc.qr_alt,
        link=doc.verify_url,
    )
    text_x = MARGIN + QR_SIZE + 6
    text_w = PAGE_W - MARGIN - text_x - (SIGNATURE_W + 6 if doc.signatory else 0)
    pdf.set_xy(text_x, top + 6)
    _font(pdf, 11, bold=True)
    pdf.multi_cell(text_w, 6, doc.code_line, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    _font(pdf, 9.5, color=MUTED)
    pdf.set_x(text_x)
    pdf.multi_cell(text_w, 5, doc.verify_line, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    _font(pdf, 9.5, color=ACCENT)
    pdf.set_x(text_x)
    pdf.multi_cell(
        text_w, 5, doc.verify_url, align="L", link=doc.verify_url, new_x=XPos.LEFT, new_y=YPos.NEXT
    )
