"""What the certificate pages ask of certificates, one function per request (ADR 0012).

Views parse the request, call one of these, map `CertificateRefused` to a page and render.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.certificates.eligibility import CertificateState, learner_certificate_state
from lti_tool.certificates.issuing import issue_if_eligible
from lti_tool.certificates.models import Certificate
from lti_tool.db import unit_of_work


class CertificateRefused(Exception):
    """The learner has no certificate to download; `state` says why."""

    def __init__(self, state: CertificateState):
        super().__init__(state.status)
        self.state = state


def certificate_to_download(
    placement_id: int | None, user_id: int, *, now: datetime
) -> Certificate:
    """The learner's certificate, issued (and committed) now if deserved and not yet issued.

    A GET that writes, because the rule must settle: a certificate is issued on its first
    download, and committed before anyone can hold the PDF.
    """
    with unit_of_work() as session:
        certificate = (
            issue_if_eligible(session, placement_id, user_id, now=now)
            if placement_id is not None
            else None
        )
        if certificate is None:
            raise CertificateRefused(learner_certificate_state(session, placement_id, user_id))
        return certificate


def placement_certificates(session: Session, placement_id: int | None) -> Sequence[Certificate]:
    """Every certificate of a placement (revoked ones too), newest first."""
    if placement_id is None:
        return []
    return session.scalars(
        select(Certificate)
        .where(Certificate.placement_id == placement_id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
