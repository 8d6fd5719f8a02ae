"""Which items a learner has already been shown at a placement, for the next attempt's draw.

Every earlier attempt counts, whatever its outcome: a voided attempt's questions were read too.
Items are counted by uid, so a question revised between two attempts still counts as seen.

Starting an attempt reads the exposure with the learner's attempts, in the same statement:
`seen_uids` is a column of that SELECT (each attempt's item uids, joined by a space, which
no uid holds: item_bank.schemas.ID_PATTERN), and `exposure_from` counts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import Session

from item_bank.drawing import Exposure
from item_bank.models import ItemVersion
from lti_tool.attempts.models import Attempt, AttemptQuestion

_SEPARATOR = " "  # never in an item uid (letters, digits and . _ : -)


def seen_uids() -> ScalarSelect[Any]:
    """A column for a SELECT of attempts: the uids of the attempt's items, space-separated."""
    return (
        select(func.aggregate_strings(ItemVersion.item_uid, _SEPARATOR))
        .join(AttemptQuestion, AttemptQuestion.item_version_id == ItemVersion.id)
        .where(AttemptQuestion.attempt_id == Attempt.id)
        .correlate(Attempt)
        .scalar_subquery()
    )


def exposure_from(numbered: Iterable[tuple[int, str | None]]) -> dict[str, Exposure]:
    """Item uid -> exposure, from (attempt number, `seen_uids`) of each earlier attempt."""
    exposure: dict[str, Exposure] = {}
    for number, uids in numbered:
        for uid in set((uids or "").split(_SEPARATOR)) - {""}:
            before = exposure.get(uid, Exposure(times=0, last_attempt=0))
            exposure[uid] = Exposure(before.times + 1, max(before.last_attempt, number))
    return exposure


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
