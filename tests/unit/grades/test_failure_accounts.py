"""What is kept of a platform's refusal (a short account on the row, the bounded body in the log)
and the trace each failed try leaves for administrators (issue 16, bugs 4 and 5)."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

import pytest
from werkzeug.wrappers import Response

from lti_tool.grades import failures
from lti_tool.grades.ags_client import AgsError
from lti_tool.grades.models import FAILED, PENDING
from lti_tool.grades.worker import GradeWorker, WorkerConfig
from lti_tool.outbound.summary import LOG_CHARS
from tests.support.grade_fixtures import ScriptedAgsClient
from tests.support.http_stub import serve
from tests.unit.grades.test_ags_client import SCOPES, access, client_for, token_route
from tests.unit.grades.test_worker import enqueue, row_of

# The top of Moodle's error page (lib/outputrenderers.php), then something only admins may see.
MOODLE_ERROR_PAGE = (
    b'<!DOCTYPE html>\n<html  dir="ltr" lang="en" xml:lang="en">\n<head>\n'
    b"<title>Error | Moodle</title>\n</head>\n<body>"
    + b"<div>Debug info: SELECT * FROM mdl_lti_types</div>" * 80
    + b"</body></html>"
)


def _refusal(clock, status, content_type, body, *, token=False):
    answer = lambda request, stub: Response(body, status=status, content_type=content_type)  # noqa: E731
    routes = {
        ("POST", "/mod/lti/token.php"): answer if token else token_route([]),
        ("POST", "/li/scores"): answer,
    }
    with serve(routes) as stub, pytest.raises(AgsError) as raised:
        client_for(clock).post_score(access(stub.url), SCOPES, stub.url + "/li", {})
    return raised.value


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/plain", ""])
def test_an_html_error_page_is_named_never_quoted_and_its_body_goes_to_the_log(
    clock, caplog, content_type
):
    caplog.set_level(logging.INFO, logger="lti_tool.grades.ags_client")
    error = _refusal(clock, 404, content_type, MOODLE_ERROR_PAGE)
    assert error.code == failures.LINEITEM_GONE
    assert error.detail == f"{len(MOODLE_ERROR_PAGE)} bytes of text/html"
    [logged] = [r.getMessage() for r in caplog.records if "answered HTTP 404" in r.getMessage()]
    assert "Debug info: SELECT" in logged  # the administrator can read the page in the log
    assert len(logged) < LOG_CHARS + 200  # bounded


def test_moodle_s_json_error_under_a_html_content_type_is_read_as_words(clock):
    # token.php sets no JSON content type on its errors: PHP's default text/html goes out.
    error = _refusal(clock, 400, "text/html", b'{"error":"invalid_client"}', token=True)
    assert (error.code, error.detail) == (failures.TOKEN_REFUSED, "invalid_client")


def test_the_json_message_of_a_refused_score_is_kept(clock):
    body = b'{"status": 400, "message": "User not enrolled with a graded role"}'
    error = _refusal(clock, 400, "application/json", body)
    assert error.detail == "User not enrolled with a graded role"


CONFIG = WorkerConfig(base_delay=timedelta(seconds=10), max_tries=3)


def _worker(sessions, clock, on_score):
    return GradeWorker(
        sessions,
        ScriptedAgsClient(on_score=on_score),
        clock,
        name="w1",
        config=CONFIG,
        rng=random.Random(3),
        sleep=lambda seconds: None,
    )


def _tries(caplog):
    return [
        r for r in caplog.records if r.name == "lti_tool.grades.worker" and "grade " in r.message
    ]


def _raise(error):
    def on_score(url, score):
        raise error

    return on_score


def test_each_failed_try_leaves_one_line_with_platform_status_and_next_try(
    sessions, course, clock, caplog
):
    caplog.set_level(logging.INFO, logger="lti_tool.grades.worker")
    error = AgsError(failures.SERVER_ERROR, "HTTP 503", http_status=503, detail="down")
    worker = _worker(sessions, clock, _raise(error))
    enqueue(sessions, course, clock, 6)
    for attempt in range(1, CONFIG.max_tries + 1):
        caplog.clear()
        worker.run_due()
        row = row_of(sessions, course)
        [line] = _tries(caplog)
        assert line.levelno == logging.WARNING
        assert "https://moodle.test" in line.message and "HTTP 503" in line.message
        assert "server_error" in line.message and "'Final assessment'" in line.message
        if row.state == PENDING:
            assert f"try {attempt} of 3" in line.message
            assert f"next try at {row.next_attempt_at.isoformat(timespec='seconds')}" in (
                line.message
            )
            clock.set(row.next_attempt_at)
    assert (row.state, row.last_error_code) == (FAILED, failures.GAVE_UP)
    assert "not retried: gave_up" in line.message
    assert row.last_error_detail == "down"  # the platform's last words, not prefixed codes


def test_a_failure_a_person_must_fix_says_it_is_not_retried(sessions, course, clock, caplog):
    caplog.set_level(logging.INFO, logger="lti_tool.grades.worker")
    error = AgsError(failures.FORBIDDEN, "HTTP 403", http_status=403, detail="forbidden")
    enqueue(sessions, course, clock, 6)
    _worker(sessions, clock, _raise(error)).run_due()
    [line] = _tries(caplog)
    assert "forbidden, HTTP 403" in line.message
    assert "not retried until a person fixes the cause" in line.message


def test_a_try_without_an_answer_says_so(sessions, course, clock, caplog):
    caplog.set_level(logging.INFO, logger="lti_tool.grades.worker")
    enqueue(sessions, course, clock, 6)
    _worker(sessions, clock, _raise(AgsError(failures.TIMEOUT, "slow"))).run_due()
    [line] = _tries(caplog)
    assert "timeout, no HTTP answer, try 1 of 3; next try at" in line.message
