"""Regrading after a corrected key (Moodle's quiz "Regrade"), on an instructor's request.

When a corrected version of the placement's assessment is published, the submitted attempts
are scored again with the newest version of each item they drew (matched by the item's id).
`plan` shows the changes without writing; `apply` writes them, in one unit of work, audited.
Under the highest-score rule only rises are applied (ADR 0019): a score that would fall is
shown and kept, and a rise that beats the learner's best goes to the gradebook through the
grade outbox. An item whose corrected version has another type or other option ids is left
as it was (the learner's response would not mean the same thing), and previews are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from item_bank.catalog import latest_version
from item_bank.drawing import option_ids_in_authored_order
from item_bank.models import ItemVersion, Pool, PoolItem
from item_bank.responses import InvalidResponse
from item_bank.scoring import score_response
from lti_tool.attempts import published, rules
from lti_tool.attempts.best_recording import record_best_and_queue_grade
from lti_tool.attempts.models import SUBMITTED, Attempt, AttemptQuestion
from lti_tool.audit import log as audit
from lti_tool.db import unit_of_work
from lti_tool.launch.models import LtiUser, Placement


@dataclass(frozen=True)
class Change:
    attempt_id: int
    number: int
    learner: str
    before: float
    after: float

    @property
    def rises(self) -> bool:
        return rules.is_new_best(self.before, self.after)


def _newest_items(session: Session, slug: str) -> dict[str, ItemVersion]:
    version = latest_version(session, slug)
    if version is None:
        return {}
    members = session.scalars(
        select(ItemVersion)
        .join(PoolItem, PoolItem.item_version_id == ItemVersion.id)
        .join(Pool, Pool.id == PoolItem.pool_id)
        .where(Pool.assessment_version_id == version.id)
    )
    return {item.item_uid: item for item in members}


def _same_shape(old: ItemVersion, new: ItemVersion) -> bool:
    return old.type == new.type and sorted(option_ids_in_authored_order(old)) == sorted(
        option_ids_in_authored_order(new)
    )


def _rescored(
    question: AttemptQuestion, newest: dict[str, ItemVersion]
) -> tuple[ItemVersion, float]:
    """The item the question is scored with now, and its points (unchanged items as stored)."""
    old = question.item_version
    new = newest.get(old.item_uid)
    if new is None or new.id == old.id or not _same_shape(old, new):
        return old, float(question.points_awarded or 0.0)
    try:
        return new, score_response(new, question.response or {})
    except InvalidResponse:
        return old, float(question.points_awarded or 0.0)


def _submitted(
    session: Session, placement_id: int, lock: bool
) -> Iterable[tuple[Attempt, LtiUser]]:
    statement = (
        select(Attempt, LtiUser)
        .join(LtiUser, LtiUser.id == Attempt.user_id)
        .where(
            Attempt.placement_id == placement_id,
            Attempt.status == SUBMITTED,
            Attempt.preview.is_(False),
        )
        .order_by(Attempt.id)
        .options(selectinload(Attempt.questions).selectinload(AttemptQuestion.item_version))
    )
    if lock:
        statement = statement.with_for_update(of=Attempt)
    return session.execute(statement).all()


def _changes(session: Session, placement: Placement, lock: bool):
    newest = _newest_items(session, placement.assessment_slug or "")
    for attempt, user in _submitted(session, placement.id, lock):
        scored = [_rescored(q, newest) for q in attempt.questions]
        max_points = sum(float(item.points) for item, _ in scored)
        after = rules.percent(sum(points for _, points in scored), max_points)
        assert attempt.score_percent is not None
        if after != attempt.score_percent:
            change = Change(
                attempt.id, attempt.number, user.display_name, attempt.score_percent, after
            )
            yield change, attempt, scored, max_points


def plan(placement: Placement) -> list[Change]:
    """What a regrade would change, without writing anything."""
    with unit_of_work() as session:
        return [change for change, *_ in _changes(session, placement, lock=False)]


def apply(placement: Placement, *, staff_user_id: int, reason: str, now: datetime) -> int:
    """Apply the rises (recomputed under lock: the plan shown may be stale); how many."""
    raised = 0
    with unit_of_work() as session:
        for change, attempt, scored, max_points in list(_changes(session, placement, lock=True)):
            if not change.rises:
                continue
            _raise(session, attempt, scored, max_points, change.after, now)
            audit.record(
                session,
                placement_id=placement.id,
                staff_user_id=staff_user_id,
                action=audit.ATTEMPTS_REGRADED,
                now=now,
                subject=audit.Subject(attempt.user_id, attempt.id, attempt.number),
                reason=reason,
                details={"before": change.before, "after": change.after},
            )
            raised += 1
    return raised


def _raise(
    session: Session,
    attempt: Attempt,
    scored: list[tuple[ItemVersion, float]],
    max_points: float,
    after: float,
    now: datetime,
) -> None:
    for question, (item, points) in zip(attempt.questions, scored, strict=True):
        question.item_version_id, question.points_awarded = item.id, points
    pass_mark = published.pass_mark_of(session, attempt.assessment_version_id)
    attempt.max_points = max_points
    attempt.points = sum(points for _, points in scored)
    attempt.score_percent = after
    attempt.passed = rules.passes(after, pass_mark)
    session.flush()
    record_best_and_queue_grade(session, attempt, now=now, timestamp=now)
