"""The attempt transactions against a real SQLite database, with an injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from item_bank.drawing import draw_questions
from lti_tool.attempts import service
from lti_tool.attempts.accommodations import set_accommodation
from lti_tool.attempts.best import best_result
from lti_tool.attempts.models import Attempt, BestScore
from tests.support.attempt_content import right_response, wrong_response


def start(world, version, clock, user_id=None, seed=None):
    outcome = service.start_attempt(
        world.session,
        placement_id=world.placement_id,
        user_id=user_id or world.learner_id,
        version=version,
        now=clock.now(),
        seed=seed,
    )
    world.session.commit()
    return outcome.attempt


def ids(world, attempt):
    return dict(attempt_id=attempt.id, placement_id=world.placement_id, user_id=attempt.user_id)


def answer(world, attempt, clock, position, response):
    question = service.save_answer(
        world.session,
        **ids(world, attempt),
        sitting=attempt.sitting_key,
        position=position,
        response=response,
        now=clock.now(),
    )
    world.session.commit()
    return question


def answer_all(world, attempt, clock, right: int):
    """Answer every question, the first `right` of them correctly."""
    for question in attempt.questions:
        make = right_response if question.position <= right else wrong_response
        answer(world, attempt, clock, question.position, make(question.item_version))


def submit(world, attempt, clock, sitting=None):
    outcome = service.submit(
        world.session,
        **ids(world, attempt),
        sitting=sitting or attempt.sitting_key,
        now=clock.now(),
    )
    world.session.commit()
    return outcome


def outbox_rows(world):
    from lti_tool.grades.models import GradeOutbox

    return list(world.session.scalars(select(GradeOutbox)))


# -- the draw ------------------------------------------------------------------------------


def test_questions_and_option_orders_come_from_the_stored_seed(world, make_version, clock):
    version = make_version()
    attempt = start(world, version, clock, seed=12345)
    assert attempt.seed == 12345 and attempt.number == 1
    drawn = draw_questions(version, attempt.seed)
    assert [(q.item_version_id, q.option_order) for q in attempt.questions] == [
        (d.item_version_id, d.option_order) for d in drawn
    ]
    assert [q.position for q in attempt.questions] == [1, 2, 3, 4]
    assert attempt.max_points == 4.0 and attempt.assessment_version_id == version.id


def test_a_restart_draws_again_with_a_new_seed(world, make_version, clock):
    version = make_version()
    first = start(world, version, clock)
    clock.advance(minutes=11)
    second = start(world, version, clock)
    assert first.status == "void" and second.number == 2 and second.seed != first.seed


# -- inactivity ----------------------------------------------------------------------------


def test_resume_within_the_timeout_keeps_every_acknowledged_answer(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    first = attempt.questions[0]
    answer(world, attempt, clock, 1, right_response(first.item_version))
    clock.advance(minutes=10)  # exactly the allowance: still alive
    resumed = service.resume(
        world.session, **ids(world, attempt), sitting=attempt.sitting_key, now=clock.now()
    )
    world.session.commit()
    assert resumed.status == "in_progress"
    assert resumed.questions[0].response == right_response(first.item_version)
    assert resumed.last_activity_at == clock.now()


def test_no_activity_for_longer_than_the_timeout_voids_the_attempt(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    answer(world, attempt, clock, 1, {"choice": "a"})
    last = clock.now()
    clock.advance(minutes=10, seconds=1)
    with pytest.raises(service.AttemptVoid):
        answer(world, attempt, clock, 2, {"choice": "a"})
    world.session.commit()  # the views commit the settled state
    world.session.refresh(attempt)
    assert attempt.status == "void" and attempt.void_reason == "inactivity"
    assert attempt.finished_at == last + timedelta(minutes=10)
    assert attempt.score_percent is None
    assert best_result(world.session, world.placement_id, world.learner_id) is None


def beat(world, attempt, clock):
    life = service.heartbeat(
        world.session, **ids(world, attempt), sitting=attempt.sitting_key, now=clock.now()
    )
    world.session.commit()
    return life


def test_heartbeats_keep_a_slow_learner_alive(world, make_version, clock):
    """A slow reader: the page beats every 9 minutes, and a question is opened every 27."""
    attempt = start(world, make_version(), clock)
    for number in range(1, 13):
        clock.advance(minutes=9)
        life = beat(world, attempt, clock)
        assert life.away_seconds == 540 and life.inactivity_seconds_left == 600
        if number % 3 == 0:
            service.resume(
                world.session,
                **ids(world, attempt),
                sitting=attempt.sitting_key,
                now=clock.now(),
                position=2,
            )
            world.session.commit()
    assert attempt.status == "in_progress"


def test_heartbeats_alone_end_the_attempt_after_three_allowances(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    answer(world, attempt, clock, 1, {"choice": "a"})
    answered_at = clock.now()
    for minutes_since in range(5, 31, 5):
        clock.advance(minutes=5)
        life = beat(world, attempt, clock)
        assert life.inactivity_seconds_left == 600  # the heartbeat itself counts, as before
        assert life.engagement_seconds_left == (30 - minutes_since) * 60
    assert attempt.last_answer_or_page_at == answered_at
    clock.advance(seconds=1)
    with pytest.raises(service.AttemptVoid):
        beat(world, attempt, clock)
    world.session.commit()
    world.session.refresh(attempt)
    assert attempt.status == "void" and attempt.void_reason == "no_answer_or_page"
    assert attempt.finished_at == answered_at + timedelta(minutes=30)


def test_an_answer_or_an_opened_page_starts_the_bound_again(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    for _ in range(2):
        clock.advance(minutes=9)
        beat(world, attempt, clock)
    service.resume(
        world.session,
        **ids(world, attempt),
        sitting=attempt.sitting_key,
        now=clock.now(),
        position=1,
    )  # a page opened at 18
    world.session.commit()
    for _ in range(2):
        clock.advance(minutes=9)
        beat(world, attempt, clock)
    clock.advance(minutes=9)
    answer(world, attempt, clock, 1, {"choice": "b"})  # an answer at 45: 27 after the page
    for _ in range(3):
        clock.advance(minutes=9)
        assert beat(world, attempt, clock).attempt.status == "in_progress"  # 72: 27 after it
    assert attempt.last_answer_or_page_at == clock.now() - timedelta(minutes=27)


def test_the_sweep_ends_an_attempt_kept_only_by_heartbeats(world, make_version, clock):
    version = make_version()
    beating = start(world, version, clock)
    working = start(world, version, clock, user_id=world.other_learner_id)
    for _ in range(6):
        clock.advance(minutes=5)
        beat(world, beating, clock)
        answer(world, working, clock, 1, {"choice": "a"})
    assert service.settle_all(world.session, clock.now()) == 0
    clock.advance(seconds=1)
    assert service.settle_all(world.session, clock.now()) == 1
    world.session.commit()
    assert (beating.status, beating.void_reason) == ("void", "no_answer_or_page")
    assert working.status == "in_progress"


def test_an_accommodation_lengthens_the_live_attempt(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    set_accommodation(
        world.session,
        placement_id=world.placement_id,
        user_id=world.learner_id,
        seconds=1800,
        set_by_user_id=world.instructor_id,
        now=clock.now(),
    )
    world.session.commit()
    clock.advance(minutes=25)
    service.heartbeat(
        world.session, **ids(world, attempt), sitting=attempt.sitting_key, now=clock.now()
    )
    world.session.commit()
    # The next attempt gets it from the start, too.
    submit(world, attempt, clock)
    second = start(world, attempt.assessment_version, clock)
    assert second.inactivity_timeout_seconds == 1800


def test_a_new_allowance_does_not_revive_an_attempt_that_ran_out(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    clock.advance(minutes=11)
    set_accommodation(
        world.session,
        placement_id=world.placement_id,
        user_id=world.learner_id,
        seconds=3600,
        set_by_user_id=world.instructor_id,
        now=clock.now(),
    )
    world.session.commit()
    assert attempt.status == "void"


# -- scoring and the best score ------------------------------------------------------------


def test_submit_scores_the_saved_answers(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    answer_all(world, attempt, clock, right=3)
    outcome = submit(world, attempt, clock)
    assert outcome.best_rose and not outcome.already_finished
    assert attempt.status == "submitted" and attempt.points == 3.0
    assert attempt.score_percent == 75.0 and attempt.passed is True
    assert [q.points_awarded for q in attempt.questions] == [1.0, 1.0, 1.0, 0.0]
    best = best_result(world.session, world.placement_id, world.learner_id)
    assert best.best_percent == 75.0 and best.passed and best.attempt_id == attempt.id
    assert best.assessment_version_id == attempt.assessment_version_id


def test_unanswered_questions_score_zero(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    answer(world, attempt, clock, 2, right_response(attempt.questions[1].item_version))
    submit(world, attempt, clock)
    assert attempt.score_percent == 25.0 and attempt.passed is False


def test_the_best_score_never_decreases(world, make_version, clock):
    version = make_version()
    seen = []
    for right in (2, 3, 1, None, 3, 4, 0):
        attempt = start(world, version, clock)
        if right is None:  # walks away: void
            clock.advance(minutes=11)
            service.history(
                world.session,
                placement_id=world.placement_id,
                user_id=world.learner_id,
                now=clock.now(),
            )
            world.session.commit()
            assert attempt.status == "void"
        else:
            answer_all(world, attempt, clock, right=right)
            submit(world, attempt, clock)
        clock.advance(minutes=1)
        seen.append(best_result(world.session, world.placement_id, world.learner_id).best_percent)
    assert seen == [50.0, 75.0, 75.0, 75.0, 75.0, 100.0, 100.0]
    assert world.session.scalars(select(BestScore)).one().best_percent == 100.0


def test_grades_are_queued_for_the_first_result_and_each_rise_only(world, make_version, clock):
    version = make_version()
    for right in (1, 3, 2):
        attempt = start(world, version, clock)
        answer_all(world, attempt, clock, right=right)
        submit(world, attempt, clock)
        clock.advance(minutes=1)
    [row] = outbox_rows(world)
    assert row.score_given == 75.0 and row.score_maximum == 100.0 and row.version == 2
    best = best_result(world.session, world.placement_id, world.learner_id)
    assert row.attempt_id == best.attempt_id and row.score_timestamp == best.achieved_at


def test_double_submit_scores_once(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    answer_all(world, attempt, clock, right=4)
    first = submit(world, attempt, clock)
    clock.advance(seconds=2)
    again = submit(world, attempt, clock)
    assert again.already_finished and not again.best_rose
    assert again.attempt.finished_at == first.attempt.finished_at
    assert attempt.score_percent == 100.0


def test_an_answer_after_submit_is_refused(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    submit(world, attempt, clock)
    with pytest.raises(service.AttemptOver):
        answer(world, attempt, clock, 1, {"choice": "a"})
    with pytest.raises(service.AttemptOver):
        service.heartbeat(
            world.session, **ids(world, attempt), sitting=attempt.sitting_key, now=clock.now()
        )


def test_a_void_attempt_cannot_be_submitted(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    answer_all(world, attempt, clock, right=4)
    clock.advance(minutes=10, seconds=1)
    with pytest.raises(service.AttemptVoid):
        submit(world, attempt, clock)


def test_invalid_answers_are_refused_with_a_code(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    with pytest.raises(service.InvalidAnswer) as refused:
        answer(world, attempt, clock, 1, {"choice": "zz"})
    assert refused.value.problem.code == "unknown_option"
    with pytest.raises(service.QuestionNotFound):
        answer(world, attempt, clock, 99, {})


def test_nobody_else_can_touch_an_attempt(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    with pytest.raises(service.AttemptNotFound):
        service.save_answer(
            world.session,
            attempt_id=attempt.id,
            placement_id=world.placement_id,
            user_id=world.other_learner_id,
            sitting=attempt.sitting_key,
            position=1,
            response={},
            now=clock.now(),
        )


# -- limits --------------------------------------------------------------------------------


def test_maximum_attempts(world, make_version, clock):
    version = make_version(max_attempts=2)
    start(world, version, clock)
    clock.advance(minutes=11)  # the first goes void: it still counts
    second = start(world, version, clock)
    submit(world, second, clock)
    with pytest.raises(service.StartRefused) as refused:
        start(world, version, clock)
    assert refused.value.code == "max_attempts"


def test_delay_between_attempts(world, make_version, clock):
    version = make_version(retake_delay_minutes=60)
    attempt = start(world, version, clock)
    submit(world, attempt, clock)
    clock.advance(minutes=59, seconds=59)
    with pytest.raises(service.StartRefused) as refused:
        start(world, version, clock)
    assert refused.value.code == "retake_delay"
    assert refused.value.refusal.until == attempt.finished_at + timedelta(hours=1)
    clock.advance(seconds=1)
    assert start(world, version, clock).number == 2


def test_one_attempt_in_progress_at_a_time(world, make_version, clock):
    version = make_version()
    attempt = start(world, version, clock)
    with pytest.raises(service.StartRefused) as refused:
        start(world, version, clock)
    assert refused.value.code == "in_progress" and refused.value.attempt.id == attempt.id
    # Another learner is not affected.
    assert start(world, version, clock, user_id=world.other_learner_id).number == 1


def test_the_database_refuses_a_second_attempt_in_progress(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    world.session.add(
        Attempt(
            placement_id=world.placement_id,
            user_id=world.learner_id,
            assessment_version_id=attempt.assessment_version_id,
            number=2,
            seed=1,
            status="in_progress",
            sitting_key="k",
            started_at=clock.now(),
            last_activity_at=clock.now(),
            inactivity_timeout_seconds=600,
            max_points=4,
        )
    )
    with pytest.raises(IntegrityError):
        world.session.flush()
    world.session.rollback()


def test_the_database_refuses_a_score_on_a_void_attempt(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    attempt.status = "void"
    attempt.finished_at = clock.now()
    attempt.void_reason = "inactivity"
    attempt.score_percent = 50
    with pytest.raises(IntegrityError):
        world.session.flush()
    world.session.rollback()


# -- time limit ----------------------------------------------------------------------------


def test_time_limit_submits_the_answers_saved_before_the_deadline(world, make_version, clock):
    attempt = start(world, make_version(time_limit_minutes=30, inactivity_minutes=20), clock)
    assert attempt.deadline_at == clock.now() + timedelta(minutes=30)
    for question in attempt.questions[:2]:
        clock.advance(minutes=9)
        answer(world, attempt, clock, question.position, right_response(question.item_version))
    clock.advance(minutes=11, seconds=59)  # 29:59
    answer(world, attempt, clock, 3, right_response(attempt.questions[2].item_version))
    clock.advance(seconds=1)  # 30:00: too late
    with pytest.raises(service.AttemptOver):
        answer(world, attempt, clock, 4, right_response(attempt.questions[3].item_version))
    world.session.commit()
    assert attempt.status == "submitted" and attempt.auto_submitted
    assert attempt.finished_at == attempt.deadline_at and attempt.score_percent == 75.0
    assert best_result(world.session, world.placement_id, world.learner_id).best_percent == 75.0


def test_the_page_submitting_at_zero_after_the_server_did_gets_the_result(
    world, make_version, clock
):
    attempt = start(world, make_version(time_limit_minutes=30, inactivity_minutes=45), clock)
    clock.advance(minutes=30)
    outcome = submit(world, attempt, clock)
    assert outcome.attempt.status == "submitted" and outcome.attempt.auto_submitted
    assert not outcome.already_finished  # this request is the one that finalised it


# -- one sitting ---------------------------------------------------------------------------


def test_continuing_in_another_tab_stops_the_first(world, make_version, clock):
    attempt = start(world, make_version(), clock)
    old_key = attempt.sitting_key
    service.take_over(world.session, **ids(world, attempt), now=clock.now())
    world.session.commit()
    assert attempt.sitting_key != old_key
    with pytest.raises(service.SittingMoved):
        service.save_answer(
            world.session,
            **ids(world, attempt),
            sitting=old_key,
            position=1,
            response={},
            now=clock.now(),
        )
    with pytest.raises(service.SittingMoved):
        service.submit(world.session, **ids(world, attempt), sitting=old_key, now=clock.now())
    answer(world, attempt, clock, 1, {"choice": "a"})  # the new key works
