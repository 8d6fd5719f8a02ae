"""Certificate pages: the learner's certificate (page and PDF), the public verification page,
the instructor's list; and `certificate_state()` for templates of other packages."""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from item_bank.languages import translate
from lti_tool import db
from lti_tool.certificates import codes
from lti_tool.certificates.eligibility import (
    FORMS_PENDING,
    NAME_MISSING,
    NO_ASSESSMENT,
    REVOKED,
    CertificateState,
    learner_certificate_state,
)
from lti_tool.certificates.pdf import render_certificate
from lti_tool.certificates.service import (
    CertificateRefused,
    certificate_to_download,
    placement_certificates,
)
from lti_tool.certificates.verification import UNKNOWN, verify
from lti_tool.certificates.wording import (
    certificate_document,
    local_date,
    local_percent,
    pdf_filename,
    verification_url,
)
from lti_tool.clock import current_clock
from lti_tool.forms.attachments import completion_options
from lti_tool.launch.models import LaunchSession
from lti_tool.launch.sessions import current_launch, require_staff
from lti_tool.platforms.branding import IssuerBranding, issuer_branding
from lti_tool.services import services
from lti_tool.web.errors import UserFacingError
from lti_tool.web.locale import SUPPORTED_LOCALES

bp = Blueprint(
    "certificates", __name__, static_folder="static", static_url_path="/certificates-static"
)

VERIFY_LIMIT = 30  # look-ups per client address per window: plenty for people, useless for guessing
VERIFY_WINDOW_SECONDS = 60


# --------------------------------------------------------------------------- template helpers
def _request_certificate_state() -> CertificateState | None:
    """The certificate state of this request's learner, computed once and only when asked."""
    if "certificate_state" not in g:
        launch = g.get("launch")
        g.certificate_state = (
            learner_certificate_state(db.session(), launch.placement_id, launch.user_id)
            if launch is not None and launch.placement_id is not None
            else None
        )
    return g.certificate_state


def content_text(translations: dict[str, str] | None, default_language: str = "en") -> str:
    """A content text (form or assessment) in the interface language, with the usual fallback."""
    from flask_babel import get_locale

    return translate(translations, str(get_locale() or default_language), default_language)


def language_name(code: str) -> str:
    from babel import Locale

    return Locale.parse(code).get_display_name(code) or code


@bp.app_context_processor
def _certificate_context() -> dict:
    return {
        "certificate_state": _request_certificate_state,
        "content_text": content_text,
        "language_name": language_name,
        "display_code": codes.display,
        "local_date": local_date,
        "local_percent": local_percent,
    }


def _branding(launch: LaunchSession) -> IssuerBranding | None:
    """Branding is read when the certificate is shown, not frozen at issue: an admin who
    brands a platform later (or corrects a name) changes every certificate it issued, on
    paper and on the verification page alike."""
    return issuer_branding(launch.deployment.platform if launch.deployment is not None else None)


def _refusal(state: CertificateState) -> UserFacingError:
    if state.status == FORMS_PENDING:
        return UserFacingError(
            _(
                "Your certificate will be issued as soon as you submit the forms "
                "this course asks for."
            ),
            status=403,
            code="forms_pending",
            action=_("Open the certificate page to see which forms are missing."),
        )
    if state.status == NAME_MISSING:
        return UserFacingError(
            _(
                "Your course did not share your name with this tool, so there is no "
                "name to print on a certificate."
            ),
            status=403,
            code="name_missing",
            action=_(
                "Ask your instructor to let the course share learners' names "
                "with this tool, then open the assessment again."
            ),
        )
    if state.status == REVOKED:
        return UserFacingError(
            _("Your certificate for this assessment was revoked."),
            status=403,
            code="certificate_revoked",
            action=_("Contact your instructor if you think this is a mistake."),
        )
    if state.status == NO_ASSESSMENT:
        return UserFacingError(
            _("This activity has no assessment, so it has no certificate."),
            status=404,
            code="no_assessment",
        )
    return UserFacingError(
        _("There is no certificate yet: it is issued when you pass the final assessment."),
        status=403,
        code="not_passed",
        action=_("Take the assessment; your highest score counts."),
    )


# --------------------------------------------------------------------------- learner
@bp.get("/certificate")
def learner() -> str:
    launch = current_launch()
    state = _request_certificate_state() or CertificateState(NO_ASSESSMENT)
    certificate = state.certificate if state.eligible else None
    return render_template(
        "certificates/learner.html",
        state=state,
        certificate=certificate,
        verify_url=verification_url(certificate.code) if certificate else None,
        languages=SUPPORTED_LOCALES,
        branding=_branding(launch),
    )


@bp.get("/certificate.pdf")
def download() -> Response:
    launch = current_launch()
    try:
        certificate = certificate_to_download(
            launch.placement_id, launch.user_id, now=current_clock().now()
        )
    except CertificateRefused as refused:
        raise _refusal(refused.state) from None
    language = request.args.get("lang", "")
    language = language if language in SUPPORTED_LOCALES else launch.locale
    options = completion_options(
        db.session(), launch.placement.assessment_slug if launch.placement else None
    )
    pdf = render_certificate(
        certificate_document(
            certificate,
            language,
            show_score=options.certificate_shows_score,
            branding=_branding(launch),
        )
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pdf_filename(certificate)}"'},
    )


# --------------------------------------------------------------------------- public verification
def _rate_limit() -> None:
    client = request.remote_addr or "unknown"
    count = services().store.hit(f"certificates:verify:{client}", VERIFY_WINDOW_SECONDS)
    if count > VERIFY_LIMIT:
        raise UserFacingError(
            _("Too many certificate checks came from your network in a short time."),
            status=429,
            code="too_many_verifications",
            action=_("Wait a minute, then try again."),
            headers={"Retry-After": str(VERIFY_WINDOW_SECONDS)},
        )


def _page_language() -> None:
    """Public pages have no launch: `?lang=` (from the certificate's QR code or a link) or the
    browser's languages decide."""
    language = request.args.get("lang", "")
    if language in SUPPORTED_LOCALES:
        g.locale = language


@bp.get("/verify")
def verify_form():
    _page_language()
    raw = request.args.get("code", "").strip()
    if raw:
        code = codes.normalise(raw)
        if code is not None:
            values = {"code": codes.display(code)}
            if g.get("locale"):
                values["lang"] = g.locale
            return redirect(url_for("certificates.verify", **values), 303)
    return render_template(
        "certificates/verify.html", result=None, typed=raw, malformed=bool(raw)
    ), (400 if raw else 200)


@bp.get("/verify/<code>", endpoint="verify")
def verify_code(code: str):
    _page_language()
    _rate_limit()
    result = verify(db.session(), code)
    return render_template(
        "certificates/verify.html", result=result, typed=code, malformed=False
    ), (404 if result.status == UNKNOWN else 200)


# --------------------------------------------------------------------------- instructor
@bp.get("/instructor/certificates")
def instructor_list() -> str:
    launch = require_staff()
    certificates = placement_certificates(db.session(), launch.placement_id)
    return render_template(
        "certificates/instructor_list.html", certificates=certificates, placement=launch.placement
    )
