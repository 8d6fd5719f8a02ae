"""Forms announce a submission (`form_submitted`) and certificates issue on it: one transaction.

Forms never import certificates (tests/unit/test_import_layers.py); what ties a submission to
the certificate it completes is the signal, so these tests pin down that the two still stand
or fall together.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lti_tool import db
from lti_tool.certificates.models import Certificate
from lti_tool.forms import learner_actions
from lti_tool.forms.models import FormSubmission
from lti_tool.launch.models import Placement
from lti_tool.signals import form_submitted

ANSWERS = {
    "objectives-clear": "5",
    "content-relevant": "4",
    "materials-quality": "4",
    "assessment-fair": "3",
    "recommend": "5",
}


class ReceiverFailed(Exception):
    pass


def _count(model) -> int:
    return db.session().scalar(select(func.count()).select_from(model))


@pytest.fixture
def ready(launch_as, finish, forms):
    """A learner who passed and has only the required course evaluation left to submit."""
    forms(("emm2-course-evaluation", True))
    who = launch_as()
    finish(who, 80.0)
    return who


def _submit(app, clock, who) -> FormSubmission:
    with app.app_context():
        placement = db.session().get(Placement, who.placement_id)
        return learner_actions.submit(
            placement, who.user_id, "emm2-course-evaluation", ANSWERS, now=clock.now()
        )


def test_the_submission_and_the_certificate_it_completes_are_committed_together(app, clock, ready):
    _submit(app, clock, ready)
    with app.app_context():  # a new session: only committed rows are seen
        assert _count(FormSubmission) == 1
        [certificate] = db.session().scalars(select(Certificate)).all()
        assert certificate.user_id == ready.user_id


def test_a_failing_receiver_rolls_back_the_submission_too(app, clock, ready):
    def fail(_submission, **_kwargs) -> None:
        raise ReceiverFailed

    form_submitted.connect(fail)
    try:
        with pytest.raises(ReceiverFailed):
            _submit(app, clock, ready)
    finally:
        form_submitted.disconnect(fail)
    with app.app_context():
        assert _count(FormSubmission) == 0
        assert _count(Certificate) == 0
