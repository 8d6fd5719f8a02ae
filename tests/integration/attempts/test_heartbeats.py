"""Heartbeats over HTTP: whose attempt first, then the rate limit (issue 9, item 6); and
heartbeats alone keep an attempt going for three inactivity allowances, no more (item 15,
docs/decisions/0010). Time moves with the injected clock."""

from __future__ import annotations

from datetime import timedelta

from lti_tool.attempts.json_views import HEARTBEATS_PER_MINUTE
from tests.integration.attempts.conftest import attempt_rows


def test_another_learner_hammering_my_attempt_is_refused_and_not_counted(
    app, make_assessment, learner_of, clock
):
    slug = make_assessment()
    ana, ben = learner_of(slug), learner_of(slug, sub="5")
    ben.start()
    # Ana knows Ben's attempt id, even his tab's sitting key: still not her attempt.
    ana.attempt_id, ana.sitting = ben.attempt_id, ben.sitting
    for _ in range(3):  # 15 minutes of it: more than Ben's whole inactivity allowance
        refused = [ana.heartbeat() for _ in range(HEARTBEATS_PER_MINUTE + 10)]
        assert {r.status_code for r in refused} == {404}
        assert {r.json["error"] for r in refused} == {"attempt_not_found"}
        assert ben.heartbeat().status_code == 200
        clock.advance(minutes=5)
        assert ben.save(1, {}).status_code == 200  # (he works too: see the bound below)
    # His own limit is whole: none of Ana's requests counted for him. (Redis counts its
    # window in real time, so his 3 beats above may share this minute.)
    codes = [ben.heartbeat().status_code for _ in range(HEARTBEATS_PER_MINUTE - 3)]
    assert codes == [200] * (HEARTBEATS_PER_MINUTE - 3)
    assert attempt_rows(app, ben.attempt_id).status == "in_progress"


def test_heartbeats_alone_end_the_attempt_after_three_allowances(
    app, make_assessment, learner_of, clock
):
    ana = learner_of(make_assessment())  # a 10-minute allowance
    home = ana.home().get_data(as_text=True)
    assert 'id="rule-keep-working"' in home and "for 30 minutes" in home
    ana.start()
    page = ana.question(1).get_data(as_text=True)
    assert 'data-engagement-left="1800"' in page
    opened = clock.now()
    for minutes in range(5, 31, 5):
        clock.advance(minutes=5)
        beat = ana.heartbeat()
        assert beat.status_code == 200
        assert beat.json["inactivity_seconds_left"] == 600
        assert beat.json["engagement_seconds_left"] == (30 - minutes) * 60
    clock.advance(seconds=1)
    late = ana.heartbeat()
    assert late.status_code == 410 and late.json["error"] == "attempt_void"
    attempt = attempt_rows(app, ana.attempt_id)
    assert (attempt.status, attempt.void_reason) == ("void", "no_answer_or_page")
    assert attempt.finished_at == opened + timedelta(minutes=30)
    result = ana.result().get_data(as_text=True)
    assert "No answer was saved and no question was opened" in result
    assert "30 minutes" in result and "an open page alone" in result


def test_answers_and_pages_keep_a_beating_attempt_going(app, make_assessment, learner_of, clock):
    ana = learner_of(make_assessment())
    ana.start()
    for step in range(1, 13):  # two hours: a heartbeat every 5 minutes ...
        clock.advance(minutes=5)
        assert ana.heartbeat().status_code == 200, step
        if step % 5 == 0:  # ... and every 25 minutes an answer or another question
            if step % 10:
                assert ana.save(1, {}).status_code == 200
            else:
                assert ana.question(2).status_code == 200
    saved = ana.save(1, {})
    assert saved.status_code == 200 and saved.json["engagement_seconds_left"] == 1800


def test_the_settle_command_ends_attempts_kept_only_by_heartbeats(
    app, make_assessment, learner_of, clock, runner
):
    slug = make_assessment()
    beating, working = learner_of(slug), learner_of(slug, sub="5")
    beating.start()
    working.start()
    for _ in range(6):
        clock.advance(minutes=5)
        assert beating.heartbeat().status_code == 200
        assert working.save(1, {}).status_code == 200
    assert "0 attempt(s) ended" in runner.invoke(args=["attempts", "settle"]).output
    clock.advance(seconds=1)
    assert "1 attempt(s) ended" in runner.invoke(args=["attempts", "settle"]).output
    assert attempt_rows(app, beating.attempt_id).void_reason == "no_answer_or_page"
    assert attempt_rows(app, working.attempt_id).status == "in_progress"


def test_the_instructor_sees_why_an_attempt_ended(
    app, make_assessment, learner_of, instructor_of, clock
):
    slug = make_assessment()
    ana = learner_of(slug)
    ana.start()
    for _ in range(7):
        clock.advance(minutes=5)
        ana.heartbeat()
    teacher = instructor_of(slug)
    page = teacher.get("/instructor/learners/1").get_data(as_text=True)
    assert "no answer saved and no question opened" in page and "30 minutes" in page
