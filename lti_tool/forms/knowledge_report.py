"""Gathering the knowledge-change numbers of one placement from the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.forms import ENTRY, FINAL
from lti_tool.forms.attachments import AttachedForm, attached_forms
from lti_tool.forms.knowledge import CohortKnowledge, LearnerKnowledge, cohort_knowledge
from lti_tool.forms.models import FormSubmission
from lti_tool.launch.models import LtiUser, Placement

AFTER_FINAL_QUESTIONNAIRE = "final_questionnaire"
AFTER_FINAL_ASSESSMENT = "final_assessment"


@dataclass(frozen=True)
class KnowledgeReport:
    entry_form: AttachedForm | None
    final_form: AttachedForm | None
    after_source: str  # AFTER_FINAL_QUESTIONNAIRE | AFTER_FINAL_ASSESSMENT
    learners: tuple[LearnerKnowledge, ...]
    cohort: CohortKnowledge


def _scores(session: Session, placement_id: int, form: AttachedForm | None) -> dict[int, float]:
    if form is None:
        return {}
    return {
        user_id: score
        for user_id, score in session.execute(
            select(FormSubmission.user_id, FormSubmission.knowledge_percent).where(
                FormSubmission.placement_id == placement_id,
                FormSubmission.form_id == form.form_id,
                FormSubmission.knowledge_percent.is_not(None),
            )
        )
        if score is not None
    }


def _best_scores(session: Session, placement_id: int) -> dict[int, float]:
    from lti_tool.attempts.best import best_result
    from lti_tool.attempts.models import BestScore

    user_ids = session.scalars(
        select(BestScore.user_id).where(BestScore.placement_id == placement_id)
    ).all()
    out: dict[int, float] = {}
    for user_id in user_ids:
        best = best_result(session, placement_id, user_id)
        if best is not None:
            out[user_id] = best.best_percent
    return out


def knowledge_report(session: Session, placement: Placement) -> KnowledgeReport:
    forms = {f.kind: f for f in attached_forms(session, placement.assessment_slug)}
    entry, final = forms.get(ENTRY), forms.get(FINAL)
    before = _scores(session, placement.id, entry)
    if final is not None:
        after, source = _scores(session, placement.id, final), AFTER_FINAL_QUESTIONNAIRE
    else:
        after, source = _best_scores(session, placement.id), AFTER_FINAL_ASSESSMENT
    user_ids = set(before) | set(after)
    names = (
        {
            user.id: user.display_name
            for user in session.scalars(select(LtiUser).where(LtiUser.id.in_(user_ids)))
        }
        if user_ids
        else {}
    )
    rows = sorted(
        (
            LearnerKnowledge(uid, names.get(uid, str(uid)), before.get(uid), after.get(uid))
            for uid in user_ids
        ),
        key=lambda r: (r.name.casefold(), r.user_id),
    )
    return KnowledgeReport(entry, final, source, tuple(rows), cohort_knowledge(rows))
