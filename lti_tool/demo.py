"""Demo mode: a small LTI 1.3 platform (built on `lti1p3platform`) served at /demo beside the
tool, registered with it, so a newcomer can launch as a learner or an instructor through the
real OIDC login and signed launch. Never available in production (`Settings.demo_enabled`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from config.settings import Settings

MOUNT = "/demo"
CLIENT_ID = "demo-tool-client"
DEPLOYMENT_ID = "1"


def platform_key_path(settings: Settings) -> Path:
    return settings.data_dir / "demo_platform_key.pem"


def demo_issuer(settings: Settings) -> str:
    return settings.public_base_url + MOUNT


def setup_demo(app: Flask) -> Iterator[str]:
    """Idempotent: the demo platform's key, its registration in the tool, the demo content."""
    from lti_tool.db import session_scope
    from lti_tool.demo_platform import generate_platform_key
    from lti_tool.platforms.registry import PlatformRegistration, add_platform
    from lti_tool.services import services

    settings: Settings = app.config["EMM_SETTINGS"]
    key_path = platform_key_path(settings)
    if not key_path.exists():
        from lti_tool.private_files import write_private_text

        write_private_text(key_path, generate_platform_key())
        yield f"Generated the demo platform's key in {key_path}"
    issuer = demo_issuer(settings)
    with session_scope() as session:
        add_platform(
            session,
            PlatformRegistration(
                name="Demo platform",
                issuer=issuer,
                client_id=CLIENT_ID,
                deployment_ids=(DEPLOYMENT_ID,),
                auth_login_url=issuer + "/auth",
                auth_token_url=issuer + "/token",
                key_set_url=issuer + "/jwks",
            ),
            services().clock.now(),
        )
    yield f"Demo platform registered: open {issuer}/ to launch as a learner or an instructor"
    from item_bank.demo import load_demo_content

    with session_scope() as session:
        report = load_demo_content(session, now=services().clock.now())
    from lti_tool.forms.demo import load_demo_forms

    with session_scope() as session:
        yield from load_demo_forms(session, now=services().clock.now())
    for result in report.results:
        state = "new version" if result.new_version else "unchanged"
        yield (
            f"Demo assessment {result.slug}: version {result.version_number} ({state}, "
            f"{result.item_versions_created} item versions added)"
        )


def mount_demo_platform(app: Flask):
    """The tool with the demo platform dispatched under /demo."""
    from lti_tool.demo_platform import PlatformConfig, create_platform_app

    settings: Settings = app.config["EMM_SETTINGS"]
    key_path = platform_key_path(settings)
    if not key_path.exists():
        raise RuntimeError(
            f"Demo mode needs {key_path}: run `flask setup` first (scripts/serve does)."
        )
    base = settings.public_base_url
    platform = create_platform_app(
        PlatformConfig(
            private_key_pem=key_path.read_text(),
            issuer=demo_issuer(settings),
            client_id=CLIENT_ID,
            deployment_id=DEPLOYMENT_ID,
            tool_login_url=base + "/lti/login",
            tool_launch_url=base + "/lti/launch",
            tool_jwks_url=base + "/.well-known/jwks.json",
            tool_name="E-Campus assessment",
            auto_activate_registrations=True,
        )
    )
    combined = DispatcherMiddleware(app.wsgi_app, {MOUNT: platform.wsgi_app})
    app.wsgi_app = combined  # type: ignore[method-assign]
    return app
