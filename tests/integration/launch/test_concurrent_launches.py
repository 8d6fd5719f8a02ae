"""A whole class starting at once: first launches of one activity and one person race on the
unique keys of placements and people. Every launch must land; nothing is duplicated."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from lti_tool import db
from lti_tool.launch.models import LaunchSession, LtiUser, Placement
from tests.support.signed_launches import FakeMoodle, launch, register


def test_simultaneous_first_launches_all_land_without_duplicates(app, clock):
    moodle = FakeMoodle()
    register(app, moodle)
    barrier = threading.Barrier(8)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def learner(sub: str) -> None:
        try:
            client = app.test_client()
            barrier.wait()
            response, _ = launch(client, moodle, clock.now().timestamp(), sub=sub)
            statuses.append(response.status_code)
        except BaseException as error:
            errors.append(error)

    # Four new people, each launching twice at the same moment, into one new activity.
    threads = [threading.Thread(target=learner, args=(str(100 + n % 4),)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert statuses == [303] * 8
    with app.app_context():
        session = db.session()
        assert session.scalar(select(func.count()).select_from(Placement)) == 1
        assert session.scalar(select(func.count()).select_from(LtiUser)) == 4
        assert session.scalar(select(func.count()).select_from(LaunchSession)) == 8
