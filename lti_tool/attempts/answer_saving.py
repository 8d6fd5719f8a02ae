"""The answer save and the heartbeat: the requests a learner sends most (issue 13, ADR 0013).

This path decides only the common case, in two database round trips on PostgreSQL and
without the ORM: the launch is current, the attempt is its learner's, alive at the server's
`now`, this tab holds the sitting and (for a save) the answer fits its question. Anything
else returns None, and the caller runs the locked path (`service.save_answer`,
`service.heartbeat`), which settles the attempt, says why it refuses and commits what it found.
So nothing here explains a refusal, and every refusal reads exactly as before.

One request:
1. one SELECT: the launch session (its id from the signed token, not expired) joined to the
   attempt (same learner and placement) and, for a save, the question at the position;
2. in Python: liveness by `rules.settlement`, the sitting key, and for a save the answer's
   tokens and its validation against the cached item version (`published`);
3. one guarded write, only WHERE the attempt row is still the one judged in step 1 (state,
   sitting key, activity times, timeout, deadline); no row back means something changed in
   between, and the locked path decides.
On PostgreSQL the connection is in autocommit and a save's write is one statement (the
attempt's UPDATE in a CTE, the question's UPDATE FROM it): atomic and committed when it
returns. It waits for the attempt's row lock like the locked path, so a save racing a submit
is in the score or refused, never acknowledged and lost. SQLite has no UPDATE in a CTE: there
the steps run in the request's unit of work (one BEGIN IMMEDIATE transaction, in process).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, and_, bindparam, func, select, update
from sqlalchemy.orm import aliased

from item_bank.responses import InvalidResponse, is_answered, validate_response
from lti_tool import db
from lti_tool.attempts import published, rules
from lti_tool.attempts.answer_tokens import AnswerTokens
from lti_tool.attempts.errors import TooManyHeartbeats
from lti_tool.attempts.models import IN_PROGRESS, Attempt, AttemptQuestion
from lti_tool.launch.models import LaunchSession

# -- what the pages get back ---------------------------------------------------------------


@dataclass(frozen=True)
class SittingRequest:
    """A request of the tab holding a sitting: which launch (from its signed token), which
    attempt, the sitting key it showed, and the server's `now`."""

    launch_id: str
    attempt_id: int
    sitting: str
    now: datetime


@dataclass(frozen=True)
class Timing:
    """The countdowns of a live attempt, in seconds."""

    inactivity_seconds_left: float
    engagement_seconds_left: float  # to save an answer or open a page (heartbeats do not count)
    time_limit_seconds_left: float | None
    inactivity_timeout_seconds: int


@dataclass(frozen=True)
class SavedAnswer:
    attempt_id: int
    position: int
    sitting_key: str
    question_count: int
    saved_at: datetime
    response: dict[str, Any]  # normalised, in authored ids: never sent back to the page
    timing: Timing

    @property
    def answered(self) -> bool:
        return is_answered(self.response)


@dataclass(frozen=True)
class Pulse:
    """A heartbeat taken: the attempt's state, its countdowns, and how long the page had
    been silent before it."""

    status: str
    timing: Timing
    away_seconds: float


def timing_of(attempt: rules.LiveAttempt, now: datetime) -> Timing:
    return Timing(
        rules.inactivity_seconds_left(attempt, now),
        rules.engagement_seconds_left(attempt, now),
        rules.time_limit_seconds_left(attempt.deadline_at, now),
        attempt.inactivity_timeout_seconds,
    )


# -- the statements (built once; SQLAlchemy caches their compiled form) ---------------------

_OWN_ATTEMPT = and_(
    Attempt.user_id == LaunchSession.user_id, Attempt.placement_id == LaunchSession.placement_id
)
_SITTING_COLUMNS = (
    LaunchSession.user_id,
    Attempt.status,
    Attempt.sitting_key,
    Attempt.last_activity_at,
    Attempt.last_answer_or_page_at,
    Attempt.inactivity_timeout_seconds,
    Attempt.deadline_at,
)
_CURRENT_LAUNCH = (
    LaunchSession.id == bindparam("launch_id"),
    LaunchSession.expires_at > bindparam("now"),  # as load_launch: valid while now < expiry
    Attempt.id == bindparam("attempt"),
)
_READ_FOR_HEARTBEAT = (
    select(*_SITTING_COLUMNS)
    .select_from(LaunchSession)
    .join(Attempt, _OWN_ATTEMPT)
    .where(*_CURRENT_LAUNCH)
)
_OTHER_QUESTION = aliased(AttemptQuestion)
_QUESTION_COUNT = (
    select(func.count(_OTHER_QUESTION.id))
    .where(_OTHER_QUESTION.attempt_id == Attempt.id)
    .correlate(Attempt)
    .scalar_subquery()
)
_READ_FOR_SAVE = (
    select(*_SITTING_COLUMNS, AttemptQuestion.item_version_id, _QUESTION_COUNT.label("questions"))
    .select_from(LaunchSession)
    .join(Attempt, _OWN_ATTEMPT)
    .join(
        AttemptQuestion,
        and_(
            AttemptQuestion.attempt_id == Attempt.id,
            AttemptQuestion.position == bindparam("at_position"),
        ),
    )
    .where(*_CURRENT_LAUNCH)
)
# The attempt row is still the one judged: nothing ended, moved or refreshed it since.
_UNCHANGED = (
    Attempt.id == bindparam("attempt"),
    Attempt.status == IN_PROGRESS,
    Attempt.sitting_key == bindparam("sitting"),
    Attempt.last_activity_at == bindparam("seen_activity"),
    Attempt.last_answer_or_page_at == bindparam("seen_answer_or_page"),
    Attempt.inactivity_timeout_seconds == bindparam("seen_timeout"),
    Attempt.deadline_at.is_not_distinct_from(bindparam("seen_deadline")),
)
_BEAT = (
    update(Attempt)
    .where(*_UNCHANGED)
    .values(last_activity_at=bindparam("now"))
    .returning(Attempt.id)
)
_TOUCH_FOR_ANSWER = (
    update(Attempt)
    .where(*_UNCHANGED)
    .values(
        last_activity_at=bindparam("now"),
        last_answer_or_page_at=bindparam("now"),
        last_position=bindparam("at_position"),
    )
)
_STORE_ANSWER = update(AttemptQuestion).values(
    response=bindparam("answer"), saved_at=bindparam("now")
)
_TOUCHED = _TOUCH_FOR_ANSWER.returning(Attempt.id).cte("touched")
# PostgreSQL: both writes in one statement; the question is written only if the attempt was.
_SAVE_IN_ONE = (
    _STORE_ANSWER.add_cte(_TOUCHED)
    .where(
        AttemptQuestion.attempt_id == _TOUCHED.c.id,
        AttemptQuestion.position == bindparam("at_position"),
    )
    .returning(AttemptQuestion.id)
)
_STORE_ANSWER_ALONE = _STORE_ANSWER.where(
    AttemptQuestion.attempt_id == bindparam("attempt"),
    AttemptQuestion.position == bindparam("at_position"),
)


class _SittingRow(Protocol):
    """The attempt as step 1 read it (a row of _READ_FOR_HEARTBEAT or _READ_FOR_SAVE)."""

    @property
    def user_id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def sitting_key(self) -> str: ...
    @property
    def last_activity_at(self) -> datetime: ...
    @property
    def last_answer_or_page_at(self) -> datetime: ...
    @property
    def inactivity_timeout_seconds(self) -> int: ...
    @property
    def deadline_at(self) -> datetime | None: ...


@contextmanager
def _connection() -> Iterator[Connection]:
    """PostgreSQL: a connection in autocommit (each write is one statement, its own
    transaction). SQLite: the request's unit of work, one writer at a time (BEGIN IMMEDIATE);
    it also joins a transaction the request already holds instead of waiting on it."""
    engine = db.engine()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection
        return
    with db.unit_of_work() as session:
        yield session.connection()


def _is_live_here(row: _SittingRow, request: SittingRequest) -> bool:
    return (
        row.status == IN_PROGRESS
        and secrets.compare_digest(request.sitting, row.sitting_key)
        and rules.settlement(row, request.now) is None  # type: ignore[arg-type]
    )


def _seen(row: _SittingRow, request: SittingRequest) -> dict[str, Any]:
    """The parameters of a guarded write: the request and the attempt row as judged."""
    return {
        "attempt": request.attempt_id,
        "sitting": request.sitting,
        "now": request.now,
        "seen_activity": row.last_activity_at,
        "seen_answer_or_page": row.last_answer_or_page_at,
        "seen_timeout": row.inactivity_timeout_seconds,
        "seen_deadline": row.deadline_at,
    }


@dataclass
class _Refreshed:
    """The attempt as the write left it (a rules.LiveAttempt)."""

    last_activity_at: datetime
    last_answer_or_page_at: datetime
    inactivity_timeout_seconds: int
    deadline_at: datetime | None


def _after_activity(row: _SittingRow, now: datetime, *, answer_or_page: bool) -> Timing:
    answer_or_page_at = now if answer_or_page else row.last_answer_or_page_at
    attempt = _Refreshed(now, answer_or_page_at, row.inactivity_timeout_seconds, row.deadline_at)
    return timing_of(attempt, now)


# -- the answer save -----------------------------------------------------------------------


def save_answer(
    request: SittingRequest,
    *,
    position: int,
    read_response: Callable[[str], Any],
    answer_tokens: AnswerTokens,
) -> SavedAnswer | None:
    """Store the answer (as the page posted it, with its tokens) and refresh the attempt's
    activity; None when the locked path must decide. A returned answer is committed."""
    with _connection() as connection:
        row = connection.execute(
            _READ_FOR_SAVE,
            {
                "launch_id": request.launch_id,
                "now": request.now,
                "attempt": request.attempt_id,
                "at_position": position,
            },
        ).first()
        if row is None or not _is_live_here(row, request):
            return None
        # Published content, read once per process (a miss reads it on this connection: once
        # per item version and process; no Session is made for it).
        item = published.item_version(connection, row.item_version_id)
        try:
            posted = read_response(item.type)
            tokens = answer_tokens.of_question(request.attempt_id, position, item)
            normalised = validate_response(item, tokens.reveal(posted))
        except InvalidResponse:
            return None  # the locked path says what is wrong, with the attempt to show it
        values = _seen(row, request) | {"at_position": position, "answer": normalised}
        if not _write_answer(connection, values):
            return None
    return SavedAnswer(
        request.attempt_id,
        position,
        row.sitting_key,
        row.questions,
        request.now,
        normalised,
        _after_activity(row, request.now, answer_or_page=True),
    )


def _write_answer(connection: Connection, values: dict[str, Any]) -> bool:
    if connection.dialect.name == "postgresql":
        return connection.execute(_SAVE_IN_ONE, values).first() is not None
    if db.rows_matched(connection.execute(_TOUCH_FOR_ANSWER, values)) != 1:
        return False
    connection.execute(_STORE_ANSWER_ALONE, values)
    return True


# -- the heartbeat -------------------------------------------------------------------------


def heartbeat(request: SittingRequest, *, too_many: Callable[[int], bool]) -> Pulse | None:
    """Refresh the attempt's last activity; None when the locked path must decide.

    Whose attempt first: `too_many(user_id)` (the rate limit) is asked only once the attempt
    is found to be the launch's learner's, and TooManyHeartbeats refuses before any write."""
    with _connection() as connection:
        row = connection.execute(
            _READ_FOR_HEARTBEAT,
            {"launch_id": request.launch_id, "now": request.now, "attempt": request.attempt_id},
        ).first()
        if row is None:
            return None
        if too_many(row.user_id):
            raise TooManyHeartbeats()
        if not _is_live_here(row, request):
            return None
        if connection.execute(_BEAT, _seen(row, request)).first() is None:
            return None
    away = max(0.0, (request.now - row.last_activity_at).total_seconds())
    return Pulse(IN_PROGRESS, _after_activity(row, request.now, answer_or_page=False), away)
