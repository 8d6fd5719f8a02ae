"""One stack for the module (booting it takes a while on two cores): throwaway PostgreSQL and
Redis, three gunicorn nodes, nginx, and the real LTI platform (lti1p3platform) in this process.
Scenarios leave it as they found it (a killed node is started again, servers restarted)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.multinode.cluster import missing_tools
from tests.multinode.stack import SECRET, Stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    missing = missing_tools()
    if missing:
        pytest.skip("multi-node tests need " + ", ".join(missing) + " (scripts/test installs them)")
    started = Stack.start(3)
    try:
        yield started
    finally:
        started.close()


@pytest.fixture(scope="module")
def platform(stack: Stack) -> Iterator[Any]:
    from demo_platform import PlatformConfig, generate_platform_key
    from tests.support.platform_server import run_platform

    assert stack.proxy is not None
    tool = stack.proxy.url
    running = run_platform(
        PlatformConfig(
            private_key_pem=generate_platform_key(),
            tool_login_url=tool + "/lti/login",
            tool_launch_url=tool + "/lti/launch",
            tool_jwks_url=tool + "/.well-known/jwks.json",
        )
    )
    try:
        stack.register_platform(running)
        yield running
    finally:
        running.shutdown()


@pytest.fixture(scope="module")
def slug(stack: Stack) -> str:
    return stack.publish_assessment(inactivity_minutes=10)


@pytest.fixture
def numbers(request) -> Any:
    """numbers("...") adds a line to the run's summary (tests/conftest.py prints them)."""

    def add(line: str) -> None:
        request.node.user_properties.append(("numbers", f"{request.node.name}: {line}"))

    return add


def right_answers(stack: Stack, attempt_id: int) -> dict[int, dict[str, Any]]:
    """The right answer to each question as the page posts it (its tokens: the test knows
    the secret)."""
    from lti_tool.attempts.answer_tokens import AnswerTokens
    from lti_tool.attempts.service import attempt_with_questions
    from tests.support.attempt_content import right_response

    with stack.session() as session:
        attempt = attempt_with_questions(session, attempt_id)
        return {
            q.position: AnswerTokens(SECRET)
            .of_question(attempt_id, q.position, q.item_version)
            .disguise_response(right_response(q.item_version))
            for q in attempt.questions
        }


def committed(stack: Stack, attempt_id: int) -> tuple[str, dict[int, Any], dict[int, Any]]:
    """The attempt's status, its saved responses and the right ones (normalised), by position."""
    from lti_tool.attempts.service import attempt_with_questions
    from tests.support.attempt_content import right_response

    with stack.session() as session:
        attempt = attempt_with_questions(session, attempt_id)
        saved = {q.position: q.response for q in attempt.questions}
        right = {q.position: right_response(q.item_version) for q in attempt.questions}
        return attempt.status, saved, right
