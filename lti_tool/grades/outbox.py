"""Writing grades to send: called by the attempts module in the transaction that stores the result.

Rules (why they hold is in docs/grades.md, "Coalescing"):

* One outbox row per (placement, learner), holding the best score so far. A newer best replaces it
  in place and bumps `version`; so an older best can never be sent after a newer one: there is
  nothing older left to send.
* Never lower: a score whose fraction (given / maximum) is not above the row's is ignored
  (`score_order.is_higher`, the comparison the attempt engine uses for its best score). An equal
  score keeps the earlier attempt's timestamp (the attempt that first reached it set the best).
* Timestamps strictly increase with `version`, at whole-second resolution (Moodle stores seconds
  and answers 409 to an equal or older timestamp). A newer best timestamped within the same second
  as the previous one is moved to the next second, so the platform's "newer wins" rule always
  agrees with our order, even if two posts ever crossed on the wire.
* A row being delivered is never blocked or overwritten in a way that loses the newer value: this
  function leaves the worker's claim alone and only changes the score, `version` and `state`. The
  worker, when done, marks the row delivered only if `version` is still the one it sent; otherwise
  the row stays pending and the newer best goes out next (after the in-flight post, never before:
  the claim keeps other workers away until it is released).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lti_tool.grades.models import PENDING, GradeOutbox
from lti_tool.score_order import is_higher


def enqueue_grade(
    session: Session,
    *,
    placement_id: int,
    user_id: int,
    attempt_id: int,
    score_given: float,
    score_maximum: float,
    timestamp: datetime,
    now: datetime | None = None,
) -> GradeOutbox:
    """Record that this learner's best for this placement is now `score_given` / `score_maximum`,
    set by `attempt_id` at `timestamp`. Call it in the same transaction as the result; it does not
    commit. Returns the outbox row (unchanged when the score is not a new best).

    `now` (defaults to `timestamp`) is when the row becomes due.
    """
    _check_score(score_given, score_maximum, timestamp)
    now = now or timestamp
    inserted = _insert_if_absent(
        session,
        dict(
            placement_id=placement_id,
            user_id=user_id,
            attempt_id=attempt_id,
            score_given=float(score_given),
            score_maximum=float(score_maximum),
            score_timestamp=timestamp,
            version=1,
            state=PENDING,
            tries=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        ),
    )
    if inserted is not None:
        return inserted  # the first grade of this learner here: nothing to compare with
    row = session.scalars(
        select(GradeOutbox)
        .where(GradeOutbox.placement_id == placement_id, GradeOutbox.user_id == user_id)
        .with_for_update()  # PostgreSQL: two attempts of one learner committing at once queue here
        .execution_options(populate_existing=True)
    ).one()
    if not is_higher(score_given, score_maximum, row.score_given, row.score_maximum):
        return row  # not a new best: never lower, never re-stamp an equal score
    _replace_best(row, attempt_id, score_given, score_maximum, timestamp, now)
    session.flush()
    return row


def _check_score(score_given: float, score_maximum: float, timestamp: datetime) -> None:
    if timestamp.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware UTC")
    if not score_maximum > 0:
        raise ValueError("score_maximum must be positive")
    if score_given < 0:
        raise ValueError("score_given must not be negative")


def _replace_best(
    row: GradeOutbox,
    attempt_id: int,
    score_given: float,
    score_maximum: float,
    timestamp: datetime,
    now: datetime,
) -> None:
    """The newer best in place of the old one: a new `version`, due at once, errors cleared
    (the worker's claim, if any, is left alone)."""
    row.attempt_id = attempt_id
    row.score_given = float(score_given)
    row.score_maximum = float(score_maximum)
    row.score_timestamp = strictly_after(timestamp, row.score_timestamp)
    row.version += 1
    row.state = PENDING
    row.tries = 0
    row.next_attempt_at = now
    row.last_error_code = row.last_http_status = row.last_error_detail = None
    row.updated_at = now


def strictly_after(timestamp: datetime, previous: datetime) -> datetime:
    """`timestamp`, or the start of the second after `previous` if it is not in a later second."""
    floor_previous = previous.replace(microsecond=0)
    if timestamp.replace(microsecond=0) > floor_previous:
        return timestamp
    return floor_previous + timedelta(seconds=1)


def _insert_if_absent(session: Session, values: dict[str, object]) -> GradeOutbox | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the row; None when it was already there."""
    dialect = session.get_bind().dialect.name
    row_key = ["placement_id", "user_id"]
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(GradeOutbox).on_conflict_do_nothing(index_elements=row_key)
    elif dialect == "sqlite":
        statement = sqlite.insert(GradeOutbox).on_conflict_do_nothing(index_elements=row_key)
    else:  # pragma: no cover - only the two supported backends exist
        raise RuntimeError(f"unsupported database {dialect}")
    returning = statement.values(**values).returning(GradeOutbox)
    return session.scalars(returning).first()
