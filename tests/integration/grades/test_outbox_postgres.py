"""PostgreSQL specifics: concurrent submissions of one learner, and claims that skip rows
another worker is claiming instead of waiting for them."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.grades.models import GradeOutbox
from lti_tool.grades.outbox import enqueue_grade
from lti_tool.grades.worker import GradeWorker, WorkerConfig
from tests.support.grade_fixtures import ScriptedAgsClient, seed_course

pytestmark = pytest.mark.postgres


@pytest.fixture
def backend():
    return "postgres"


def test_two_submissions_of_one_learner_committing_at_once_keep_the_best(app, clock):
    with app.app_context(), session_scope() as session:
        course = seed_course(session, clock.now())
    sessions = app.extensions["emm_sessionmaker"]
    user = course.users["4"]
    first = sessions()
    enqueue_grade(
        first,
        placement_id=course.placement_id,
        user_id=user,
        attempt_id=1,
        score_given=6,
        score_maximum=10,
        timestamp=clock.now(),
    )  # not committed yet
    done = threading.Event()

    def second_submission():
        with sessions.begin() as session:
            enqueue_grade(
                session,
                placement_id=course.placement_id,
                user_id=user,
                attempt_id=2,
                score_given=8,
                score_maximum=10,
                timestamp=clock.now() + timedelta(seconds=3),
            )
        done.set()

    thread = threading.Thread(target=second_submission)
    thread.start()
    assert not done.wait(0.3)  # it waits for the first transaction (the unique row)
    first.commit()
    first.close()
    thread.join(10)
    assert done.is_set()
    with sessions() as session:
        row = session.scalars(select(GradeOutbox)).one()
        assert (row.version, row.score_given, row.attempt_id) == (2, 8.0, 2)


def test_a_claim_skips_rows_locked_by_another_claim_instead_of_waiting(app, clock):
    with app.app_context(), session_scope() as session:
        course = seed_course(session, clock.now(), learners=("4", "5"))
        for sub in ("4", "5"):
            enqueue_grade(
                session,
                placement_id=course.placement_id,
                user_id=course.users[sub],
                attempt_id=1,
                score_given=5,
                score_maximum=10,
                timestamp=clock.now(),
            )
    sessions = app.extensions["emm_sessionmaker"]
    other = sessions()  # another worker in the middle of its claim transaction
    locked = other.scalars(
        select(GradeOutbox).where(GradeOutbox.user_id == course.users["4"]).with_for_update()
    ).one()
    worker = GradeWorker(
        sessions, ScriptedAgsClient(), clock, name="w", config=WorkerConfig(batch_size=10)
    )
    try:
        claimed = worker.claim(10)
        assert [grade.user_sub for grade in claimed] == ["5"]
        assert locked.user_id == course.users["4"]
    finally:
        other.rollback()
        other.close()
