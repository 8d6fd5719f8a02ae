"""Reading a placement's submitted attempts on one assessment version into a response matrix.

Three plain SELECTs (the placement's launches, the attempts, their questions) stream rows into
`MatrixBuilder`; no ORM object is made per row. The language of an attempt is the interface
language of the learner's latest launch into the placement at or before the attempt started:
the language the pages of that attempt were shown in (ADR 0020). Void and unfinished attempts
are never read.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from item_bank.item_types.choice import MULTIPLE_RESPONSE, SINGLE_CHOICE
from item_bank.item_types.true_false import TRUE_FALSE, TRUE_FALSE_OPTION_IDS
from item_bank.languages import base_language
from item_bank.models import ItemVersion, Pool, PoolItem
from lti_tool.analysis.matrix import AttemptFacts, ItemColumn, MatrixBuilder, ResponseMatrix
from lti_tool.attempts.models import SUBMITTED, Attempt, AttemptQuestion
from lti_tool.launch.models import LaunchSession

UNKNOWN_LANGUAGE = "und"  # ISO 639-2 "undetermined": no launch recorded before the attempt


@dataclass(frozen=True)
class DataStamp:
    """What the statistics reflect: changes whenever an attempt is submitted, voided, deleted,
    regraded or given a score by hand (the sum of scores moves with the last three)."""

    attempts: int
    last_attempt_id: int
    last_finished_at: datetime | None
    score_total: float = 0.0


@dataclass(frozen=True)
class ItemTexts:
    stem: Mapping[str, str]  # sanitised HTML per language
    options: Mapping[str, Mapping[str, str]]  # option id -> text per language
    default_language: str


def _submitted(placement_id: int, version_id: int) -> Any:
    return (
        (Attempt.placement_id == placement_id)
        & (Attempt.assessment_version_id == version_id)
        & (Attempt.status == SUBMITTED)
        # A staff member's preview never counts (ADR 0019): it would be answered with the key.
        & Attempt.preview.is_(False)
    )


def data_stamp(session: Session, placement_id: int, version_id: int) -> DataStamp:
    count, last_id, last_finished, score_total = session.execute(
        select(
            func.count(Attempt.id),
            func.max(Attempt.id),
            func.max(Attempt.finished_at),
            func.sum(Attempt.score_percent),
        ).where(_submitted(placement_id, version_id))
    ).one()
    return DataStamp(int(count or 0), int(last_id or 0), last_finished, float(score_total or 0))


def _options(item: ItemVersion) -> tuple[tuple[str, ...], frozenset[str]]:
    if item.type in (SINGLE_CHOICE, MULTIPLE_RESPONSE):
        options = item.content["options"]
        return tuple(o["id"] for o in options), frozenset(o["id"] for o in options if o["correct"])
    if item.type == TRUE_FALSE:
        return TRUE_FALSE_OPTION_IDS, frozenset({"true" if item.content["answer"] else "false"})
    return (), frozenset()


def version_items(
    session: Session, version_id: int
) -> tuple[list[ItemColumn], dict[int, ItemTexts]]:
    """The item versions the version's pools draw from, in pool order, and their texts."""
    columns, texts = [], {}
    for item in session.scalars(
        select(ItemVersion)
        .join(PoolItem, PoolItem.item_version_id == ItemVersion.id)
        .join(Pool, Pool.id == PoolItem.pool_id)
        .where(Pool.assessment_version_id == version_id)
        .order_by(Pool.position, PoolItem.position)
    ):
        options, keyed = _options(item)
        columns.append(
            ItemColumn(item.id, item.item_uid, item.version, item.type, item.points, options, keyed)
        )
        by_id = {o["id"]: o["text"] for o in item.content.get("options", [])}
        texts[item.id] = ItemTexts(item.content.get("stem", {}), by_id, item.default_language)
    return columns, texts


def chosen_options(item: ItemColumn, response: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The option ids a normalised response chose (lti_tool never stores another shape)."""
    if not response or not item.has_options:
        return ()
    if "choice" in response:
        return (response["choice"],) if response["choice"] else ()
    if "choices" in response:
        return tuple(response["choices"] or ())
    value = response.get("value")
    return ("true",) if value is True else ("false",) if value is False else ()


def launches_query(placement_id: int) -> Select[int, datetime, str]:
    """Every launch into the placement: who, when, in which language (learner by learner)."""
    return (
        select(LaunchSession.user_id, LaunchSession.created_at, LaunchSession.locale)
        .where(LaunchSession.placement_id == placement_id)
        .order_by(LaunchSession.user_id, LaunchSession.created_at)
    )


class LaunchLanguages:
    """The language of each learner's launches, to find the one in force when an attempt
    started. A lookup in Python (a binary search per attempt) rather than a correlated
    subquery: no index of launch_sessions serves (user, placement, time) on every backend."""

    def __init__(self, rows: Iterable[tuple[int, datetime, str]]):
        self._times: dict[int, list[datetime]] = {}
        self._locales: dict[int, list[str]] = {}
        for user_id, created_at, locale in rows:
            self._times.setdefault(user_id, []).append(created_at)
            self._locales.setdefault(user_id, []).append(locale)

    def at(self, user_id: int, moment: datetime) -> str:
        times = self._times.get(user_id)
        if not times:
            return UNKNOWN_LANGUAGE
        index = bisect_right(times, moment) - 1
        if index < 0:
            return UNKNOWN_LANGUAGE
        return base_language(self._locales[user_id][index]) or UNKNOWN_LANGUAGE


def attempts_query(
    placement_id: int, version_id: int
) -> Select[int, int, int, float | None, float, bool | None, datetime]:
    """The submitted attempts, in id order."""
    return (
        select(
            Attempt.id,
            Attempt.user_id,
            Attempt.number,
            Attempt.points,
            Attempt.max_points,
            Attempt.passed,
            Attempt.started_at,
        )
        .where(_submitted(placement_id, version_id))
        .order_by(Attempt.id)
    )


def questions_query(placement_id: int, version_id: int) -> Select[Any]:
    """What each of those attempts drew, earned and answered."""
    return (
        select(
            AttemptQuestion.attempt_id,
            AttemptQuestion.item_version_id,
            AttemptQuestion.points_awarded,
            AttemptQuestion.response,
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(_submitted(placement_id, version_id))
    )


def read_matrix(
    session: Session, placement_id: int, version_id: int, items: list[ItemColumn]
) -> ResponseMatrix:
    builder = MatrixBuilder(items)
    by_id = {item.item_version_id: item for item in items}
    rows: dict[int, int] = {}
    languages = LaunchLanguages(session.execute(launches_query(placement_id)))
    attempts = session.execute(attempts_query(placement_id, version_id))
    for attempt_id, user_id, number, points, max_points, passed, started_at in attempts:
        language = languages.at(user_id, started_at)
        # A submitted attempt always has points and passed (CheckConstraint outcome_matches_status).
        facts = AttemptFacts(
            attempt_id, user_id, number, language, points or 0.0, max_points, bool(passed)
        )
        rows[attempt_id] = builder.add_attempt(facts)
    # Streamed in batches: a million cells are never all Python rows at once.
    questions = session.execute(
        questions_query(placement_id, version_id).execution_options(yield_per=5000)
    )
    for attempt_id, item_version_id, awarded, response in questions:
        item, row = by_id.get(item_version_id), rows.get(attempt_id)
        if item is None or row is None:  # outside the pools; or submitted between the SELECTs
            continue
        fraction = (awarded or 0.0) / item.points
        builder.add_cell(row, item_version_id, fraction, chosen_options(item, response))
    return builder.build()
