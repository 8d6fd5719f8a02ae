"""A live tool and a live lti1p3platform-based platform, registered with each other."""

from __future__ import annotations

import uuid

import pytest

from demo_platform import PlatformConfig, generate_platform_key
from tests.support.live_server import start_live_tool
from tests.support.platform_server import run_platform


@pytest.fixture
def live_tool(request, backend, tmp_path):
    overrides = {}
    if backend == "postgres":
        import redis

        from lti_tool.store.redis_store import RedisStore
        from tests.support import backends

        overrides = {
            "database_url": request.getfixturevalue("postgres_url"),
            "redis_url": backends.redis_url(),
        }
        request.getfixturevalue("redis_client")
    tool = start_live_tool(tmp_path / "tool", host="127.0.0.1", **overrides)
    if backend == "postgres":
        prefix = f"emmtest:{uuid.uuid4().hex}:"
        tool.app.extensions["emm_services"].store = RedisStore(
            redis.Redis.from_url(backends.redis_url(), decode_responses=True), prefix
        )
    yield tool
    tool.shutdown()
    if backend == "postgres":
        from tests.conftest import _truncate_all

        _truncate_all(overrides["database_url"])


@pytest.fixture
def platform(live_tool):
    config = PlatformConfig(
        private_key_pem=generate_platform_key(),
        tool_login_url=live_tool.url + "/lti/login",
        tool_launch_url=live_tool.url + "/lti/launch",
        tool_jwks_url=live_tool.url + "/.well-known/jwks.json",
    )
    with run_platform(config, host="localhost") as running:
        live_tool.register_platform(running)
        yield running
