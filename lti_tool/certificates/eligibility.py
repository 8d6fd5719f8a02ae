"""Whether a learner has (or may have) a certificate of completion, and why not.

A certificate is deserved when the learner has passed (the attempt engine's one definition,
`attempts.rules.has_passed`: an attempt passed against its own version's pass mark, never taken
back), the launch gave us the learner's name, and every form the assessment requires for the
certificate has been submitted. Nothing else, and nothing less. The result page says "You have
passed" on the same rule, so a learner told so is never refused a certificate as `not_passed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.models import AssessmentVersion
from lti_tool.certificates.models import Certificate
from lti_tool.forms.submissions import SUBMITTED, LearnerForm, learner_forms
from lti_tool.launch.models import LtiUser, Placement

if TYPE_CHECKING:
    from lti_tool.attempts.best import BestResult

NO_ASSESSMENT = "no_assessment"  # the placement has no assessment (or there is no placement)
NOT_PASSED = "not_passed"  # no completed attempt yet, or none at the pass mark
NAME_MISSING = "name_missing"  # the platform withholds the learner's name: nothing to print
FORMS_PENDING = "forms_pending"  # passed; required forms still to submit
AVAILABLE = "available"  # deserved; issued on first download
ISSUED = "issued"
REVOKED = "revoked"


@dataclass(frozen=True)
class CertificateState:
    status: str
    best: BestResult | None = None
    pass_mark_percent: float | None = None
    certificate: Certificate | None = None
    forms: tuple[LearnerForm, ...] = ()

    @property
    def eligible(self) -> bool:
        """The learner may download a certificate now."""
        return self.status in (AVAILABLE, ISSUED)

    @property
    def pending_forms(self) -> tuple[LearnerForm, ...]:
        return tuple(f for f in self.forms if f.required and f.status != SUBMITTED)

    @property
    def open_forms(self) -> tuple[LearnerForm, ...]:
        return tuple(f for f in self.forms if f.is_open)


def learner_name(user: LtiUser) -> str:
    """The name to print; empty when the platform shared none (never the opaque `sub`)."""
    return (user.name or " ".join(p for p in (user.given_name, user.family_name) if p)).strip()


def is_pass(best: BestResult | None) -> bool:
    return best is not None and best.passed


def live_certificate(session: Session, placement_id: int, user_id: int) -> Certificate | None:
    return session.scalar(
        select(Certificate).where(
            Certificate.placement_id == placement_id,
            Certificate.user_id == user_id,
            Certificate.revoked_at.is_(None),
        )
    )


def revoked_certificate(session: Session, placement_id: int, user_id: int) -> Certificate | None:
    return session.scalar(
        select(Certificate)
        .where(
            Certificate.placement_id == placement_id,
            Certificate.user_id == user_id,
            Certificate.revoked_at.is_not(None),
        )
        .order_by(Certificate.revoked_at.desc())
        .limit(1)
    )


def learner_certificate_state(
    session: Session, placement_id: int | None, user_id: int
) -> CertificateState:
    from lti_tool.attempts.best import best_result

    placement = session.get(Placement, placement_id) if placement_id is not None else None
    if placement is None or not placement.assessment_slug:
        return CertificateState(NO_ASSESSMENT)
    best = best_result(session, placement.id, user_id)
    forms = tuple(learner_forms(session, placement, user_id, completed_attempt=best is not None))
    version = session.get(AssessmentVersion, best.assessment_version_id) if best else None
    pass_mark = version.pass_mark_percent if version else None

    live = live_certificate(session, placement.id, user_id)
    if live is not None:
        return CertificateState(ISSUED, best, pass_mark, live, forms)
    revoked = revoked_certificate(session, placement.id, user_id)
    if revoked is not None:  # a revoked certificate is not re-issued by passing again
        return CertificateState(REVOKED, best, pass_mark, revoked, forms)
    if not is_pass(best):
        return CertificateState(NOT_PASSED, best, pass_mark, None, forms)
    user = session.get(LtiUser, user_id)
    if user is None or not learner_name(user):
        return CertificateState(NAME_MISSING, best, pass_mark, None, forms)
    state = CertificateState(AVAILABLE, best, pass_mark, None, forms)
    if state.pending_forms:
        return CertificateState(FORMS_PENDING, best, pass_mark, None, forms)
    return state
