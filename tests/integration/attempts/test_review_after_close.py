"""Review policy `full_after_close` over HTTP on both backends: the right answers stay hidden
while the learner could still take the assessment again in the activity (they would key the
retake), and show once they cannot (the activity has closed, or no attempt is left)."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.attempts.test_availability import _set as set_window
from tests.integration.attempts.test_learner_flow import answers_for

KEY = "a correct answer"  # what a full review prints beside each right answer


def _submitted_result(app, ana) -> str:
    ana.start()
    for position, response in answers_for(app, ana, right=2):
        ana.save(position, response)
    ana.submit()
    return ana.result().get_data(as_text=True)


def test_with_retakes_left_the_review_holds_the_right_answers_back(
    app, make_assessment, learner_of
):
    ana = learner_of(make_assessment(review="full_after_close"))

    page = _submitted_result(app, ana)

    assert "Your answers" in page and "your answer" in page
    assert KEY not in page and "Accepted answers" not in page
    assert 'id="key-later"' in page  # says when the right answers come


def test_after_the_last_attempt_the_review_shows_them(app, make_assessment, learner_of):
    ana = learner_of(make_assessment(review="full_after_close", max_attempts=1))

    page = _submitted_result(app, ana)

    assert KEY in page and 'id="key-later"' not in page


def test_while_the_last_attempt_is_in_progress_earlier_reviews_hold_the_key_back(
    app, make_assessment, learner_of
):
    """Starting the last allowed attempt uses it up, but its answers are not in yet: the
    review of an earlier attempt must not key it."""
    ana = learner_of(make_assessment(review="full_after_close", max_attempts=2))
    assert KEY not in _submitted_result(app, ana)
    first = ana.attempt_id

    ana.start()

    assert ana.attempt_id != first
    page = ana.result(first).get_data(as_text=True)
    assert "Your answers" in page and KEY not in page
    for position, response in answers_for(app, ana, right=1):
        ana.save(position, response)
    ana.submit()
    assert KEY in ana.result(first).get_data(as_text=True)  # now no attempt is left


def test_once_the_activity_has_closed_the_review_shows_them(
    app, make_assessment, learner_of, instructor_of, clock
):
    slug = make_assessment(review="full_after_close")
    ana = learner_of(slug)
    assert KEY not in _submitted_result(app, ana)
    closes = (clock.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    assert set_window(instructor_of(slug), closes=closes).status_code == 303
    assert KEY not in ana.result().get_data(as_text=True)  # still open for an hour

    clock.advance(hours=1)

    assert KEY in ana.result().get_data(as_text=True)
