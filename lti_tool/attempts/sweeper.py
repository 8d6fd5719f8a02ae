"""Ends attempts nobody came back to, on a schedule: abandoned attempts become void and
time-limited ones are submitted (and graded) without waiting for the learner's next request.
Each sweep also purges the short-lived store's expired entries (used nonces, heartbeat and
rate-limit keys): the embedded SQLite store only drops an expired key when it is read again,
so without this its file would keep every one (docs/decisions/0003).

The rules live in `service.settle_all`; this only decides *when* it runs: a daemon thread in
the embedded default, `flask attempts settle --every 60` as its own process in production.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from lti_tool.store import KeyValueStore

log = logging.getLogger(__name__)
EXTENSION_KEY = "emm_attempt_sweeper"
DEFAULT_INTERVAL_SECONDS = 60.0


def sweep_once(app: Flask) -> int:
    from lti_tool.attempts.service import settle_all
    from lti_tool.db import session_scope
    from lti_tool.services import services

    with app.app_context():
        with session_scope() as session:
            ended = settle_all(session, services().clock.now())
        purge_store(services().store)
        return ended


def purge_store(store: KeyValueStore) -> None:
    """A store that is down must not undo the sweep: the attempts are settled already, and
    the next sweep purges what this one could not."""
    try:
        purged = store.purge_expired()
    except Exception:
        log.warning("could not purge the store's expired entries; next sweep", exc_info=True)
        return
    if purged:
        log.debug("purged %d expired store entries", purged)


def run_forever(app: Flask, stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            ended = sweep_once(app)
            if ended:
                log.info("attempt sweeper ended %d attempt(s)", ended)
        except Exception:
            log.exception("attempt sweep failed; trying again in %.0f s", interval)
        stop.wait(interval)


def start_embedded_sweeper(
    app: Flask, interval: float = DEFAULT_INTERVAL_SECONDS
) -> threading.Event:
    """Start the sweeper thread once per app; returns the event that stops it."""
    if EXTENSION_KEY in app.extensions:
        return app.extensions[EXTENSION_KEY]
    stop = threading.Event()
    threading.Thread(
        target=run_forever, args=(app, stop, interval), name="attempt-sweeper", daemon=True
    ).start()
    app.extensions[EXTENSION_KEY] = stop
    return stop
