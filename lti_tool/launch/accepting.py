"""Accepting a launch: every check on the id_token, then the launch recorded, in one unit of
work (ADR 0012). The view reads the request, calls `accept_launch`, mints the token and
redirects; a `LaunchRejected` stores nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _

from config.settings import Settings
from lti_tool.db import unit_of_work
from lti_tool.launch.errors import LaunchRejected
from lti_tool.launch.message import ToolMessageLaunch
from lti_tool.launch.platform_keys import KeySetMemo, PlatformKeys
from lti_tool.launch.recording import AcceptedLaunch, record_launch
from lti_tool.platforms.launch_registrations import adopt_advertised_name
from lti_tool.platforms.tool_conf import DatabaseToolConf
from lti_tool.services import services


def accept_launch(
    form: Mapping[str, str], cookies: Mapping[str, str], *, settings: Settings, now: datetime
) -> AcceptedLaunch:
    """The launch session of a valid launch (committed), or `LaunchRejected`."""
    with unit_of_work() as session:
        tool_conf = DatabaseToolConf(session)
        message = ToolMessageLaunch(
            dict(form),
            dict(cookies),
            tool_conf,
            store=services().store,
            platform_keys=PlatformKeys(
                services().store,
                services().http,
                settings.jwks_cache_seconds,
                settings.http_timeout_seconds,
                memo=current_app.extensions.setdefault("emm_key_set_memo", KeySetMemo()),
                now=now,
            ),
            now=now,
            leeway_seconds=settings.jwt_leeway_seconds,
        )
        body = message.validate_all()
        platform = tool_conf.platform(body["iss"], message.registration.get_client_id())
        if platform is None:  # validate_all found its registration: only a concurrent delete
            raise LaunchRejected(
                _(
                    "The id_token comes from a platform (issuer and client ID) "
                    "that is not registered here."
                ),
                code="unknown_platform",
                status=403,
            )
        adopt_advertised_name(session, platform, body)  # a made-up name gives way to the site's own
        return record_launch(
            session,
            body,
            platform,
            now,
            timedelta(seconds=settings.launch_token_ttl_seconds),
            settings.default_locale,
        )
