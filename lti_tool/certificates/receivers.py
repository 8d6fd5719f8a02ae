"""What certificates do when other packages announce something (lti_tool.signals).

Certificates depend on forms, never the other way round: forms announce a submission and
the certificate it completes is issued here, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lti_tool.certificates.issuing import issue_if_eligible
from lti_tool.forms.models import FormSubmission
from lti_tool.signals import form_submitted


def issue_on_form_submitted(
    submission: FormSubmission, *, session: Session, now: datetime, **_: object
) -> None:
    """The last form a certificate waited on was just submitted: issue it now."""
    issue_if_eligible(session, submission.placement_id, submission.user_id, now=now)


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per receiver)."""
    form_submitted.connect(issue_on_form_submitted)
