"""gunicorn's access line never holds a registration invite (a path segment valid for days)
nor a launch token (query strings are not in the format)."""

from __future__ import annotations

import datetime
import logging
from types import SimpleNamespace

from gunicorn.config import Config

from lti_tool.observability.access_log import TokenFreeAccessLog


def _access_log() -> TokenFreeAccessLog:
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s')
    return TokenFreeAccessLog(config)


def _log_one(log: TokenFreeAccessLog, path: str, query: str) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
    }
    response = SimpleNamespace(status="200 OK", sent=0, headers=[])
    log.access(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))


def _access_line(path: str, query: str, caplog) -> str:
    log = _access_log()
    log.access_log.propagate = True
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        _log_one(log, path, query)
    (record,) = [r for r in caplog.records if r.name == "gunicorn.access"]
    return record.getMessage()


def test_an_invite_is_masked(caplog):
    line = _access_line("/lti/register/SECRET-INVITE", "openid_configuration=x", caplog)

    assert line == '192.0.2.1 "GET /lti/register/-" 200'


def test_other_paths_are_kept_without_their_query(caplog):
    line = _access_line("/assessment/attempts/3", "lt=SECRET-TOKEN", caplog)

    assert line == '192.0.2.1 "GET /assessment/attempts/3" 200'


def test_a_silenced_access_logger_costs_no_line(monkeypatch):
    # JSON logs silence gunicorn's access logger (the app logs each request): no line is built.
    log = _access_log()
    log.access_log.setLevel(logging.WARNING)
    built = []
    monkeypatch.setattr(log, "atoms", lambda *args: built.append(args) or {})

    _log_one(log, "/healthz", "")

    assert built == []


def test_an_unexpected_error_is_logged_with_the_route_not_the_invite(
    sqlite_app, monkeypatch, caplog
):
    from lti_tool.launch import dynamic_registration

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(dynamic_registration, "require_invite", broken)
    with caplog.at_level(logging.ERROR):
        response = sqlite_app.test_client().get(
            "/lti/register/SECRET-INVITE?openid_configuration=x"
        )

    assert response.status_code == 500
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "unexpected error on GET /lti/register/<invite>" in logged
    assert "SECRET-INVITE" not in logged
