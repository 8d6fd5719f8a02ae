"""No Flask session: the service keeps nothing in Flask's signed cookie.

A launch travels as a signed token in the page's URLs (ADR 0002), the login state and rate
limits live in the key-value store, and nothing else needs a cookie session. Flask's default
interface would still look for the cookie and build a signing serializer on every request
(answer saves and heartbeats included, issue 13); this one hands Flask a session that is empty
and refuses writes, so no request pays for it and no code starts a cookie by accident.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Flask
from flask.sessions import NullSession, SessionInterface
from flask.wrappers import Request, Response


class NoSession(NullSession):
    def _fail(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError(
            "This service keeps no Flask session: keep per-learner state in the database or "
            "the key-value store (lti_tool/web/sessionless.py)."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class Sessionless(SessionInterface):
    null_session_class = NoSession

    def open_session(self, app: Flask, request: Request) -> NoSession:
        return NoSession()

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        return None  # never reached: Flask skips saving a null session


def init_app(app: Flask) -> None:
    app.session_interface = Sessionless()
