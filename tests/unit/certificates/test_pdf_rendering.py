"""The PDF itself: text extractable (pypdf) with Turkish and Indonesian letters intact,
one page, metadata in the certificate's language, deterministic bytes."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdf

from lti_tool.certificates.pdf import FONTS_DIR, CertificateDocument, render_certificate


def document(**changes) -> CertificateDocument:
    values = dict(
        language="tr",
        heading="Tamamlama sertifikası",
        intro="Bu belge şunu onaylar:",
        learner_name="Şükrü Ğüneş İnce Iğdırlı",
        completed="final değerlendirmesini başarıyla tamamladı",
        assessment_title="Göç Yönetiminin Temelleri: final değerlendirmesi",
        course_line="Kurs: Göç Yönetiminin Temelleri",
        date_line="Tamamlanma tarihi: 23 Kasım 2026",
        score_line="Puan: %85,5",
        code_line="Doğrulama kodu: 7K3M-Q9XR-2D4T-HB6W",
        verify_line="Doğrulayın:",
        verify_url="https://tool.example/verify/7K3M-Q9XR-2D4T-HB6W",
        qr_alt="QR",
        issuer="E-Campus",
        issued_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
    )
    values.update(changes)
    return CertificateDocument(**values)


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_turkish_letters_survive_rendering_and_extraction():
    text = text_of(render_certificate(document()))
    for expected in (
        "Şükrü Ğüneş İnce Iğdırlı",
        "Tamamlama sertifikası",
        "23 Kasım 2026",
        "7K3M-Q9XR-2D4T-HB6W",
        "Göç Yönetiminin Temelleri",
        "%85,5",
    ):
        assert expected in text


def test_indonesian_text_and_no_score_line_when_hidden():
    pdf = render_certificate(
        document(
            language="id",
            heading="Sertifikat penyelesaian",
            learner_name="Siti Nurhaliza Putri",
            date_line="Tanggal penyelesaian: 23 November 2026",
            score_line=None,
        )
    )
    text = text_of(pdf)
    assert "Siti Nurhaliza Putri" in text and "Sertifikat penyelesaian" in text
    assert "Puan" not in text


def test_metadata_names_the_language_and_the_learner_and_bytes_are_reproducible():
    pdf = render_certificate(document())
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "tr"
    assert "Şükrü Ğüneş İnce Iğdırlı" in reader.metadata.title
    assert render_certificate(document()) == pdf


def test_a_very_long_name_still_fits_on_one_page():
    long_name = "María de los Ángeles Fernández-Castañeda y Rodríguez de la Concepción Ñúñez " * 2
    text = text_of(render_certificate(document(learner_name=long_name.strip())))
    assert "Ñúñez" in text


def test_the_vendored_fonts_and_their_licence_ship_with_the_code():
    assert (FONTS_DIR / "DejaVuSans.ttf").stat().st_size > 100_000
    assert (FONTS_DIR / "DejaVuSans-Bold.ttf").stat().st_size > 100_000
    assert "Bitstream" in (FONTS_DIR / "LICENSE.txt").read_text()


def test_a_certificate_without_course_title_leaves_the_line_out():
    text = text_of(render_certificate(document(course_line="")))
    assert "Kurs" not in text and "Şükrü Ğüneş İnce Iğdırlı" in text
