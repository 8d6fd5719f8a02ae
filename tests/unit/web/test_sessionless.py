"""The service keeps no Flask cookie session: none is read, none is written, and a write fails
loudly instead of quietly starting a cookie."""

from __future__ import annotations

import pytest
from flask import session
from flask.sessions import SecureCookieSessionInterface


def test_a_request_carries_an_empty_session_and_sets_no_cookie(sqlite_app):
    seen = {}

    @sqlite_app.get("/_test/session")
    def _look() -> str:
        seen["contents"] = dict(session)
        return "looked"

    # A cookie Flask's default interface would accept: signed with the app's own secret key.
    signed = SecureCookieSessionInterface().get_signing_serializer(sqlite_app).dumps({"x": 1})
    client = sqlite_app.test_client()
    client.set_cookie("session", signed)
    response = client.get("/_test/session")

    assert response.status_code == 200
    assert seen["contents"] == {}
    assert "Set-Cookie" not in response.headers


def test_writing_to_the_session_fails_with_where_to_keep_state_instead(sqlite_app):
    @sqlite_app.get("/_test/session-write")
    def _write() -> str:
        session["learner"] = "someone"
        return "wrote"

    with (
        sqlite_app.test_request_context("/_test/session-write"),
        pytest.raises(RuntimeError, match="keeps no Flask session"),
    ):
        sqlite_app.view_functions["_write"]()
