"""Real threads against the real database (SQLite and PostgreSQL): one sitting, no lost or
double-counted answers, one score per attempt."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from lti_tool import db
from lti_tool.attempts import rules, service
from lti_tool.attempts.models import Attempt, BestScore
from tests.integration.attempts.conftest import attempt_rows
from tests.support.attempt_content import right_response

THREADS = 6


def run_together(*calls):
    """Run the calls in threads released at the same moment; their results in order."""
    barrier = threading.Barrier(len(calls))

    def go(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result(timeout=60) for f in [pool.submit(go, c) for c in calls]]


def count(app, model, **where):
    with app.app_context():
        statement = select(func.count()).select_from(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return db.session().scalar(statement)


def test_tabs_starting_at_once_make_exactly_one_attempt(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    for round_number in range(1, 4):
        tabs = [ana.tab() for _ in range(THREADS)]
        responses = run_together(*[lambda t=t: t.post("/assessment/attempts") for t in tabs])
        assert [r.status_code for r in responses] == [303] * THREADS
        locations = [r.headers["Location"] for r in responses]
        assert sum("/questions/1" in url for url in locations) == 1
        assert count(app, Attempt) == round_number
        assert count(app, Attempt, status="in_progress") == 1
        # The losers are sent to the home page, which offers to continue that one attempt.
        loser = tabs[next(i for i, url in enumerate(locations) if "/questions/" not in url)]
        assert "You have an attempt in progress" in loser.home().get_data(as_text=True)
        winner = tabs[next(i for i, url in enumerate(locations) if "/questions/" in url)]
        winner.follow(locations[tabs.index(winner)])
        assert winner.submit().status_code == 303


def test_a_start_that_lost_the_race_joins_the_live_attempt(
    app, make_assessment, learner_of, monkeypatch, clock
):
    """The partial unique index is the last word: even if the rules check missed the other
    attempt (read before it committed), the insert fails and the live attempt is returned."""
    ana = learner_of(make_assessment())
    ana.start()
    monkeypatch.setattr(rules, "can_start", lambda *args, **kwargs: None)
    with app.app_context():
        session = db.session()
        attempt = session.get(Attempt, ana.attempt_id)
        version = attempt.assessment_version
        with pytest.raises(service.StartRefused) as refused:
            service.start_attempt(
                session,
                placement_id=attempt.placement_id,
                user_id=attempt.user_id,
                version=version,
                now=clock.now(),
            )
        assert refused.value.code == "in_progress" and refused.value.attempt.id == ana.attempt_id
        session.commit()  # the transaction is still usable after the failed savepoint
    assert count(app, Attempt) == 1


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_postgres_second_insert_waits_for_the_first_then_joins_it(
    app, make_assessment, learner_of, clock
):
    ana = learner_of(make_assessment())
    ana.home()  # creates nothing; the learner exists
    with app.app_context():
        make = app.extensions["emm_sessionmaker"]
        first, second = make(), make()
        from lti_tool.launch.models import LaunchSession

        launch = first.scalars(select(LaunchSession)).first()
        from item_bank.catalog import latest_version

        version = latest_version(first, launch.placement.assessment_slug)
        mine = service.start_attempt(
            first,
            placement_id=launch.placement_id,
            user_id=launch.user_id,
            version=version,
            now=clock.now(),
        )
        outcome: dict = {}

        def racer():
            with app.app_context():
                try:
                    service.start_attempt(
                        second,
                        placement_id=launch.placement_id,
                        user_id=launch.user_id,
                        version=latest_version(second, launch.placement.assessment_slug),
                        now=clock.now(),
                    )
                except service.StartRefused as refused:
                    outcome["refused"] = refused
                    second.commit()

        thread = threading.Thread(target=racer)
        thread.start()
        watcher = make()
        # Wait (no sleeping for time) until the racer's INSERT is blocked on our uncommitted row.
        for _ in range(10_000):
            waiting = watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            )
            watcher.rollback()
            if waiting or not thread.is_alive():
                break
        assert waiting == 1
        first.commit()
        thread.join(timeout=30)
        assert outcome["refused"].code == "in_progress"
        assert outcome["refused"].attempt.id == mine.attempt.id
        for s in (first, second, watcher):
            s.close()


def test_concurrent_saves_are_all_committed(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    ana.start()
    questions = attempt_rows(app, ana.attempt_id).questions
    sent = [(q.position, right_response(q.item_version)) for q in questions] + [
        (q.position, {}) for q in questions[:2]
    ]
    responses = run_together(*[lambda p=p, r=r: ana.save(p, r) for p, r in sent])
    assert [r.status_code for r in responses] == [200] * len(sent)
    stored = {q.position: q.response for q in attempt_rows(app, ana.attempt_id).questions}
    for q in questions:
        candidates = [normalised(q, r) for p, r in sent if p == q.position]
        assert stored[q.position] in candidates  # one of the acknowledged writes, whole


def normalised(question, response):
    from item_bank.responses import validate_response

    return validate_response(question.item_version, response)


def test_double_submit_scores_once(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    ana.start()
    for q in attempt_rows(app, ana.attempt_id).questions:
        ana.save(q.position, right_response(q.item_version))
    tabs = [ana] + [ana.tab() for _ in range(THREADS - 1)]
    for tab in tabs[1:]:
        tab.attempt_id, tab.sitting = ana.attempt_id, ana.sitting
    responses = run_together(*[lambda t=t: t.submit() for t in tabs])
    assert {r.status_code for r in responses} == {303}
    assert all("/result" in r.headers["Location"] for r in responses)
    attempt = attempt_rows(app, ana.attempt_id)
    assert attempt.status == "submitted" and attempt.score_percent == 100.0
    assert count(app, BestScore) == 1
    try:
        from lti_tool.grades.models import GradeOutbox
    except ModuleNotFoundError:
        return
    with app.app_context():
        [row] = db.session().scalars(select(GradeOutbox)).all()
        assert row.version == 1 and row.score_given == 100.0


def test_every_acknowledged_answer_is_in_the_score_even_racing_submit(
    app, make_assessment, learner_of
):
    ana = learner_of(make_assessment())
    ana.start()
    questions = attempt_rows(app, ana.attempt_id).questions
    other = ana.tab()
    other.attempt_id, other.sitting = ana.attempt_id, ana.sitting

    def answer_all():
        return [ana.save(q.position, right_response(q.item_version)).status_code for q in questions]

    codes, submitted = run_together(answer_all, lambda: other.submit().status_code)
    assert submitted == 303
    assert set(codes) <= {200, 409}
    acked = codes.count(200)
    # Once one save is refused (the attempt is over), every later one is too.
    assert codes == [200] * acked + [409] * (len(codes) - acked)
    attempt = attempt_rows(app, ana.attempt_id)
    assert attempt.points == acked
