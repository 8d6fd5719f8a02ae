"""The admin's decision (CLI) of which platforms' staff may change the shared item bank."""

from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.authoring.models import AuthoringPlatform
from lti_tool.platforms.branding import BrandingError, find_by_reference
from lti_tool.platforms.models import Platform


def _platform(session: Session, reference: str) -> Platform:
    try:
        return find_by_reference(session, reference)
    except BrandingError as error:
        raise click.ClickException(str(error)) from None


def allow(session: Session, reference: str, now: datetime) -> str:
    platform = _platform(session, reference)
    if session.get(AuthoringPlatform, platform.id) is None:
        session.add(AuthoringPlatform(platform_id=platform.id, allowed_at=now))
    return f"Staff of {platform.name} ({platform.issuer}) may now author assessments."


def deny(session: Session, reference: str) -> str:
    platform = _platform(session, reference)
    allowed = session.get(AuthoringPlatform, platform.id)
    if allowed is not None:
        session.delete(allowed)
    return f"Staff of {platform.name} ({platform.issuer}) may no longer author assessments."


def allowed_platforms(session: Session) -> list[str]:
    rows = session.execute(
        select(Platform.name, Platform.issuer, Platform.client_id)
        .join(AuthoringPlatform, AuthoringPlatform.platform_id == Platform.id)
        .order_by(Platform.name)
    )
    return [f"{name}  {issuer}  client {client_id}" for name, issuer, client_id in rows]
