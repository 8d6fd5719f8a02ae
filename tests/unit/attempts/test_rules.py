"""The attempt rules as pure functions: boundaries stated in lti_tool/attempts/rules.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lti_tool.attempts import rules
from lti_tool.attempts.models import (
    IN_PROGRESS,
    SUBMITTED,
    VOID,
    VOID_INACTIVITY,
    VOID_NO_ANSWER_OR_PAGE,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TIMEOUT = 600


@dataclass
class Live:
    last_activity_at: datetime  # answer, page or heartbeat
    inactivity_timeout_seconds: int = TIMEOUT
    deadline_at: datetime | None = None
    last_answer_or_page_at: datetime | None = None  # default: the last activity was one

    def __post_init__(self):
        if self.last_answer_or_page_at is None:
            self.last_answer_or_page_at = self.last_activity_at


@dataclass
class Past:
    status: str
    started_at: datetime
    finished_at: datetime | None


def at(**delta: float) -> datetime:
    return T0 + timedelta(**delta)


def test_activity_exactly_at_the_timeout_still_counts():
    live = Live(T0)
    assert not rules.is_inactive(live, TIMEOUT, at(seconds=TIMEOUT))
    assert rules.is_inactive(live, TIMEOUT, at(seconds=TIMEOUT, microseconds=1))
    assert rules.settlement(live, at(seconds=TIMEOUT)) is None


def test_inactivity_voids_at_the_moment_the_allowance_ran_out():
    outcome = rules.settlement(Live(T0), at(hours=3))
    assert outcome == rules.Settlement(VOID, at(seconds=TIMEOUT), VOID_INACTIVITY)


def test_seconds_left_counts_down_from_the_last_activity():
    live = Live(at(minutes=5))
    assert rules.inactivity_seconds_left(live, at(minutes=12)) == 180
    assert rules.inactivity_seconds_left(live, at(minutes=30)) == 0


def test_time_limit_takes_answers_until_just_before_the_deadline():
    deadline = rules.deadline_for(T0, 1800)
    assert deadline == at(minutes=30)
    assert not rules.is_past_deadline(deadline, at(minutes=30, microseconds=-1))
    assert rules.is_past_deadline(deadline, at(minutes=30))
    assert rules.deadline_for(T0, None) is None and not rules.is_past_deadline(None, at(days=9))


def test_deadline_reached_while_active_submits_at_the_deadline():
    live = Live(at(minutes=29), deadline_at=at(minutes=30))
    assert rules.settlement(live, at(minutes=30)) == rules.Settlement(SUBMITTED, at(minutes=30))
    # Found much later, after the inactivity limit too: the deadline still came first.
    assert rules.settlement(live, at(hours=2)) == rules.Settlement(SUBMITTED, at(minutes=30))


def test_silence_that_began_before_the_deadline_voids():
    live = Live(at(minutes=5), deadline_at=at(minutes=30))
    assert rules.settlement(live, at(hours=2)) == rules.Settlement(
        VOID, at(minutes=15), VOID_INACTIVITY
    )


def test_time_left_on_the_limit():
    assert rules.time_limit_seconds_left(at(minutes=30), at(minutes=29)) == 60
    assert rules.time_limit_seconds_left(at(minutes=30), at(minutes=31)) == 0
    assert rules.time_limit_seconds_left(None, T0) is None


def test_only_one_attempt_in_progress():
    history = [Past(IN_PROGRESS, T0, None)]
    assert rules.can_start(history, rules.AttemptRules(), at(hours=1)).code == "in_progress"


def test_unlimited_retakes_by_default():
    history = [Past(SUBMITTED, at(minutes=n), at(minutes=n + 1)) for n in range(50)]
    assert rules.can_start(history, rules.AttemptRules(), at(hours=2)) is None
    assert rules.attempts_left(history, rules.AttemptRules()) is None


def test_maximum_attempts_counts_void_attempts_too():
    limit = rules.AttemptRules(max_attempts=2)
    history = [Past(VOID, T0, at(minutes=10))]
    assert rules.can_start(history, limit, at(hours=1)) is None
    assert rules.attempts_left(history, limit) == 1
    history.append(Past(SUBMITTED, at(hours=1), at(hours=2)))
    assert rules.can_start(history, limit, at(days=1)).code == "max_attempts"
    assert rules.attempts_left(history, limit) == 0


def test_retake_delay_runs_from_the_last_submitted_attempt():
    delay = rules.AttemptRules(retake_delay_seconds=3600)
    history = [Past(SUBMITTED, T0, at(minutes=20))]
    refusal = rules.can_start(history, delay, at(minutes=79))
    assert refusal.code == "retake_delay" and refusal.until == at(minutes=80)
    assert rules.can_start(history, delay, at(minutes=80)) is None


def test_a_void_attempt_sets_no_retake_delay():
    delay = rules.AttemptRules(retake_delay_seconds=3600)
    history = [
        Past(SUBMITTED, T0, at(minutes=20)),
        Past(VOID, at(hours=2), at(hours=2, minutes=10)),
    ]
    assert rules.can_start(history, delay, at(hours=2, minutes=11)) is None


def test_pass_at_or_above_the_pass_mark():
    assert rules.percent(14, 20) == 70.0 and rules.passes(70.0, 70)
    assert not rules.passes(rules.percent(13.99, 20), 70)
    assert rules.percent(2, 3) == 66.67
    assert rules.percent(0, 20) == 0.0 and rules.percent(20, 20) == 100.0
    with pytest.raises(ValueError):
        rules.percent(1, 0)


def test_a_new_best_must_be_strictly_higher():
    assert rules.is_new_best(None, 0.0)
    assert rules.is_new_best(70.0, 70.01)
    assert not rules.is_new_best(70.0, 70.0)
    assert not rules.is_new_best(70.0, 40.0)


# Scores as the service makes them: percentages with two decimals (rules.percent).
@given(st.lists(st.one_of(st.none(), st.integers(0, 10_000).map(lambda n: n / 100)), max_size=30))
def test_the_kept_best_never_decreases_and_is_the_maximum(outcomes):
    """None stands for a void attempt (no score)."""
    best = None
    for score in outcomes:
        before = best
        if score is not None and rules.is_new_best(best, score):
            best = score
        assert before is None or best >= before
    scores = [s for s in outcomes if s is not None]
    assert best == (max(scores) if scores else None)


def test_an_accommodation_only_lengthens_the_allowance():
    @dataclass
    class Version:
        pass_mark_percent: float = 70
        inactivity_timeout_seconds: int = 600
        time_limit_seconds: int | None = None
        max_attempts: int | None = None
        retake_delay_seconds: int = 0

    assert rules.AttemptRules.for_version(Version(), 1800).inactivity_timeout_seconds == 1800
    assert rules.AttemptRules.for_version(Version(), 60).inactivity_timeout_seconds == 600
    assert rules.AttemptRules.for_version(Version()).inactivity_timeout_seconds == 600


@pytest.mark.parametrize("timeout", [60, 300, 600, 1800, 7200])
def test_heartbeats_and_warning_fit_in_the_allowance(timeout):
    assert rules.heartbeat_interval_seconds(timeout) * 3 <= timeout
    assert 0 < rules.warning_seconds(timeout) <= timeout


# -- heartbeats alone (docs/decisions/0010) ------------------------------------------------


def beating_since(last_answer_or_page: datetime, now: datetime, **kwargs) -> Live:
    """An attempt whose page sent a heartbeat just now, with no answer or page since."""
    return Live(now, last_answer_or_page_at=last_answer_or_page, **kwargs)


def test_heartbeats_alone_keep_an_attempt_for_three_allowances_exactly():
    limit = rules.engagement_limit_seconds(TIMEOUT)
    assert limit == 3 * TIMEOUT == 1800
    assert rules.settlement(beating_since(T0, at(seconds=limit)), at(seconds=limit)) is None
    late = at(seconds=limit, microseconds=1)
    assert rules.settlement(beating_since(T0, late), late) == rules.Settlement(
        VOID, at(seconds=limit), VOID_NO_ANSWER_OR_PAGE
    )


def test_an_answer_or_a_page_starts_the_bound_again():
    live = beating_since(at(minutes=25), at(minutes=50))
    assert rules.settlement(live, at(minutes=50)) is None
    assert rules.engagement_seconds_left(live, at(minutes=50)) == 5 * 60
    assert rules.engagement_seconds_left(live, at(hours=2)) == 0


def test_the_bound_follows_an_accommodation():
    long = beating_since(T0, at(minutes=85), inactivity_timeout_seconds=1800)
    assert rules.settlement(long, at(minutes=85)) is None  # 3 x 30 minutes = 90
    assert rules.AttemptRules(inactivity_timeout_seconds=1800).engagement_limit_seconds == 5400


def test_a_silent_page_is_void_for_inactivity_first():
    """No heartbeat either: the plain allowance ran out long before the bound."""
    assert rules.settlement(Live(T0), at(hours=5)).void_reason == VOID_INACTIVITY


def test_whichever_allowance_ran_out_first_decides():
    # Heartbeats until minute 29, answer at 0: the bound (30) comes before 29 + 10.
    live = Live(at(minutes=29), last_answer_or_page_at=T0)
    assert rules.settlement(live, at(hours=1)) == rules.Settlement(
        VOID, at(minutes=30), VOID_NO_ANSWER_OR_PAGE
    )
    # Heartbeats until minute 15: 15 + 10 comes first.
    live = Live(at(minutes=15), last_answer_or_page_at=T0)
    assert rules.settlement(live, at(hours=1)) == rules.Settlement(
        VOID, at(minutes=25), VOID_INACTIVITY
    )


def test_a_deadline_before_the_bound_still_submits():
    live = beating_since(T0, at(minutes=40), deadline_at=at(minutes=20))
    assert rules.settlement(live, at(minutes=40)) == rules.Settlement(SUBMITTED, at(minutes=20))
    live = beating_since(T0, at(minutes=40), deadline_at=at(minutes=35))
    assert rules.settlement(live, at(minutes=40)).kind == VOID


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(60, 7200))
def test_an_attempt_never_outlives_its_last_answer_or_page_by_more_than_the_bound(
    answer_s, beat_s, timeout
):
    """Whatever heartbeats arrive, an attempt whose last answer or page is older than the
    bound is over; one whose last answer or page and last heartbeat are recent is not."""
    last_answer = at(seconds=answer_s)
    last_beat = at(seconds=answer_s + beat_s)
    live = Live(last_beat, inactivity_timeout_seconds=timeout, last_answer_or_page_at=last_answer)
    bound = rules.engagement_limit_seconds(timeout)
    after_bound = last_answer + timedelta(seconds=bound, microseconds=1)
    if after_bound >= last_beat:
        assert rules.settlement(live, after_bound) is not None
    if beat_s <= bound - timeout:
        assert rules.settlement(live, last_beat + timedelta(seconds=timeout)) is None
