"""Rules that were once written twice and drifted apart, now stated once: each test here failed
while the two copies disagreed.

* "passed": the result page, the instructor's report and the certificate read one definition;
* "never lower": the best score and the grade outbox compare scores the same way;
* "lock, then settle every live attempt": one function, scoped to all, a placement or a learner.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from lti_tool.attempts import rules, service
from lti_tool.attempts.best import best_result
from lti_tool.attempts.models import IN_PROGRESS, SUBMITTED, VOID
from lti_tool.certificates.eligibility import AVAILABLE, learner_certificate_state
from lti_tool.launch.models import Placement
from lti_tool.score_order import is_higher
from tests.unit.attempts.test_service import answer_all, outbox_rows, start, submit


def sit(world, version, clock, right: int):
    """One attempt, answered with `right` of its four questions correct, and submitted."""
    attempt = start(world, version, clock)
    answer_all(world, attempt, clock, right=right)
    submit(world, attempt, clock)
    clock.advance(minutes=1)
    return attempt


# -- passed --------------------------------------------------------------------------------


def test_a_learner_told_they_passed_is_not_refused_the_certificate(world, make_version, clock):
    first = make_version(slug="course-final", pass_mark=50)
    passed = sit(world, first, clock, right=2)  # 50 % at a pass mark of 50: a pass
    assert passed.passed is True
    # The author raises the pass mark; the learner's retake scores higher but under it.
    second = make_version(slug="course-final", pass_mark=80)
    assert second.id != first.id
    retake = sit(world, second, clock, right=3)  # 75 %, the new best, below 80
    assert retake.passed is False

    best = best_result(world.session, world.placement_id, world.learner_id)
    assert best is not None and best.attempt_id == retake.id and best.best_percent == 75.0
    assert best.passed  # what the result page shows: "You have passed this assessment"
    placement = world.session.get(Placement, world.placement_id)
    placement.assessment_slug = "course-final"
    world.session.commit()
    state = learner_certificate_state(world.session, world.placement_id, world.learner_id)
    assert state.status == AVAILABLE  # was `not_passed`: 75 % judged against the new 80


def test_a_pass_is_never_taken_back_and_never_given_without_one():
    assert rules.has_passed(False, True) and rules.has_passed(True, False)
    assert not rules.has_passed(False, False)


# -- never lower ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("best", "score"),
    [(70.0, 70.0), (70.0, 70.0 + 1e-10), (70.0, 69.99), (33.33, 33.34), (None, 0.0)],
)
def test_the_best_score_and_the_grade_outbox_agree_on_what_is_higher(best, score):
    outbox_says = best is None or is_higher(score, 100.0, best, 100.0)
    assert rules.is_new_best(best, score) is outbox_says


def test_a_score_a_hair_above_the_best_is_a_new_best_for_both():
    # With an epsilon the engine called this "equal" while the outbox called it higher.
    assert rules.is_new_best(70.0, 70.0 + 1e-10)
    assert is_higher(70.0 + 1e-10, 100.0, 70.0, 100.0)
    assert not is_higher(1.0, 2.0, 50.0, 100.0)  # equal fractions are not higher


def test_a_lower_retake_neither_lowers_the_best_nor_queues_a_grade(world, make_version, clock):
    version = make_version()
    sit(world, version, clock, right=3)
    sit(world, version, clock, right=1)
    [row] = outbox_rows(world)
    assert (row.score_given, row.version) == (75.0, 1)


# -- settling live attempts ----------------------------------------------------------------


def test_settle_live_ends_only_the_attempts_in_scope(world, make_version, clock):
    version = make_version(inactivity_minutes=10)
    ana = start(world, version, clock)
    ben = start(world, version, clock, user_id=world.other_learner_id)
    clock.advance(minutes=11)

    ended = service.settle_live(
        world.session, clock.now(), placement_id=world.placement_id, user_id=world.learner_id
    )
    world.session.commit()
    assert [a.id for a in ended] == [ana.id] and ana.status == VOID
    assert ben.status == IN_PROGRESS

    assert [a.id for a in service.settle_live(world.session, clock.now())] == [ben.id]
    assert service.settle_live(world.session, clock.now()) == []


def test_settle_live_submits_a_timed_attempt_at_its_deadline(world, make_version, clock):
    version = make_version(time_limit_minutes=5)
    attempt = start(world, version, clock)
    answer_all(world, attempt, clock, right=4)
    clock.advance(minutes=5)
    ended = service.settle_live(world.session, clock.now(), placement_id=world.placement_id)
    world.session.commit()
    assert ended == [attempt] and attempt.status == SUBMITTED and attempt.auto_submitted
    assert attempt.finished_at == attempt.started_at + timedelta(minutes=5)
