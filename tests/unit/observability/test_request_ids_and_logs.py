"""Request ids (taken from the proxy when well formed, echoed back) and JSON log lines that
carry them, with ids only: never the path's secrets, tokens or answers."""

from __future__ import annotations

import io
import json
import logging

import pytest

from lti_tool.observability import logs
from lti_tool.observability.request_ids import request_id_from


def test_a_well_formed_proxy_request_id_is_kept():
    nginx = "0f3c8e1a9b7d4c2e8f6a1b3c5d7e9f01"
    assert request_id_from(nginx) == nginx
    assert request_id_from("trace-1234:abcd.EF") == "trace-1234:abcd.EF"


@pytest.mark.parametrize(
    "sent", [None, "", "short", "x" * 129, 'a" b\n{"level": "ERROR"}', "id with spaces 1234"]
)
def test_any_other_request_id_is_replaced(sent):
    made = request_id_from(sent)
    assert made != sent and len(made) == 32 and made.isalnum()


def test_the_response_echoes_the_request_id(sqlite_app):
    client = sqlite_app.test_client()
    given = client.get("/healthz", headers={"X-Request-ID": "proxy-id-12345678"})
    assert given.headers["X-Request-ID"] == "proxy-id-12345678"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id"})
    assert made.headers["X-Request-ID"] != "bad id" and len(made.headers["X-Request-ID"]) == 32


@pytest.fixture
def json_lines():
    """Log records of `lti_tool.*` through the JSON formatter and context filter, as lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.json_formatter())
    handler.addFilter(logs.RequestContext())
    logger = logging.getLogger("lti_tool")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_each_line_is_one_json_object_with_the_request_id(tmp_path, json_lines):
    from config.settings import Settings
    from lti_tool import create_app

    app = create_app(Settings(secret_key="k" * 40, data_dir=tmp_path, log_json=False))
    from lti_tool.observability import request_hooks

    # The request line that JSON mode adds (its hook, installed on this app alone).
    request_hooks.init_app(app, log_requests=True)
    try:
        secret_path = "/lti/register/one-time-invite-secret?lt=launch-token"
        app.test_client().get(secret_path, headers={"X-Request-ID": "req-abcdef123"})
    finally:
        app.extensions["emm_engine"].dispose()
    lines = json_lines()
    request_lines = [line for line in lines if line["message"] == "request"]
    assert request_lines, lines
    line = request_lines[-1]
    assert line["request_id"] == "req-abcdef123"
    assert line["rule"] == "/lti/register/<invite>" and line["method"] == "GET"
    assert {"time", "level", "logger", "status", "duration_ms", "endpoint"} <= set(line)
    text = json.dumps(lines)
    assert "one-time-invite-secret" not in text and "launch-token" not in text


def test_outside_a_request_a_line_has_no_request_fields(json_lines):
    logging.getLogger("lti_tool.grades.worker").info("worker %s started", "grades-1")
    (line,) = json_lines()
    assert line["message"] == "worker grades-1 started" and "request_id" not in line


def test_json_logging_is_installed_once_and_only_where_nobody_configured_logging(monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    logs.configure_json_logging()
    logs.configure_json_logging()
    assert len(root.handlers) == 1
    assert isinstance(root.handlers[0].formatter, type(logs.json_formatter()))
    theirs = logging.NullHandler()
    monkeypatch.setattr(root, "handlers", [theirs])
    logs.configure_json_logging()
    assert root.handlers == [theirs]  # gunicorn's (or a test runner's) stay alone


def test_gunicorns_logging_config_is_json_with_the_request_context():
    import logging.config

    config = logs.gunicorn_logconfig()
    config["root"] = {"level": "INFO", "handlers": []}  # this process's root stays as it is
    config["loggers"] = {"emm.test.gunicorn": {"level": "INFO", "handlers": ["stderr"]}}
    logging.config.dictConfig(config)
    (handler,) = logging.getLogger("emm.test.gunicorn").handlers
    assert isinstance(handler.formatter, type(logs.json_formatter()))
    assert any(isinstance(f, logs.RequestContext) for f in handler.filters)


def test_json_logs_are_on_in_production_by_default():
    from config.settings import Settings

    assert Settings(environment="production").logs_json
    assert not Settings().logs_json
    assert Settings.from_env({"EMM_LOG_JSON": "true"}).logs_json


def test_a_short_metrics_token_is_refused_in_production():
    from config.settings import Settings

    problems = Settings(environment="production", metrics_token="short").production_problems()
    assert any("EMM_METRICS_TOKEN" in p for p in problems)


def test_the_metrics_dir_is_emptied_at_start_and_removed_only_when_made(tmp_path):
    from lti_tool.observability.gunicorn_hooks import (
        VARIABLE,
        prepare_metrics_dir,
        remove_own_metrics_dir,
    )

    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"stale")
    environ = {VARIABLE: str(given)}
    assert prepare_metrics_dir(environ) == given and not list(given.iterdir())
    remove_own_metrics_dir(environ)
    assert given.exists()  # given by the operator: kept

    environ = {}
    made = prepare_metrics_dir(environ)
    assert environ[VARIABLE] == str(made) and made.is_dir()
    remove_own_metrics_dir(environ)
    assert not made.exists()


def test_a_context_that_cannot_be_read_never_breaks_the_log_line(sqlite_app, json_lines):
    with sqlite_app.test_request_context("/"):
        from flask import g

        g.launch = object()  # not a launch row: its ids cannot be read
        logging.getLogger("lti_tool.test").warning("still logged")
    (line,) = json_lines()
    assert line["message"] == "still logged" and "placement_id" not in line
