"""Issuing, revoking and replacing certificates: synchronous, in the caller's transaction.

`issue_if_eligible` is called where the last condition becomes true (the required form just
submitted, the first download, or the attempt engine right after a pass) and is idempotent: a
learner has at most one valid certificate per placement (a partial unique index), and two
concurrent calls end with the same certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from item_bank.models import AssessmentVersion
from lti_tool.certificates import codes
from lti_tool.certificates.eligibility import (
    AVAILABLE,
    ISSUED,
    CertificateState,
    learner_certificate_state,
    learner_name,
    live_certificate,
)
from lti_tool.certificates.models import Certificate
from lti_tool.launch.models import LtiUser, Placement

MAX_REASON = 2000


class CertificateNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Issued:
    certificate: Certificate
    created: bool


def course_title(placement: Placement) -> str:
    return (
        placement.context_title or placement.resource_link_title or placement.context_label or ""
    ).strip()


def issue_if_eligible(
    session: Session, placement_id: int, user_id: int, *, now: datetime
) -> Certificate | None:
    """The learner's valid certificate, issued now if deserved and not yet issued; else None."""
    state = learner_certificate_state(session, placement_id, user_id)
    if state.status == ISSUED:
        return state.certificate
    if state.status != AVAILABLE:
        return None
    return _issue(session, state, placement_id, user_id, now=now).certificate


def _issue(
    session: Session, state: CertificateState, placement_id: int, user_id: int, *, now: datetime
) -> Issued:
    assert state.best is not None
    placement = session.get(Placement, placement_id)
    user = session.get(LtiUser, user_id)
    version = session.get(AssessmentVersion, state.best.assessment_version_id)
    assert placement is not None and user is not None and version is not None
    certificate = Certificate(
        code=codes.new_code(),
        placement_id=placement_id,
        user_id=user_id,
        attempt_id=state.best.attempt_id,
        assessment_version_id=version.id,
        learner_name=learner_name(user)[:300],
        course_title=course_title(placement)[:500],
        assessment_title=dict(version.title),
        assessment_default_language=version.default_language,
        score_percent=round(float(state.best.best_percent), 2),
        achieved_at=state.best.achieved_at,
        issued_at=now,
        revoked_at=None,
        revoked_reason=None,
    )
    try:
        with session.begin_nested():
            session.add(certificate)
            session.flush()
    except IntegrityError:
        # Someone issued it between our read and our insert (or, once in 2^80, a code clash):
        # whatever is live now is the certificate.
        existing = live_certificate(session, placement_id, user_id)
        if existing is None:
            raise
        return Issued(existing, created=False)
    return Issued(certificate, created=True)


def find_by_code(session: Session, raw_code: str) -> Certificate | None:
    code = codes.normalise(raw_code)
    return session.scalar(select(Certificate).where(Certificate.code == code)) if code else None


def revoke(session: Session, raw_code: str, *, reason: str, now: datetime) -> Certificate:
    """Revoke a certificate (idempotent: revoking again keeps the first date and reason)."""
    reason = " ".join(reason.split())[:MAX_REASON]
    if not reason:
        raise ValueError("A reason is required to revoke a certificate.")
    certificate = find_by_code(session, raw_code)
    if certificate is None:
        raise CertificateNotFound(raw_code)
    if certificate.revoked_at is None:
        certificate.revoked_at = now
        certificate.revoked_reason = reason
        session.flush()
    return certificate


def reissue(session: Session, raw_code: str, *, now: datetime) -> Certificate:
    """Replace a valid certificate by a new one with today's name and course title (after a
    learner's name was corrected on the platform). The old code then verifies as revoked."""
    old = find_by_code(session, raw_code)
    if old is None:
        raise CertificateNotFound(raw_code)
    if old.revoked_at is not None:
        raise ValueError("This certificate is revoked; only a valid certificate can be replaced.")
    user = session.get(LtiUser, old.user_id)
    name = learner_name(user) if user else ""
    if not name:
        raise ValueError("The platform has not shared this learner's name; nothing to print.")
    new = Certificate(
        code=codes.new_code(),
        placement_id=old.placement_id,
        user_id=old.user_id,
        attempt_id=old.attempt_id,
        assessment_version_id=old.assessment_version_id,
        learner_name=name[:300],
        course_title=course_title(old.placement)[:500] or old.course_title,
        assessment_title=dict(old.assessment_title),
        assessment_default_language=old.assessment_default_language,
        score_percent=old.score_percent,
        achieved_at=old.achieved_at,
        issued_at=now,
        revoked_at=None,
        revoked_reason=None,
    )
    old.revoked_at = now
    old.revoked_reason = f"Replaced by {codes.display(new.code)}"
    session.flush()  # the old one stops being live before the new one is inserted
    session.add(new)
    session.flush()
    return new
