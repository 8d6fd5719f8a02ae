"""The key-value store (Redis in production) is never needed for an attempt: with it down,
heartbeats, answers and submit still work; with its keys gone, nothing changes."""

from __future__ import annotations

import redis

from tests.integration.attempts.conftest import attempt_rows
from tests.support.attempt_content import right_response


class DownStore:
    """Every call fails like a Redis that is restarting."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise redis.ConnectionError("Connection refused")

        return fail


def test_an_attempt_goes_on_while_the_store_is_down(app, make_assessment, learner_of, clock):
    ana = learner_of(make_assessment())
    ana.start()
    services = app.extensions["emm_services"]
    working, services.store = services.store, DownStore()
    try:
        clock.advance(minutes=9)
        assert ana.heartbeat().status_code == 200
        for q in attempt_rows(app, ana.attempt_id).questions:
            clock.advance(minutes=9)
            assert ana.save(q.position, right_response(q.item_version)).status_code == 200
        assert ana.submit().status_code == 303
    finally:
        services.store = working
    assert "Score: 100 %" in ana.result().get_data(as_text=True)
