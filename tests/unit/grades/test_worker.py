from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from lti_tool.grades import failures
from lti_tool.grades.ags_client import SCOPE_SCORE, AgsError, StaleTimestamp
from lti_tool.grades.models import DELIVERED, FAILED, PENDING, GradeLineItem, GradeOutbox
from lti_tool.grades.outbox import enqueue_grade
from lti_tool.grades.requeue import requeue_failed
from lti_tool.grades.worker import GradeWorker, WorkerConfig, backoff
from lti_tool.launch.models import Placement
from tests.support.grade_fixtures import ScriptedAgsClient, add_placement

CONFIG = WorkerConfig(
    batch_size=5,
    delivery_budget=timedelta(seconds=30),
    lease=timedelta(seconds=60),
    base_delay=timedelta(seconds=10),
    max_delay=timedelta(minutes=10),
    max_tries=4,
)


def make_worker(sessions, clock, client, name="w1"):
    return GradeWorker(
        sessions,
        client,
        clock,
        name=name,
        config=CONFIG,
        rng=random.Random(7),
        sleep=lambda seconds: None,
    )


def enqueue(sessions, course, clock, score, sub="4", maximum=10, placement_id=None):
    with sessions.begin() as session:
        enqueue_grade(
            session,
            placement_id=placement_id or course.placement_id,
            user_id=course.users[sub],
            attempt_id=int(score * 10),
            score_given=score,
            score_maximum=maximum,
            timestamp=clock.now(),
        )


def row_of(sessions, course, sub="4"):
    with sessions() as session:
        return session.scalars(
            select(GradeOutbox).where(GradeOutbox.user_id == course.users[sub])
        ).one()


def test_a_due_grade_is_posted_as_a_fully_graded_completed_score(sessions, course, clock):
    client = ScriptedAgsClient()
    enqueue(sessions, course, clock, 7.5)
    assert make_worker(sessions, clock, client).run_due() == 1
    [(url, score)] = client.scores
    assert url == "https://moodle.test/lineitems/7?type_id=1"
    assert score == {
        "userId": "4",
        "scoreGiven": 7.5,
        "scoreMaximum": 10,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": "2026-11-23T09:00:00+00:00",
    }
    row = row_of(sessions, course)
    assert (row.state, row.delivered_version, row.delivered_score, row.claimed_by) == (
        DELIVERED,
        1,
        7.5,
        None,
    )


def test_a_newer_best_arriving_mid_flight_is_sent_next_never_lost(sessions, course, clock):
    """The learner's submission rewrites the row while the worker is on the wire: it must not
    wait for the worker (no transaction held over HTTP: on SQLite it would block) and the
    worker must not mark the newer best as delivered."""

    def submit_newer_while_posting(url, score):
        if score["scoreGiven"] == 6:
            clock.advance(seconds=30)
            enqueue(sessions, course, clock, 8)

    client = ScriptedAgsClient(on_score=submit_newer_while_posting)
    enqueue(sessions, course, clock, 6)
    worker = make_worker(sessions, clock, client)
    assert worker.run_due() == 2  # the newer best was due at once and went out in the same pass
    assert [s["scoreGiven"] for _, s in client.scores] == [6, 8]
    timestamps = [s["timestamp"] for _, s in client.scores]
    assert timestamps == sorted(timestamps) and len(set(timestamps)) == 2
    row = row_of(sessions, course)
    assert (row.state, row.version, row.delivered_version, row.delivered_score) == (
        DELIVERED,
        2,
        2,
        8.0,
    )


def test_transient_errors_back_off_with_jitter_and_then_deliver(sessions, course, clock):
    answers = [
        AgsError(failures.SERVER_ERROR, "500", http_status=500, detail="boom"),
        AgsError(failures.TIMEOUT, "slow"),
    ]

    def flaky(url, score):
        if answers:
            raise answers.pop(0)

    client = ScriptedAgsClient(on_score=flaky)
    enqueue(sessions, course, clock, 5)
    worker = make_worker(sessions, clock, client)
    start = clock.now()
    worker.run_due()
    row = row_of(sessions, course)
    assert (row.state, row.tries, row.last_error_code, row.last_http_status) == (
        PENDING,
        1,
        failures.SERVER_ERROR,
        500,
    )
    assert start + timedelta(seconds=5) <= row.next_attempt_at <= start + timedelta(seconds=10)
    assert worker.run_due() == 0  # not due yet: nothing sent
    assert len(client.scores) == 1
    clock.set(row.next_attempt_at)
    worker.run_due()
    row = row_of(sessions, course)
    assert row.tries == 2
    now = clock.now()
    assert now + timedelta(seconds=10) <= row.next_attempt_at <= now + timedelta(seconds=20)
    clock.set(row.next_attempt_at)
    worker.run_due()
    assert row_of(sessions, course).state == DELIVERED
    assert [s["timestamp"] for _, s in client.scores] == ["2026-11-23T09:00:00+00:00"] * 3


def test_retry_after_is_honoured_and_the_platform_s_other_grades_wait_too(sessions, course, clock):
    calls = []

    def throttled(url, score):
        calls.append(score["userId"])
        if len(calls) == 1:
            raise AgsError(
                failures.RATE_LIMITED, "429", http_status=429, retry_after=timedelta(seconds=42)
            )

    client = ScriptedAgsClient(on_score=throttled)
    enqueue(sessions, course, clock, 5, sub="4")
    enqueue(sessions, course, clock, 6, sub="5")
    worker = make_worker(sessions, clock, client)
    worker.run_due()
    assert calls == ["4"]  # the second grade of the same platform was not tried
    for sub in ("4", "5"):
        row = row_of(sessions, course, sub)
        assert row.next_attempt_at == clock.now() + timedelta(seconds=42)
        assert row.claimed_by is None
    assert row_of(sessions, course, "5").tries == 0
    clock.advance(seconds=41)
    assert worker.run_due() == 0
    clock.advance(seconds=1)
    assert worker.run_due() == 2
    assert {row_of(sessions, course, s).state for s in ("4", "5")} == {DELIVERED}


def test_a_failure_a_person_must_fix_is_recorded_not_retried_then_requeued(sessions, course, clock):
    gradable = []

    def not_enrolled(url, score):
        if not gradable:
            raise AgsError(
                failures.USER_NOT_GRADABLE,
                "400",
                http_status=400,
                detail='{"error": "user is not gradable"}',
            )

    client = ScriptedAgsClient(on_score=not_enrolled)
    enqueue(sessions, course, clock, 5)
    worker = make_worker(sessions, clock, client)
    worker.run_due()
    row = row_of(sessions, course)
    assert (row.state, row.last_error_code, row.last_http_status) == (
        FAILED,
        failures.USER_NOT_GRADABLE,
        400,
    )
    assert "not gradable" in row.last_error_detail
    clock.advance(days=2)
    assert worker.run_due() == 0
    gradable.append(True)  # the instructor fixed the enrolment
    with sessions.begin() as session:
        assert requeue_failed(session, clock.now()) == 1
    worker.run_due()
    row = row_of(sessions, course)
    assert (row.state, row.last_error_code, row.tries) == (DELIVERED, None, 0)


def test_a_newer_best_after_a_failure_gets_its_own_try(sessions, course, clock):
    client = ScriptedAgsClient(
        on_score=lambda url, s: (
            (_ for _ in ()).throw(AgsError(failures.FORBIDDEN, "403", http_status=403))
            if s["scoreGiven"] == 5
            else None
        )
    )
    enqueue(sessions, course, clock, 5)
    worker = make_worker(sessions, clock, client)
    worker.run_due()
    assert row_of(sessions, course).state == FAILED
    clock.advance(minutes=1)
    enqueue(sessions, course, clock, 9)
    worker.run_due()
    assert row_of(sessions, course).state == DELIVERED


@pytest.mark.parametrize(
    "held, expected_state, posts",
    [
        ({"resultScore": 75, "resultMaximum": 100}, DELIVERED, 1),  # ours: an earlier post
        ({"resultScore": 90, "resultMaximum": 100}, DELIVERED, 1),  # newer and higher
        ({"resultScore": 10, "resultMaximum": 100}, DELIVERED, 2),  # newer but lower: re-stamped
        (None, DELIVERED, 2),  # nothing readable: re-stamped
    ],
)
def test_a_409_counts_as_delivered_only_if_the_platform_holds_an_equal_or_newer_best(
    sessions, course, clock, held, expected_state, posts
):
    seen = []
    platform_time = "2026-11-23T09:05:00+00:00"

    def conflict_once(url, score):
        seen.append(score["timestamp"])
        if len(seen) == 1:
            raise StaleTimestamp(failures.STALE_TIMESTAMP, "409", http_status=409)

    client = ScriptedAgsClient(on_score=conflict_once)
    if held is not None:
        client.results_answer = [{"userId": "4", "timestamp": platform_time, **held}]
    enqueue(sessions, course, clock, 7.5)
    make_worker(sessions, clock, client).run_due()
    assert row_of(sessions, course).state == expected_state
    assert len(seen) == posts
    if posts == 2:
        expected = "2026-11-23T09:05:01+00:00" if held else "2026-11-23T09:00:01+00:00"
        assert seen[1] == expected


def test_a_409_without_the_result_scope_is_taken_as_delivered(sessions, course, clock):
    with sessions.begin() as session:
        session.get(Placement, course.placement_id).ags_scopes = [SCOPE_SCORE]
    client = ScriptedAgsClient(
        on_score=lambda url, s: (_ for _ in ()).throw(
            StaleTimestamp(failures.STALE_TIMESTAMP, "409", http_status=409)
        )
    )
    enqueue(sessions, course, clock, 7)
    make_worker(sessions, clock, client).run_due()
    assert row_of(sessions, course).state == DELIVERED


def test_transient_errors_give_up_after_max_tries(sessions, course, clock):
    client = ScriptedAgsClient(
        on_score=lambda url, s: (_ for _ in ()).throw(AgsError(failures.NETWORK_ERROR, "refused"))
    )
    enqueue(sessions, course, clock, 7)
    worker = make_worker(sessions, clock, client)
    for _ in range(CONFIG.max_tries):
        clock.advance(hours=1)
        worker.run_due()
    row = row_of(sessions, course)
    assert (row.state, row.last_error_code, row.tries) == (FAILED, failures.GAVE_UP, 4)
    assert len(client.scores) == 4


def test_a_placement_without_grade_service_fails_visibly(sessions, course, clock):
    with sessions.begin() as session:
        placement = session.get(Placement, course.placement_id)
        placement.ags_lineitem_url = placement.ags_lineitems_url = None
    client = ScriptedAgsClient()
    enqueue(sessions, course, clock, 7)
    make_worker(sessions, clock, client).run_due()
    assert row_of(sessions, course).last_error_code == failures.AGS_UNAVAILABLE
    assert client.scores == []


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_row(sessions, course, clock):
    client = ScriptedAgsClient()
    enqueue(sessions, course, clock, 7)
    stalled = make_worker(sessions, clock, client, name="stalled")
    [grade] = stalled.claim(5)
    clock.advance(seconds=61)  # the lease ran out (the stalled worker froze)
    other = make_worker(sessions, clock, client, name="other")
    assert other.run_due() == 1
    clock.advance(seconds=1)
    enqueue(sessions, course, clock, 9)  # a newer best waits now
    stalled.deliver_batch([grade])
    assert stalled.stats.lost_claims == 1
    row = row_of(sessions, course)
    assert (row.state, row.version, row.delivered_version) == (PENDING, 2, 1)


def test_a_restarted_worker_takes_over_its_dead_predecessor_s_claims_at_once(
    sessions, course, clock
):
    client = ScriptedAgsClient()
    enqueue(sessions, course, clock, 7)
    make_worker(sessions, clock, client, name="grades-1").claim(5)  # then the process died
    stranger = make_worker(sessions, clock, client, name="grades-2")
    stranger.take_over_own_claims()
    assert stranger.run_due() == 0  # someone else's claim: wait for the lease
    restarted = make_worker(sessions, clock, client, name="grades-1")
    assert restarted.take_over_own_claims() == 1
    assert restarted.run_due() == 1
    assert len(client.scores) == 1 and row_of(sessions, course).state == DELIVERED


def test_the_line_item_is_found_for_the_resource_link_when_the_launch_had_none(
    sessions, course, clock
):
    with sessions.begin() as session:
        session.get(Placement, course.placement_id).ags_lineitem_url = None
    client = ScriptedAgsClient(
        lineitems=[
            {"id": "https://moodle.test/lineitems/3?type_id=1", "resourceLinkId": "9"},
            {"id": "https://moodle.test/lineitems/4?type_id=1", "resourceLinkId": "1"},
        ]
    )
    enqueue(sessions, course, clock, 7)
    enqueue(sessions, course, clock, 8, sub="5")
    make_worker(sessions, clock, client).run_due()
    assert [url for url, _ in client.scores] == ["https://moodle.test/lineitems/4?type_id=1"] * 2
    assert client.created == []


def test_a_line_item_is_created_once_and_looked_up_again_when_it_is_gone(sessions, course, clock):
    with sessions.begin() as session:
        session.get(Placement, course.placement_id).ags_lineitem_url = None
    gone = []

    def maybe_gone(url, score):
        if gone and url == gone[0]:
            raise AgsError(failures.LINEITEM_GONE, "404", http_status=404)

    client = ScriptedAgsClient(on_score=maybe_gone)
    enqueue(sessions, course, clock, 7)
    enqueue(sessions, course, clock, 8, sub="5")
    worker = make_worker(sessions, clock, client)
    worker.run_due()
    assert len(client.created) == 1
    created = client.created[0]
    assert (
        created["resourceLinkId"],
        created["scoreMaximum"],
        created["label"],
        created["tag"],
    ) == ("1", 10, "Final assessment", "emm-assessment")
    assert len(client.scores) == 2
    # The column is deleted on the platform: the next post fails, the cache is forgotten.
    gone.append(created["id"])
    client.lineitems.clear()
    clock.advance(minutes=1)
    enqueue(sessions, course, clock, 9)
    worker.run_due()
    assert row_of(sessions, course).last_error_code == failures.LINEITEM_GONE
    with sessions() as session:
        assert session.scalars(select(GradeLineItem)).all() == []
    with sessions.begin() as session:
        requeue_failed(session, clock.now())
    worker.run_due()
    assert len(client.created) == 2 and row_of(sessions, course).state == DELIVERED


def test_grades_of_other_placements_are_sent_to_their_own_line_items(sessions, course, clock):
    with sessions.begin() as session:
        other = add_placement(
            session,
            course,
            clock.now(),
            resource_link_id="2",
            ags_lineitem_url="https://moodle.test/lineitems/8?type_id=1",
        )
    client = ScriptedAgsClient()
    enqueue(sessions, course, clock, 7)
    enqueue(sessions, course, clock, 3, placement_id=other)
    make_worker(sessions, clock, client).run_due()
    assert sorted(url for url, _ in client.scores) == [
        "https://moodle.test/lineitems/7?type_id=1",
        "https://moodle.test/lineitems/8?type_id=1",
    ]


def test_backoff_grows_exponentially_within_jitter_and_is_capped():
    rng = random.Random(1)
    for tries, low, high in ((1, 5, 10), (2, 10, 20), (3, 20, 40), (12, 300, 600)):
        for _ in range(50):
            delay = backoff(tries, CONFIG, rng).total_seconds()
            assert low <= delay <= high
    spread = {round(backoff(3, CONFIG, rng).total_seconds(), 3) for _ in range(20)}
    assert len(spread) > 10  # jitter: retries of many grades do not line up


def test_the_loop_sleeps_until_the_next_grade_is_due_and_stops_on_request(sessions, course, clock):
    client = ScriptedAgsClient()
    slept = []
    worker = GradeWorker(
        sessions,
        client,
        clock,
        name="loop",
        rng=random.Random(1),
        config=WorkerConfig(poll_interval=2.0),
        sleep=slept.append,
    )

    def sleep(seconds):
        slept.append(seconds)
        if len(slept) == 1:
            enqueue(sessions, course, clock, 5)  # due now
        elif len(slept) == 2:
            with sessions.begin() as session:
                row = session.scalars(select(GradeOutbox)).one()
                row.state, row.next_attempt_at = PENDING, clock.now() + timedelta(seconds=0.5)
        else:
            worker.stop()

    worker.sleep = sleep
    worker.run()
    assert slept == [2.0, 2.0, 0.5]  # idle: the poll interval; then until the row is due
    assert len(client.scores) == 1


def test_an_unexpected_error_is_retried_and_does_not_stop_other_grades(sessions, course, clock):
    def broken(url, score):
        if score["userId"] == "4":
            raise RuntimeError("bug")

    client = ScriptedAgsClient(on_score=broken)
    enqueue(sessions, course, clock, 5, sub="4")
    enqueue(sessions, course, clock, 6, sub="5")
    make_worker(sessions, clock, client).run_due()
    assert row_of(sessions, course, "4").last_error_code == failures.INTERNAL_ERROR
    assert row_of(sessions, course, "4").state == PENDING
    assert row_of(sessions, course, "5").state == DELIVERED
