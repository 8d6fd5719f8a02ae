"""The whole production-like stack on loopback: throwaway PostgreSQL and Redis, N gunicorn
nodes, nginx in front, and an app object of the test's own on the same database (to seed it
and to read what was committed). Used by tests/multinode and bench/bench_multinode.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.multinode.cluster import ThrowawayPostgres, ThrowawayRedis, private_dir
from tests.multinode.nodes import Node, Proxy

SECRET = "multinode-test-secret-" + "z" * 40


@dataclass
class Stack:
    root: Path
    postgres: ThrowawayPostgres
    redis: ThrowawayRedis
    nodes: list[Node] = field(default_factory=list)
    proxy: Proxy | None = None
    app: Any = None

    @classmethod
    def start(cls, node_count: int = 3, **env: str) -> Stack:
        root = private_dir("emm-multinode-")
        (root / "pg").mkdir()
        try:
            postgres = ThrowawayPostgres(root / "pg")
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        try:
            redis = ThrowawayRedis(root)
        except BaseException:
            postgres.close()
            shutil.rmtree(root, ignore_errors=True)
            raise
        stack = cls(root=root, postgres=postgres, redis=redis)
        try:
            stack._migrate_and_build_app()
            stack.nodes = [Node(f"node{n}", stack.node_env(**env), root) for n in range(node_count)]
            stack.proxy = Proxy(root, [node.address for node in stack.nodes])
            for node in stack.nodes:
                node.env["EMM_PUBLIC_BASE_URL"] = stack.proxy.url
                node.start()
            stack.proxy.start()
        except BaseException:
            stack.close()
            raise
        return stack

    def node_env(self, **extra: str) -> dict[str, str]:
        import os

        inherited = {k: v for k, v in os.environ.items() if not k.startswith("EMM_")}
        return {
            **inherited,
            "EMM_SECRET_KEY": SECRET,
            "EMM_DATABASE_URL": self.postgres.url,
            "EMM_REDIS_URL": self.redis.url,
            "EMM_DEMO_MODE": "false",
            "EMM_TRUSTED_PROXIES": "1",
            "EMM_WORKERS": "1",
            "EMM_THREADS": "4",
            "EMM_EMBEDDED_GRADE_WORKER": "false",
            "EMM_LAUNCH_RATE_PER_MINUTE": "0",
            "EMM_ACCESS_LOG": str(self.root / "access.log"),
            **extra,
        }

    def _migrate_and_build_app(self) -> None:
        from config.settings import Settings
        from lti_tool import create_app
        from lti_tool.cli import upgrade_database

        upgrade_database(self.postgres.url)
        self.app = create_app(
            Settings(
                secret_key=SECRET,
                database_url=self.postgres.url,
                redis_url=self.redis.url,
                data_dir=self.root / "seed",
                demo_mode=False,
            )
        )

    @contextmanager
    def session(self) -> Iterator[Any]:
        from lti_tool import db

        # The test's own reads come after outages it caused: fresh connections every time,
        # so a connection the PostgreSQL restart ended never answers for the service.
        self.app.extensions["emm_engine"].dispose()
        with self.app.app_context(), db.session_scope() as session:
            yield session

    def publish_assessment(self, **rules: Any) -> str:
        from tests.support.attempt_content import publish

        with self.session() as session:
            return publish(session, self.root, datetime.now(UTC), **rules).assessment.slug

    def register_platform(self, platform: Any) -> None:
        """The demo platform, registered as an admin would paste Moodle's values."""
        from lti_tool.platforms.keys import ensure_signing_key
        from lti_tool.platforms.registry import PlatformRegistration, add_platform

        config = platform.config
        now = datetime.now(UTC)
        with self.session() as session:
            ensure_signing_key(session, SECRET, now)
            add_platform(
                session,
                PlatformRegistration(
                    name="Demo Moodle",
                    issuer=config.issuer,
                    client_id=config.client_id,
                    deployment_ids=(config.deployment_id,),
                    auth_login_url=config.url("/auth"),
                    auth_token_url=config.token_url(),
                    key_set_url=config.url("/jwks"),
                ),
                now,
            )

    def flask_command(self, *args: str) -> list[str]:
        import sys

        return [str(Path(sys.executable).with_name("flask")), "--app", "lti_tool:create_app", *args]

    def close(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        for node in self.nodes:
            node.stop()
        if self.app is not None:
            self.app.extensions["emm_engine"].dispose()
        self.redis.close()
        self.postgres.close()
        shutil.rmtree(self.root, ignore_errors=True)
