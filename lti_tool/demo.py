"""Demo mode: a small LTI 1.3 platform (the top-level `demo_platform` package, built on
`lti1p3platform`) served at /demo beside the tool, registered with it, so a newcomer can launch
as a learner or an instructor through the real OIDC login and signed launch. Never available in
production (`Settings.demo_enabled`).

The demo platform is an optional extra (`pip install -e '.[demo]'`; scripts/serve and
scripts/test install it; a production install leaves `lti1p3platform` out).
`demo_platform_package()` is the tool's one way in: nothing else in `lti_tool` imports it, and
it is called only in demo mode.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from config.settings import Settings
from lti_tool.startup import StartRefused

MOUNT = "/demo"
CLIENT_ID = "demo-tool-client"
DEPLOYMENT_ID = "1"
PLATFORM_NAME = "Demo platform"
# The demo course's activities, the first one the default launch's: (resource link id, title,
# assessment). Without them a newcomer's first launch found no assessment ("not available yet").
COURSE_ACTIVITIES = (
    ("1", "EMM2.0 final assessment", "emm2-final"),
    ("2", "Tendencias migratorias en América Latina: evaluación final", "tendencias-latam-final"),
)
# What the demo platform needs that a production install leaves out.
DEMO_EXTRA_MODULES = ("demo_platform", "lti1p3platform")


class DemoPlatformMissing(StartRefused):
    """Demo mode is on but the `demo` extra is not installed: `flask setup`, wsgi.py and gunicorn
    say how to install it (or turn demo mode off) and stop, without a traceback."""


def demo_platform_package() -> ModuleType:
    """The demo platform, loaded only now (demo mode), or a message saying how to install it."""
    try:
        return importlib.import_module("demo_platform")
    except ModuleNotFoundError as error:
        missing = (error.name or "").split(".")[0]
        if missing not in DEMO_EXTRA_MODULES:
            raise  # a bug inside the demo platform, not a missing extra
        raise DemoPlatformMissing(
            f"Demo mode needs the optional 'demo' extra ({missing} is not installed): run "
            "`pip install -e '.[demo]'` (scripts/serve does), or set EMM_DEMO_MODE=0."
        ) from error


def platform_key_path(settings: Settings) -> Path:
    return settings.data_dir / "demo_platform_key.pem"


def demo_issuer(settings: Settings) -> str:
    return settings.public_base_url + MOUNT


def setup_demo(app: Flask) -> Iterator[str]:
    """Idempotent: the demo platform's key, its registration in the tool, the demo content."""
    platform = demo_platform_package()  # before anything is written: a missing extra stops here
    from lti_tool.db import session_scope
    from lti_tool.platforms.registry import PlatformRegistration, add_platform
    from lti_tool.services import services

    settings: Settings = app.config["EMM_SETTINGS"]
    key_path = platform_key_path(settings)
    if not key_path.exists():
        from lti_tool.private_files import write_private_text

        write_private_text(key_path, platform.generate_platform_key())
        yield f"Generated the demo platform's key in {key_path}"
    issuer = demo_issuer(settings)
    with session_scope() as session:
        moved_from = _follow_public_url(session, issuer)
        if moved_from:
            yield f"Demo platform moved from {moved_from} to {issuer} (the public URL changed)"
        add_platform(
            session,
            PlatformRegistration(
                name=PLATFORM_NAME,
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


def _follow_public_url(session: Session, issuer: str) -> str | None:
    """The demo's registration follows the tool's public URL (its issuer is that URL + /demo):
    one stored under an earlier URL (another port) moves, keeping its learners and attempts.
    Returns the earlier issuer, or None. A registration of another platform that happens to
    use the demo's Client ID is left alone: add_platform then says whose it is."""
    from sqlalchemy import select

    from lti_tool.platforms.models import Platform

    stored = session.scalar(select(Platform).where(Platform.client_id == CLIENT_ID))
    if stored is None or stored.issuer == issuer:
        return None
    if stored.name != PLATFORM_NAME or not stored.issuer.endswith(MOUNT):
        return None
    earlier, stored.issuer = stored.issuer, issuer
    session.flush()
    return earlier


def course_activities(package: ModuleType) -> tuple:
    return tuple(
        package.CourseActivity(id=link_id, title=title, custom={"assessment": slug})
        for link_id, title, slug in COURSE_ACTIVITIES
    )


def mount_demo_platform(app: Flask):
    """The tool with the demo platform dispatched under /demo."""
    package = demo_platform_package()
    settings: Settings = app.config["EMM_SETTINGS"]
    key_path = platform_key_path(settings)
    if not key_path.exists():
        raise RuntimeError(
            f"Demo mode needs {key_path}: run `flask setup` first (scripts/serve does)."
        )
    base = settings.public_base_url
    platform = package.create_platform_app(
        package.PlatformConfig(
            private_key_pem=key_path.read_text(),
            issuer=demo_issuer(settings),
            client_id=CLIENT_ID,
            deployment_id=DEPLOYMENT_ID,
            tool_login_url=base + "/lti/login",
            tool_launch_url=base + "/lti/launch",
            tool_jwks_url=base + "/.well-known/jwks.json",
            tool_name="E-Campus assessment",
            auto_activate_registrations=True,
            course_activities=course_activities(package),
        )
    )
    combined = DispatcherMiddleware(app.wsgi_app, {MOUNT: platform.wsgi_app})
    app.wsgi_app = combined  # type: ignore[method-assign]
    return app
