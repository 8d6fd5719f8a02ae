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

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONTS_DIR = Path(__file__).parent / "fonts"
FAMILY = "DejaVuSans"
INK = (26, 26, 26)
ACCENT = (11, 79, 138)
MUTED = (74, 74, 74)

PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 22.0
TEXT_W = PAGE_W - 2 * MARGIN
QR_SIZE = 32.0


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
    issuer: str
    issued_at: datetime


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
    if minimum is not None:
        size = _fitted_size(pdf, text, size, minimum, bold)
    _font(pdf, size, bold, color)
    pdf.set_x(MARGIN)
    pdf.multi_cell(TEXT_W, size * 0.48, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(gap)


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=0, dark="#1a1a1a")
    return buffer.getvalue()


def render_certificate(doc: CertificateDocument) -> bytes:
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

    pdf.set_y(26)
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

    # Verification block, bottom: the QR code on the left, code and address beside it.
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
    text_w = PAGE_W - MARGIN - text_x
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
    return bytes(pdf.output())
