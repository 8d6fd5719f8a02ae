"""gunicorn's access line never holds a registration invite (a path segment valid for days)
nor a launch token (query strings are not in the format)."""

from __future__ import annotations

import datetime
import logging
from types import SimpleNamespace

from gunicorn.config import Config

from lti_tool.observability.access_log import TokenFreeAccessLog


def _access_line(path: str, query: str, caplog) -> str:
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s')
    log = TokenFreeAccessLog(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
    }
    response = SimpleNamespace(status="200 OK", sent=0, headers=[])
    log.access_log.propagate = True
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        log.access(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))
    (record,) = [r for r in caplog.records if r.name == "gunicorn.access"]
    return record.getMessage()


def test_an_invite_is_masked(caplog):
    line = _access_line("/lti/register/SECRET-INVITE", "openid_configuration=x", caplog)

    assert line == '192.0.2.1 "GET /lti/register/-" 200'


def test_other_paths_are_kept_without_their_query(caplog):
    line = _access_line("/assessment/attempts/3", "lt=SECRET-TOKEN", caplog)

    assert line == '192.0.2.1 "GET /assessment/attempts/3" 200'
