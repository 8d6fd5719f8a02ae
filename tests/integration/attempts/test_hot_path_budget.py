"""The hot path's budget (issue 13, docs/decisions/0013): what one answer save and one
heartbeat send to the database, like the page-weight budget. A change that adds a query to
these requests fails here; raise a budget only with a reason in the ADR.

PostgreSQL: one SELECT (launch, attempt and question together) and one guarded write, in
autocommit: two round trips. SQLite (in process, no network) runs the same steps in one
BEGIN IMMEDIATE transaction, and its two writes are two statements (no UPDATE in a CTE).
"""

from __future__ import annotations

import pytest

from tests.integration.attempts.conftest import attempt_rows
from tests.support.attempt_content import right_response
from tests.support.round_trips import counting

SAVE_BUDGET = {"postgres": 2, "sqlite": 5}
HEARTBEAT_BUDGET = {"postgres": 2, "sqlite": 4}


@pytest.fixture
def taking(app, make_assessment, learner_of):
    """A learner on question 1 who has saved it once (the item version is then cached)."""
    ana = learner_of(make_assessment())
    ana.start()
    ana.question(1)
    question = attempt_rows(app, ana.attempt_id).questions[0]
    assert ana.save(1, right_response(question.item_version)).status_code == 200
    return ana, question


def test_an_answer_save_stays_within_its_budget(app, backend, taking, clock):
    ana, question = taking
    response = right_response(question.item_version)
    clock.advance(seconds=5)
    with counting(app.extensions["emm_engine"]) as sent:
        saved = ana.save(1, response)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert len(sent) <= SAVE_BUDGET[backend], f"{len(sent)} round trips:\n{sent}"
    assert sent.checkouts == 1  # one connection: a pool pre-ping, where on, is one more trip
    # Within budget and still the whole save: committed, seen by another connection.
    assert attempt_rows(app, ana.attempt_id).questions[0].response == response


def test_a_worker_new_to_the_item_reads_it_on_the_save_s_own_connection(
    app, backend, taking, clock
):
    """A process that did not serve the start (or cleared its cache) reads the item version
    once, in the same connection: one more statement, never a second connection."""
    from lti_tool.attempts import published

    ana, question = taking
    engine = app.extensions["emm_engine"]
    published._caches.pop(engine)
    response = right_response(question.item_version)
    clock.advance(seconds=5)
    with counting(engine) as sent:
        saved = ana.save(1, response)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert len(sent) <= SAVE_BUDGET[backend] + 1, f"{len(sent)} round trips:\n{sent}"
    assert sent.checkouts == 1
    assert attempt_rows(app, ana.attempt_id).questions[0].response == response
    assert question.item_version_id in published._caches[engine].items


def test_a_heartbeat_stays_within_its_budget(app, backend, taking, clock):
    ana, _question = taking
    clock.advance(seconds=30)
    with counting(app.extensions["emm_engine"]) as sent:
        beat = ana.heartbeat()
    assert beat.status_code == 200, beat.get_data(as_text=True)
    assert beat.json["away_seconds"] == 30
    assert len(sent) <= HEARTBEAT_BUDGET[backend], f"{len(sent)} round trips:\n{sent}"
    assert sent.checkouts == 1
    assert attempt_rows(app, ana.attempt_id).last_activity_at == clock.now()


def test_a_refused_save_still_says_why(app, taking, clock):
    """Outside the budget's common case the locked path decides, with its usual answers."""
    ana, question = taking
    clock.advance(seconds=601)  # past the inactivity allowance
    refused = ana.save(1, right_response(question.item_version))
    assert refused.status_code == 410 and refused.json["error"] == "attempt_void"


def test_a_change_between_check_and_write_goes_down_the_locked_path(
    app, backend, taking, clock, monkeypatch
):
    """Another request moves the attempt after the hot path judged it: the guarded write
    matches nothing, the locked path decides, and the answer is saved all the same."""
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers: nothing comes between the check and the write")
    from sqlalchemy import update

    from lti_tool.attempts import answer_saving
    from lti_tool.attempts.models import Attempt

    ana, question = taking
    judge = answer_saving._is_live_here
    moved_at = clock.advance(seconds=3)

    def judge_then_another_request_writes(row, request):
        live = judge(row, request)
        with app.extensions["emm_engine"].begin() as other:
            other.execute(
                update(Attempt)
                .where(Attempt.id == ana.attempt_id)
                .values(last_activity_at=moved_at)
            )
        return live

    monkeypatch.setattr(answer_saving, "_is_live_here", judge_then_another_request_writes)
    clock.advance(seconds=2)
    response = right_response(question.item_version)
    with counting(app.extensions["emm_engine"]) as sent:
        saved = ana.save(1, response)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert len(sent) > SAVE_BUDGET[backend]  # the locked path ran after the guard said no
    row = attempt_rows(app, ana.attempt_id)
    assert row.questions[0].response == response
    assert row.last_activity_at == clock.now()
