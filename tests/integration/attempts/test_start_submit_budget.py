"""The statement budget of starting and submitting an attempt (issue 13, docs/decisions/0014),
like the page-weight budget: a change that adds a query to these requests fails here; raise a
budget only with a reason in the ADR.

Counted: every statement the request sends (SQLAlchemy's `before_cursor_execute`), its
launch-session lookup included; transaction control is not (SQLite's BEGIN IMMEDIATE, which
lti_tool.db sends as a statement, is left out like psycopg's BEGIN and both COMMITs).
Published content is cached per process: another learner's attempt warms it first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.integration.attempts.conftest import attempt_rows
from tests.support.attempt_content import right_response

START_BUDGET = 6
# One over the 6: the questions are read in their own statement after the attempt's
# lock is held, so an answer committed while the submit waited is scored (ADR 0014).
SUBMIT_BUDGET = 7
# A retake that raises the best replaces the outbox's earlier grade in place: read it under a
# lock and update it (grades.outbox), two statements the first grade does not need.
RISING_RETAKE_SUBMIT_BUDGET = 9


@contextmanager
def statements(app) -> Iterator[list[str]]:
    sent: list[str] = []

    def count(_conn, _cursor, text, *_rest) -> None:
        if not text.strip().upper().startswith("BEGIN"):
            sent.append(" ".join(text.split())[:120])

    engine = app.extensions["emm_engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def within(sent: list[str], budget: int) -> None:
    listed = "\n".join(sent)
    assert len(sent) <= budget, f"{len(sent)} statements, budget {budget}:\n{listed}"


@pytest.fixture
def slug(make_assessment, learner_of):
    slug = make_assessment()
    warm = learner_of(slug, sub="warm-up")
    warm.start()
    assert warm.submit().status_code == 303
    return slug


def test_a_first_start_and_submit_stay_within_budget(app, slug, learner_of):
    ana = learner_of(slug, sub="ana")
    with statements(app) as sent:
        ana.start()
    within(sent, START_BUDGET)
    with statements(app) as sent:
        submitted = ana.submit()
    assert submitted.status_code == 303, submitted.get_data(as_text=True)
    within(sent, SUBMIT_BUDGET)
    # Within budget and still the whole submit: scored, the best and its grade stored.
    attempt = attempt_rows(app, ana.attempt_id)
    assert attempt.status == "submitted" and attempt.points == 0
    assert all(q.points_awarded == 0 for q in attempt.questions)


def test_a_retake_start_and_submit_stay_within_budget(app, slug, learner_of, clock):
    ana = learner_of(slug, sub="ana")
    ana.start()
    assert ana.submit().status_code == 303
    clock.advance(seconds=60)
    with statements(app) as sent:
        ana.start()  # reads what the first attempt showed, in the same statement
    within(sent, START_BUDGET)
    with statements(app) as sent:
        assert ana.submit().status_code == 303  # 0 again: the best stays, no new grade
    within(sent, SUBMIT_BUDGET)


def test_a_rising_retake_submit_stays_within_its_budget(app, slug, learner_of, clock):
    ana = learner_of(slug, sub="ana")
    ana.start()
    assert ana.submit().status_code == 303
    clock.advance(seconds=60)
    ana.start()
    ana.question(1)
    question = attempt_rows(app, ana.attempt_id).questions[0]
    assert ana.save(1, right_response(question.item_version)).status_code == 200
    with statements(app) as sent:
        assert ana.submit().status_code == 303
    within(sent, RISING_RETAKE_SUBMIT_BUDGET)
    assert attempt_rows(app, ana.attempt_id).points > 0
