"""Statement budgets of the launch path (issue 13, ADR 0015): a change that makes login or
launch talk to the database more often fails here, like the page-weight test does for bytes.

Counted as bench/profile_requests.py counts them: every statement the app's engine sends,
BEGIN, COMMIT and ROLLBACK included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from lti_tool import db
from lti_tool.launch.models import LtiUser, Placement
from tests.support.signed_launches import FakeMoodle, launch, login, register

LOGIN_BUDGET = 3  # BEGIN, the platform with its deployments, ROLLBACK
# BEGIN, platform, person upsert, placement read, launch session insert, COMMIT
LAUNCH_BUDGET = 6
FIRST_LAUNCH_BUDGET = 7  # ... and the placement's insert


@pytest.fixture
def moodle(app):
    fake = FakeMoodle()
    register(app, fake)
    return fake


@contextmanager
def counted(app) -> Iterator[list[str]]:
    engine = app.extensions["emm_engine"]
    seen: list[str] = []

    def statement(conn, cursor, text, *rest):
        if not text.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE: the begin, counted below
            seen.append(" ".join(text.split())[:100])

    def marker(name):
        return lambda conn, *rest: seen.append(name)

    listeners = [("before_cursor_execute", statement)] + [
        (name, marker(name.upper())) for name in ("begin", "commit", "rollback")
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def test_a_login_stays_within_its_statement_budget(app, client, moodle):
    login(client)  # warm: the first request of an app sets up its connections
    with counted(app) as seen:
        login(client, login_hint="5")
    assert len(seen) <= LOGIN_BUDGET, seen


def test_launches_stay_within_their_statement_budget(app, client, moodle, clock):
    now = clock.now().timestamp()
    # The activity's first launch creates the placement: one statement more.
    with counted(app) as first:
        response, _ = launch(client, moodle, now, sub="1")
    assert response.status_code == 303
    launch_statements = first[first.index("BEGIN", 1) :]  # after the login's ROLLBACK
    assert len(launch_statements) <= FIRST_LAUNCH_BUDGET, launch_statements

    # Every later learner of the class: the placement is read, never written.
    with counted(app) as later:
        response, _ = launch(client, moodle, now, sub="2")
    assert response.status_code == 303
    launch_statements = later[later.index("BEGIN", 1) :]
    assert len(launch_statements) <= LAUNCH_BUDGET, launch_statements
    assert not [s for s in launch_statements if s.startswith("UPDATE placements")]


def test_a_placement_is_written_only_when_a_claim_changed(app, client, moodle, clock):
    now = clock.now().timestamp()
    launch(client, moodle, now, sub="1")
    first_written = _placement(app).updated_at
    clock.advance(minutes=1)
    launch(client, moodle, clock.now().timestamp(), sub="2")
    assert _placement(app).updated_at == first_written

    def retitle(claims):
        claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["title"] = "Renamed"

    clock.advance(minutes=1)
    launch(client, moodle, clock.now().timestamp(), sub="3", claims_edit=retitle)
    placement = _placement(app)
    assert placement.resource_link_title == "Renamed"
    assert placement.updated_at > first_written


def test_a_second_launch_keeps_the_names_a_platform_then_withholds(app, client, moodle, clock):
    now = clock.now().timestamp()
    launch(client, moodle, now, sub="7")

    def withhold(claims):
        for field in ("name", "given_name", "family_name", "email"):
            claims.pop(field)

    clock.advance(minutes=1)
    response, _ = launch(client, moodle, clock.now().timestamp(), sub="7", claims_edit=withhold)
    assert response.status_code == 303
    with app.app_context():
        users = db.session().scalars(select(LtiUser)).all()
        assert [(u.sub, u.name, u.email) for u in users] == [
            ("7", "Sam Student", "student1@example.com")
        ]
        assert users[0].updated_at.timestamp() == pytest.approx(clock.now().timestamp())


def _placement(app) -> Placement:
    with app.app_context():
        session = db.session()
        placement = session.scalars(select(Placement)).one()
        session.expunge(placement)
        return placement
