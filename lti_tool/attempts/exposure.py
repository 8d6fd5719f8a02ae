"""Which items a learner has already been shown at a placement, for the next attempt's draw.

Every earlier attempt counts, whatever its outcome: a voided attempt's questions were read too.
Items are counted by uid, so a question revised between two attempts still counts as seen.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.drawing import Exposure
from item_bank.models import ItemVersion
from lti_tool.attempts.models import Attempt, AttemptQuestion


def exposure_of(session: Session, attempts: Sequence[Attempt]) -> dict[str, Exposure]:
    """Item uid -> in how many of `attempts` it appeared, and the latest attempt number."""
    numbers = {attempt.id: attempt.number for attempt in attempts}
    if not numbers:
        return {}
    rows = session.execute(
        select(AttemptQuestion.attempt_id, ItemVersion.item_uid)
        .join(ItemVersion, ItemVersion.id == AttemptQuestion.item_version_id)
        .where(AttemptQuestion.attempt_id.in_(numbers))
        .distinct()
    )
    exposure: dict[str, Exposure] = {}
    for attempt_id, uid in rows:
        number = numbers[attempt_id]
        before = exposure.get(uid, Exposure(times=0, last_attempt=0))
        exposure[uid] = Exposure(before.times + 1, max(before.last_attempt, number))
    return exposure
