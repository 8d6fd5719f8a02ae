from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lti_tool.grades.models import DELIVERED, PENDING, GradeOutbox
from lti_tool.grades.outbox import enqueue_grade, strictly_after

T0 = datetime(2026, 11, 23, 9, 0, 0, 400000, tzinfo=UTC)


def _enqueue(session, course, score, at, sub="4", attempt=1, maximum=10.0):
    return enqueue_grade(
        session,
        placement_id=course.placement_id,
        user_id=course.users[sub],
        attempt_id=attempt,
        score_given=score,
        score_maximum=maximum,
        timestamp=at,
    )


def test_first_completion_creates_one_pending_row_due_now(sessions, course):
    with sessions.begin() as session:
        row = _enqueue(session, course, 0, T0)
        assert (row.state, row.version, row.score_given, row.next_attempt_at) == (
            PENDING,
            1,
            0.0,
            T0,
        )
    with sessions() as session:
        assert session.scalars(select(GradeOutbox)).one().score_timestamp == T0


def test_a_lower_or_equal_score_changes_nothing(sessions, course):
    with sessions.begin() as session:
        _enqueue(session, course, 6, T0)
        lower = _enqueue(session, course, 5, T0 + timedelta(minutes=5), attempt=2)
        equal = _enqueue(session, course, 12, T0 + timedelta(minutes=9), attempt=3, maximum=20)
        assert (equal.version, equal.score_given, equal.attempt_id) == (1, 6.0, 1)
        assert lower.score_timestamp == T0  # the attempt that first reached the best


def test_a_new_best_supersedes_the_row_in_place(sessions, course):
    with sessions.begin() as session:
        row = _enqueue(session, course, 6, T0)
        row.state, row.tries, row.last_error_code = DELIVERED, 3, "timeout"
        row.delivered_version = 1
        later = T0 + timedelta(minutes=3)
        row = _enqueue(session, course, 8, later, attempt=2)
        assert (row.version, row.state, row.tries, row.score_given, row.attempt_id) == (
            2,
            PENDING,
            0,
            8.0,
            2,
        )
        assert row.score_timestamp == later and row.next_attempt_at == later
        assert row.last_error_code is None and row.delivered_version == 1
    with sessions() as session:
        assert len(session.scalars(select(GradeOutbox)).all()) == 1


def test_a_new_best_in_the_same_second_moves_to_the_next_second(sessions, course):
    """Moodle compares whole seconds and answers 409 to an equal timestamp."""
    with sessions.begin() as session:
        _enqueue(session, course, 6, T0)
        row = _enqueue(session, course, 9, T0 + timedelta(milliseconds=300), attempt=2)
        assert row.score_timestamp == datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC)
        row = _enqueue(session, course, 10, T0 - timedelta(seconds=30), attempt=3)
        assert row.score_timestamp == datetime(2026, 11, 23, 9, 0, 2, tzinfo=UTC)


def test_enqueue_leaves_a_claim_in_flight_alone(sessions, course):
    with sessions.begin() as session:
        row = _enqueue(session, course, 6, T0)
        row.claimed_by, row.claim_expires_at = "w/1", T0 + timedelta(minutes=2)
    with sessions.begin() as session:
        row = _enqueue(session, course, 7, T0 + timedelta(minutes=1), attempt=2)
        assert (row.claimed_by, row.version, row.state) == ("w/1", 2, PENDING)


def test_rows_are_per_placement_and_learner(sessions, course):
    with sessions.begin() as session:
        a = _enqueue(session, course, 6, T0, sub="4")
        b = _enqueue(session, course, 3, T0, sub="5")
        assert a.id != b.id


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"timestamp": datetime(2026, 1, 1)}, "timezone"),
        ({"score_maximum": 0}, "positive"),
        ({"score_given": -1}, "negative"),
    ],
)
def test_invalid_input_is_refused(sessions, course, kwargs, message):
    values = dict(
        placement_id=course.placement_id,
        user_id=course.users["4"],
        attempt_id=1,
        score_given=1,
        score_maximum=10,
        timestamp=T0,
    )
    values.update(kwargs)
    with sessions.begin() as session, pytest.raises(ValueError, match=message):
        enqueue_grade(session, **values)


def test_the_database_refuses_a_half_claim(sessions, course):
    with pytest.raises(IntegrityError), sessions.begin() as session:
        row = _enqueue(session, course, 6, T0)
        row.claimed_by = "w/1"


def test_strictly_after():
    assert strictly_after(T0 + timedelta(seconds=1), T0) == T0 + timedelta(seconds=1)
    assert strictly_after(T0, T0) == T0.replace(microsecond=0) + timedelta(seconds=1)
