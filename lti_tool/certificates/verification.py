"""What the public verification page may say about a code: valid (name, course, assessment,
date, and who issued it), revoked (and when), or unknown. Nothing more about the learner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.certificates import codes
from lti_tool.certificates.models import Certificate
from lti_tool.platforms.branding import IssuerBranding, issuer_branding

VALID, REVOKED, UNKNOWN = "valid", "revoked", "unknown"


@dataclass(frozen=True)
class Verification:
    status: str
    code: str | None = None  # normalised, when well formed
    learner_name: str = ""
    course_title: str = ""
    assessment_title: dict[str, str] = field(default_factory=dict)
    assessment_default_language: str = "en"
    achieved_at: datetime | None = None
    revoked_at: datetime | None = None
    branding: IssuerBranding | None = None  # who issued it, as the PDF says (valid ones only)

    @property
    def display_code(self) -> str:
        return codes.display(self.code) if self.code else ""


def verify(session: Session, raw_code: str) -> Verification:
    code = codes.normalise(raw_code or "")
    if code is None:
        return Verification(UNKNOWN)
    certificate = session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None:
        return Verification(UNKNOWN, code)
    if certificate.revoked_at is not None:
        # Not even the name: a revoked certificate is no longer anyone's credential.
        return Verification(REVOKED, code, revoked_at=certificate.revoked_at)
    return Verification(
        VALID,
        code,
        learner_name=certificate.learner_name,
        course_title=certificate.course_title,
        assessment_title=dict(certificate.assessment_title),
        assessment_default_language=certificate.assessment_default_language,
        achieved_at=certificate.achieved_at,
        branding=issuer_branding(certificate.placement.deployment.platform),
    )
