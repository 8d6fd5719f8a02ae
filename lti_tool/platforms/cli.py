"""`flask platform ...` and `flask keys ...`: registrations and tool keys, for admins.

Option help texts use Moodle's own field names, as shown after saving a tool in Moodle.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool.db import session_scope
from lti_tool.platforms import keys
from lti_tool.platforms.registry import (PlatformRegistration, RegistrationError, add_platform,
                                         list_platforms, remove_platform)
from lti_tool.services import services

platform_cli = AppGroup("platform", help="Register the Moodle sites (platforms) that launch this tool.")
keys_cli = AppGroup("keys", help="The tool's signing keys (published at /.well-known/jwks.json).")


@platform_cli.command("add")
@click.option("--name", required=True, help="A display name for this platform, e.g. 'E-Campus'.")
@click.option("--issuer", required=True, help='Moodle\'s "Platform ID" (the site URL).')
@click.option("--client-id", required=True, help='Moodle\'s "Client ID".')
@click.option("--deployment-id", "deployment_ids", required=True, multiple=True,
              help='Moodle\'s "Deployment ID"; repeat for several deployments.')
@click.option("--auth-login-url", required=True, help='Moodle\'s "Authentication request URL".')
@click.option("--auth-token-url", required=True, help='Moodle\'s "Access token URL".')
@click.option("--key-set-url", required=True, help='Moodle\'s "Public keyset URL".')
def add(name, issuer, client_id, deployment_ids, auth_login_url, auth_token_url, key_set_url):
    """Add a platform registration (or add deployments to an existing one)."""
    reg = PlatformRegistration(name=name, issuer=issuer.rstrip("/"), client_id=client_id,
                               deployment_ids=tuple(deployment_ids), auth_login_url=auth_login_url,
                               auth_token_url=auth_token_url, key_set_url=key_set_url)
    try:
        with session_scope() as session:
            platform = add_platform(session, reg, services().clock.now())
            click.echo(f"Registered platform #{platform.id} {platform.name!r}: issuer "
                       f"{platform.issuer}, client {platform.client_id}, deployments "
                       f"{', '.join(d.deployment_id for d in platform.deployments)}")
    except RegistrationError as exc:
        raise click.UsageError(str(exc)) from None


@platform_cli.command("list")
def list_() -> None:
    """List registered platforms with their deployments."""
    with session_scope() as session:
        platforms = list_platforms(session)
        if not platforms:
            click.echo("No platform is registered. Add one with `flask platform add`.")
        for p in platforms:
            click.echo(f"#{p.id} {p.name}\n  Platform ID: {p.issuer}\n  Client ID: {p.client_id}\n"
                       f"  Deployment ID(s): {', '.join(d.deployment_id for d in p.deployments)}\n"
                       f"  Authentication request URL: {p.auth_login_url}\n"
                       f"  Access token URL: {p.auth_token_url}\n  Public keyset URL: {p.key_set_url}")


@platform_cli.command("remove")
@click.argument("platform_id", type=int)
def remove(platform_id: int) -> None:
    """Remove a platform registration (its launches stop working at once)."""
    with session_scope() as session:
        if not remove_platform(session, platform_id):
            raise click.UsageError(f"No platform #{platform_id}; see `flask platform list`.")
    click.echo(f"Removed platform #{platform_id}.")


@keys_cli.command("generate")
def generate() -> None:
    """Create the tool's signing key if there is none yet."""
    with session_scope() as session:
        key, created = keys.ensure_signing_key(session, current_app.config["SECRET_KEY"],
                                               services().clock.now())
        click.echo(("Generated" if created else "Kept existing") + f" signing key kid={key.kid}")


@keys_cli.command("rotate")
def rotate() -> None:
    """Make a new signing key; the previous public key stays published for the overlap period."""
    settings = current_app.config["EMM_SETTINGS"]
    with session_scope() as session:
        key = keys.rotate(session, current_app.config["SECRET_KEY"], services().clock.now())
        click.echo(f"New signing key kid={key.kid}; previous keys stay published for "
                   f"{settings.key_overlap_days} days.")


@keys_cli.command("list")
def list_keys() -> None:
    """Show key ids and their state (never the keys themselves)."""
    settings = current_app.config["EMM_SETTINGS"]
    now = services().clock.now()
    with session_scope() as session:
        published = {k["kid"] for k in keys.published_jwks(
            session, now, timedelta(days=settings.key_overlap_days))["keys"]}
        for key in session.query(keys.ToolKey).order_by(keys.ToolKey.created_at):
            state = "signing" if key.retired_at is None else (
                "published (overlap)" if key.kid in published else "expired")
            click.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M}Z  {state}")
