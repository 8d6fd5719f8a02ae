"""What forms answer when other packages ask (lti_tool.signals).

Forms depend on attempts, never the other way round: before a learner starts an attempt,
attempts asks which first steps are pending, and an open entry questionnaire is one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from item_bank.forms import ENTRY
from lti_tool.attempts.first_steps import FirstStep
from lti_tool.forms.submissions import learner_forms
from lti_tool.launch.models import Placement
from lti_tool.signals import first_steps_asked

ENTRY_QUESTIONNAIRE = "entry_questionnaire"


def entry_questionnaire_pending(
    placement: Placement, *, session: Session, user_id: int, **_: object
) -> FirstStep | None:
    """The entry questionnaire, while the learner may still answer it and has not."""
    for form in learner_forms(session, placement, user_id):
        if form.kind == ENTRY and form.is_open:
            doc = form.form.doc
            return FirstStep(
                code=ENTRY_QUESTIONNAIRE,
                endpoint="certificates.forms.fill",
                values={"slug": form.slug},
                titles=doc.title,
                default_language=doc.default_language,
            )
    return None


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per receiver)."""
    first_steps_asked.connect(entry_questionnaire_pending)
