"""A learner's whole sitting over HTTP: rules, start, answers, resume, void, submit, result."""

from __future__ import annotations

import re

import pytest

from lti_tool.attempts.answer_tokens import ANSWER, OPTION, PROMPT
from tests.integration.attempts.conftest import attempt_rows
from tests.integration.attempts.page_reading import PageReader, authored_ids, leaks, page_secrets
from tests.support.attempt_content import right_response, wrong_response


def answers_for(app, person, right: int):
    """(position, response) for every question of the person's attempt, the first `right` right."""
    attempt = attempt_rows(app, person.attempt_id)
    return [
        (q.position, (right_response if q.position <= right else wrong_response)(q.item_version))
        for q in attempt.questions
    ]


def test_home_states_the_rules_then_starts_an_attempt(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    page = ana.home().get_data(as_text=True)
    assert 'id="rule-pass-mark"' in page and "70 %" in page
    assert "one sitting" in page and "10 minutes" in page
    assert 'id="start-attempt"' in page
    ana.start()
    response = ana.question(1)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Question 1 of 4" in page and '<progress id="progress-bar" max="4" value="0"' in page
    assert 'id="save-status"' in page and "aria-live" in page


def test_no_answer_keys_reach_the_browser_during_the_attempt(app, make_assessment, learner_of):
    """Neither the key, nor feedback, nor any authored id a script could read the key from
    (the stronger checks on the shipped banks: test_answer_secrecy.py)."""
    ana = learner_of(make_assessment(review="full", all_types=True))
    ana.start()
    for q in attempt_rows(app, ana.attempt_id).questions:
        page = ana.question(q.position).get_data(as_text=True)
        for secret in (
            '"correct"',
            "correct:",
            "Right",
            "Not quite",
            "data-correct",
            q.item_version.item_uid,
        ):
            assert secret not in page
        if q.item_version.type == "short_answer":  # its accepted answer (elsewhere an option)
            assert "IOM" not in page
        reader = PageReader(page)
        assert not leaks(reader.machine_values(page_secrets(ana)), authored_ids(q.item_version))


def test_an_acknowledged_answer_is_committed(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    ana.start()
    [(position, response), *_] = answers_for(app, ana, right=4)
    acked = ana.save(position, response)
    assert acked.status_code == 200 and acked.json["saved"] is True
    assert acked.json["inactivity_seconds_left"] == 600
    # Another connection sees it at once: the 200 came after the commit.
    assert attempt_rows(app, ana.attempt_id).questions[0].response == response


def test_form_posts_save_answers_without_javascript(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    ana.start()
    attempt = attempt_rows(app, ana.attempt_id)
    by_type = {q.item_version.type: q for q in attempt.questions}
    choice = by_type["single_choice"]
    moved = ana.answer_form(choice.position, go="next", choice="c")
    assert moved.status_code == 303
    assert (
        f"/questions/{min(4, choice.position + 1)}" in moved.headers["Location"]
        or "/review" in moved.headers["Location"]
    )
    again = ana.question(choice.position).get_data(as_text=True)
    c = ana.tokens(choice.position).token(OPTION, "c")
    assert re.search(rf'value="{c}"\s+checked', again)  # the page's token for option c
    text_q = by_type["short_answer"]
    assert ana.answer_form(text_q.position, go="review", text="  I O M ").status_code == 303
    assert attempt_rows(app, ana.attempt_id).questions[text_q.position - 1].response == {
        "text": "I O M"
    }
    tf = by_type["true_false"]
    ana.answer_form(tf.position, value="false")
    assert attempt_rows(app, ana.attempt_id).questions[tf.position - 1].response == {"value": False}


def test_a_bad_number_is_explained_not_saved(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    ana.start()
    refused = ana.save_as_posted(1, {"choice": "nope"})
    assert refused.status_code == 422 and refused.json["error"] == "invalid_answer"
    assert attempt_rows(app, ana.attempt_id).questions[0].response is None


def test_reload_within_the_timeout_resumes_with_every_answer(
    app, make_assessment, learner_of, clock
):
    ana = learner_of(make_assessment())
    ana.start()
    for position, response in answers_for(app, ana, right=2)[:2]:
        assert ana.save(position, response).status_code == 200
    clock.advance(minutes=10)  # the whole allowance, not a moment more
    page = ana.question(2)
    assert page.status_code == 200 and "2 of 4 answered" in page.get_data(as_text=True)
    clock.advance(minutes=9, seconds=59)
    assert ana.heartbeat().status_code == 200
    home = ana.home().get_data(as_text=True)
    assert "You have an attempt in progress" in home and 'id="continue-attempt"' in home


def test_no_activity_beyond_the_timeout_voids_the_attempt(app, make_assessment, learner_of, clock):
    ana = learner_of(make_assessment())
    ana.start()
    first = ana.attempt_id
    ana.save(*answers_for(app, ana, right=1)[0])
    clock.advance(minutes=10, seconds=1)
    late = ana.save(2, {"choice": "a"})
    assert late.status_code == 410 and late.json["error"] == "attempt_void"
    assert "no activity" in late.json["message"] and late.json["next_url"]
    assert ana.heartbeat().status_code == 410
    page = ana.question(1)
    assert page.status_code == 303 and f"/attempts/{first}/result" in page.headers["Location"]
    result = ana.result().get_data(as_text=True)
    assert "ended without a score" in result and "10 minutes" in result
    # Restart: a new attempt with a new draw.
    ana.start()
    assert ana.attempt_id != first
    assert attempt_rows(app, ana.attempt_id).seed != attempt_rows(app, first).seed


def test_submit_shows_score_pass_best_and_what_next(app, make_assessment, learner_of, clock):
    ana = learner_of(make_assessment(review="full"))
    ana.start()
    for position, response in answers_for(app, ana, right=3):
        ana.save(position, response)
    done = ana.submit()
    assert done.status_code == 303 and done.headers["Location"].split("?")[0].endswith("/result")
    page = ana.result().get_data(as_text=True)
    assert "Score: 75 %" in page and "You passed" in page
    assert 'id="best-score"' in page and "1 (no limit)" in page
    assert "What happens next" in page
    assert "a correct answer" in page  # full review shows the key, now that it is over


def test_answers_after_submit_are_refused_with_a_clear_409(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    ana.start()
    ana.submit()
    late = ana.save(1, {"choice": "a"})
    assert late.status_code == 409 and late.json["error"] == "attempt_over"
    assert "submitted" in late.json["message"]
    assert ana.heartbeat().json["error"] == "attempt_over"
    # The no-JS path lands on the result rather than an error.
    form = ana.answer_form(1, choice="a")
    assert form.status_code == 303 and "/result" in form.headers["Location"]


def test_a_lower_score_later_keeps_the_best(app, make_assessment, learner_of, clock):
    ana = learner_of(make_assessment())
    for right in (3, 1):
        ana.start()
        for position, response in answers_for(app, ana, right=right):
            ana.save(position, response)
        ana.submit()
        clock.advance(minutes=1)
    page = ana.result().get_data(as_text=True)
    assert "Score: 25 %" in page and "Best score" in page and "75 %" in page
    home = ana.home().get_data(as_text=True)
    assert "Your best score: 75 %" in home and 'id="attempt-row-2"' in home


@pytest.mark.parametrize(
    "policy, shown, hidden",
    [
        ("none", [], ["Your answers", "Points per question", "Choice question"]),
        ("score", ["Points per question"], ["Choice question", "a correct answer"]),
        ("responses", ["Your answers", "your answer"], ["a correct answer", "Accepted answers"]),
    ],
)
def test_the_review_follows_the_policy(app, make_assessment, learner_of, policy, shown, hidden):
    ana = learner_of(make_assessment(review=policy))
    ana.start()
    for position, response in answers_for(app, ana, right=2):
        ana.save(position, response)
    ana.submit()
    page = ana.result().get_data(as_text=True)
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


def test_a_second_tab_takes_over_and_the_first_stops(app, make_assessment, learner_of):
    tab1 = learner_of(make_assessment())
    tab1.start()
    old_sitting = tab1.sitting
    tab2 = tab1.tab()
    home = tab2.home().get_data(as_text=True)
    assert "You have an attempt in progress" in home
    moved = tab2.post(f"/assessment/attempts/{tab1.attempt_id}/take-over")
    assert moved.status_code == 303
    tab2.follow(moved.headers["Location"])
    assert tab2.attempt_id == tab1.attempt_id and tab2.sitting != old_sitting
    stale = tab1.save(1, {"choice": "a"})
    assert stale.status_code == 409 and stale.json["error"] == "sitting_moved"
    page = tab1.question(1)
    assert page.status_code == 409 and 'id="continue-here"' in page.get_data(as_text=True)
    assert tab2.save(1, {"choice": "a"}).status_code == 200


def test_a_duplicated_tab_takes_the_sitting_and_the_original_stops(
    app, make_assessment, learner_of
):
    """Opening a copy of the question's address (the browser's "Duplicate tab") hands the copy
    a fresh sitting key: never two live copies of one attempt."""
    original = learner_of(make_assessment())
    original.start()
    original.question(1)
    copy = original.tab()
    copy.attempt_id = original.attempt_id
    assert copy.question(1, sitting=original.sitting).status_code == 200
    assert copy.sitting != original.sitting
    stale = original.save(1, {"choice": "a"})
    assert stale.status_code == 409 and stale.json["error"] == "sitting_moved"
    assert copy.save(1, {"choice": "a"}).status_code == 200


def test_time_limit_auto_submits_the_saved_answers(app, make_assessment, learner_of, clock):
    ana = learner_of(make_assessment(time_limit_minutes=20, inactivity_minutes=30))
    ana.start()
    page = ana.question(1).get_data(as_text=True)
    assert (
        'data-time-left="1200"' in page
        and 'id="time-limit"' in page
        and 'id="timeout-form"' in page
    )
    saved = answers_for(app, ana, right=4)
    for position, response in saved[:2]:
        clock.advance(minutes=5)
        ana.save(position, response)
    clock.advance(minutes=10)  # 20:00: the deadline
    late = ana.save(*saved[2])
    assert late.status_code == 409 and late.json["error"] == "attempt_over"
    page = ana.result().get_data(as_text=True)
    assert "Score: 50 %" in page and "time limit was reached" in page


def test_the_page_submitting_at_zero_lands_on_the_result(app, make_assessment, learner_of, clock):
    ana = learner_of(make_assessment(time_limit_minutes=20, inactivity_minutes=30))
    ana.start()
    clock.advance(minutes=20)
    response = ana.submit()
    assert response.status_code == 303 and "/result" in response.headers["Location"]


def test_retake_delay_and_attempt_limit_are_explained(app, make_assessment, learner_of, clock):
    ana = learner_of(make_assessment(max_attempts=2, retake_delay_minutes=60))
    ana.start()
    ana.submit()
    page = ana.result().get_data(as_text=True)
    assert "1 of 2" in page and 'id="retake-at"' in page and 'id="start-attempt"' not in page
    refused = ana.post("/assessment/attempts")
    assert refused.status_code == 303 and refused.headers["Location"].split("?")[0].endswith(
        "/assessment"
    )
    clock.advance(hours=1)
    ana.start()
    ana.submit()
    page = ana.result().get_data(as_text=True)
    assert "2 of 2" in page and 'id="no-attempts-left"' in page


def test_nobody_sees_another_learners_attempt(app, make_assessment, learner_of):
    slug = make_assessment()
    ana = learner_of(slug)
    ana.start()
    ben = learner_of(slug, sub="5")
    ben.attempt_id, ben.sitting = ana.attempt_id, ana.sitting
    assert ben.save(1, {"choice": "a"}).status_code == 404
    assert ben.result().status_code == 404


def test_requests_without_the_launch_token_are_refused(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    ana.start()
    anonymous = app.test_client(use_cookies=False)
    response = anonymous.post(
        f"/assessment/attempts/{ana.attempt_id}/questions/1/answer",
        json={"response": {"choice": "a"}},
        headers={"X-Sitting": ana.sitting},
    )
    assert response.status_code == 401


def test_heartbeats_are_rate_limited_without_harm(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    ana.start()
    codes = [ana.heartbeat().status_code for _ in range(32)]
    assert codes[:30] == [200] * 30 and codes[-1] == 429
    assert ana.save(1, {"choice": "a"}).status_code == 200


def test_every_item_type_works_without_javascript(app, make_assessment, learner_of):
    from tests.support.attempt_content import right_form

    ana = learner_of(make_assessment(all_types=True, review="full"))
    ana.start()
    questions = attempt_rows(app, ana.attempt_id).questions
    assert len(questions) == 7
    for q in questions:
        page = ana.question(q.position)
        assert page.status_code == 200, q.item_version.type
        assert ana.answer_form(q.position, **right_form(q.item_version)).status_code == 303
    stored = attempt_rows(app, ana.attempt_id).questions

    # Revisiting shows every saved answer selected, in the page's tokens.
    def token(q, role, authored):
        return ana.tokens(q.position).token(role, authored)

    expected = {
        "single_choice": lambda q: [rf'value="{token(q, OPTION, "b")}"\s+checked'],
        "multiple_response": lambda q: [rf'value="{token(q, OPTION, o)}"\s+checked' for o in "ab"],
        "true_false": lambda q: [r'value="true"\s+checked'],
        "matching": lambda q: [
            rf'name="pair-{token(q, PROMPT, p)}">.*?value="{token(q, ANSWER, p)}"\s+selected'
            for p in ("p1", "p2")
        ],
        "short_answer": lambda q: [r'name="text" value="IOM"'],
        "numerical": lambda q: [r'name="value" value="12,5"'],
    }
    for q in stored:
        page = ana.question(q.position).get_data(as_text=True)
        for pattern in expected[q.item_version.type](q):
            assert re.search(pattern, page, re.DOTALL), (q.item_version.type, pattern)
    ana.submit()
    page = ana.result().get_data(as_text=True)
    assert "Score: 100 %" in page
    assert "Correct match" in page and "Accepted answers" in page and "a correct answer" in page


def test_a_wrong_number_is_explained_on_the_page(app, make_assessment, learner_of):
    ana = learner_of(make_assessment(all_types=True))
    ana.start()
    numerical = next(
        q for q in attempt_rows(app, ana.attempt_id).questions if q.item_version.type == "numerical"
    )
    page = ana.answer_form(numerical.position, value="twelve")
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and 'id="answer-error"' in text and 'aria-invalid="true"' in text
    assert 'value="twelve"' in text  # what they typed stays, to be corrected
    json = ana.save(numerical.position, {"value": "twelve"})
    assert json.status_code == 422 and "number" in json.json["message"]


def test_the_settle_command_ends_attempts_whose_time_is_up(
    app, make_assessment, learner_of, clock, runner
):
    walked_away = learner_of(make_assessment())
    walked_away.start()
    timed = learner_of(make_assessment(time_limit_minutes=5, inactivity_minutes=30), sub="5")
    timed.start()
    timed.save(1, right_response(attempt_rows(app, timed.attempt_id).questions[0].item_version))
    assert "0 attempt(s) ended" in runner.invoke(args=["attempts", "settle"]).output
    clock.advance(minutes=10, seconds=1)
    assert "2 attempt(s) ended" in runner.invoke(args=["attempts", "settle"]).output
    assert attempt_rows(app, walked_away.attempt_id).status == "void"
    finished = attempt_rows(app, timed.attempt_id)
    assert finished.status == "submitted" and finished.auto_submitted and finished.points == 1
