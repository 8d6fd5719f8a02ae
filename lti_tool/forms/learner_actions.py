"""What a learner's form request does, one unit of work each (ADR 0012).

The view parses the request, calls one of these, maps `FormRefused` and `InvalidAnswers`
to pages, and renders; the work is committed before the function returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from lti_tool.db import unit_of_work
from lti_tool.forms.models import FormSubmission
from lti_tool.forms.submissions import submit_form
from lti_tool.launch.models import Placement
from lti_tool.signals import form_submitted


def submit(
    placement: Placement | None,
    user_id: int,
    slug: str,
    raw: Mapping[str, str],
    *,
    now: datetime,
) -> FormSubmission:
    """Store one submission and announce it, in one transaction.

    Receivers of `form_submitted` write in this transaction too: "upon receipt of the
    evaluation forms, a certification of completion will be issued", so the certificate a
    form was waiting for commits with that form, or neither does.
    """
    with unit_of_work() as session:
        submission = submit_form(session, placement, user_id, slug, raw, now=now)
        form_submitted.send(submission, session=session, now=now)
        return submission
