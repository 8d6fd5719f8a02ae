"""What the certificate and the verification page say, in a given language (flask_babel
catalogs for our sentences, babel for dates and numbers, the content's own translations for
the assessment title)."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_percent
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from item_bank.languages import translate
from lti_tool.certificates import codes
from lti_tool.certificates.models import Certificate
from lti_tool.certificates.pdf import CertificateDocument
from lti_tool.platforms.branding import IssuerBranding
from lti_tool.web.locale import SUPPORTED_LOCALES, normalise_locale


def local_date(moment: datetime | date, language: str) -> str:
    """A date as people of `language` write it (the UTC calendar day of `moment`)."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return format_date(day, format="long", locale=normalise_locale(language))


def local_percent(value: float, language: str) -> str:
    return format_percent(
        round(value, 1) / 100, locale=normalise_locale(language), decimal_quantization=False
    )


def verification_url(code: str) -> str:
    """The public address of a certificate's verification page (printed and in the QR code)."""
    base = current_app.config["EMM_SETTINGS"].public_base_url.rstrip("/")
    return base + url_for("certificates.verify", code=codes.display(code))


def assessment_title(certificate: Certificate, language: str) -> str:
    return translate(
        certificate.assessment_title, language, certificate.assessment_default_language
    )


def certificate_document(
    certificate: Certificate,
    language: str,
    *,
    show_score: bool,
    branding: IssuerBranding | None = None,
) -> CertificateDocument:
    """`branding`: the platform's (lti_tool.platforms.branding); without one the tool's own
    name is the issuer."""
    language = language if language in SUPPORTED_LOCALES else normalise_locale(language)
    with force_locale(language):
        date_text = local_date(certificate.achieved_at, language)
        return CertificateDocument(
            language=language,
            heading=_("Certificate of completion"),
            intro=_("This is to certify that"),
            learner_name=certificate.learner_name,
            completed=_("has successfully completed the final assessment"),
            assessment_title=assessment_title(certificate, language),
            course_line=_("of the course %(course)s", course=certificate.course_title)
            if certificate.course_title
            else "",
            date_line=_("Date of completion: %(date)s", date=date_text),
            score_line=_(
                "Score: %(score)s", score=local_percent(certificate.score_percent, language)
            )
            if show_score
            else None,
            code_line=_("Verification code: %(code)s", code=codes.display(certificate.code)),
            verify_line=_("Check that this certificate is genuine at:"),
            verify_url=verification_url(certificate.code),
            qr_alt=_("QR code with the address of this certificate's verification page"),
            issuer=issuer_name(branding),
            issued_at=certificate.issued_at,
            logo=branding.logo.data if branding and branding.logo else None,
            logo_alt=_("Logo of %(organisation)s", organisation=issuer_name(branding)),
            signatory=branding.signatory if branding else None,
        )


def issuer_name(branding: IssuerBranding | None) -> str:
    """Who issued the certificate: the platform's organisation or name, else this tool."""
    return branding.organisation if branding is not None else _("E-Campus assessment")


def pdf_filename(certificate: Certificate) -> str:
    return f"certificate-{codes.display(certificate.code)}.pdf"
