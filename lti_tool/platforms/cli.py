"""`flask platform ...` and `flask keys ...`: registrations and tool keys, for admins.

Option help texts use Moodle's own field names, as shown after saving a tool in Moodle.
"""

from __future__ import annotations

import re
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool.db import session_scope
from lti_tool.platforms import invites, keys
from lti_tool.platforms.registry import (
    PlatformRegistration,
    RegistrationError,
    add_platform,
    list_platforms,
    remove_platform,
)
from lti_tool.services import services

platform_cli = AppGroup(
    "platform", help="Register the Moodle sites (platforms) that launch this tool."
)
keys_cli = AppGroup("keys", help="The tool's signing keys (published at /.well-known/jwks.json).")


@platform_cli.command("add")
@click.option("--name", required=True, help="A display name for this platform, e.g. 'E-Campus'.")
@click.option("--issuer", required=True, help='Moodle\'s "Platform ID" (the site URL).')
@click.option("--client-id", required=True, help='Moodle\'s "Client ID".')
@click.option(
    "--deployment-id",
    "deployment_ids",
    required=True,
    multiple=True,
    help='Moodle\'s "Deployment ID"; repeat for several deployments.',
)
@click.option("--auth-login-url", required=True, help='Moodle\'s "Authentication request URL".')
@click.option("--auth-token-url", required=True, help='Moodle\'s "Access token URL".')
@click.option("--key-set-url", required=True, help='Moodle\'s "Public keyset URL".')
def add(name, issuer, client_id, deployment_ids, auth_login_url, auth_token_url, key_set_url):
    """Add a platform registration, or update one (same Platform ID and Client ID) and add
    its new deployments."""
    reg = PlatformRegistration(
        name=name,
        issuer=issuer.rstrip("/"),
        client_id=client_id,
        deployment_ids=tuple(deployment_ids),
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        key_set_url=key_set_url,
    )
    try:
        with session_scope() as session:
            platform = add_platform(session, reg, services().clock.now())
            click.echo(
                f"Registered platform #{platform.id} {platform.name!r}: issuer "
                f"{platform.issuer}, client {platform.client_id}, deployments "
                f"{', '.join(d.deployment_id for d in platform.deployments)}"
            )
    except RegistrationError as exc:
        raise click.UsageError(str(exc)) from None


class Lifetime(click.ParamType):
    """A duration such as 30m, 24h or 7d."""

    name = "duration"
    UNITS = {"m": "minutes", "h": "hours", "d": "days"}

    def convert(self, value, param, ctx) -> timedelta:
        if isinstance(value, timedelta):
            return value
        match = re.fullmatch(r"\s*(\d+)\s*([mhd])\s*", str(value).lower())
        if match is None:
            self.fail(f"{value!r} is not a duration such as 30m, 24h or 7d", param, ctx)
        return timedelta(**{self.UNITS[match[2]]: int(match[1])})


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


@platform_cli.command("invite")
@click.option(
    "--expires-in",
    "lifetime",
    type=Lifetime(),
    default="24h",
    show_default=True,
    help="How long the invitation can be used: 30m, 24h, 7d (at most 30d).",
)
@click.option(
    "--note",
    default="",
    help="What it is for, shown by `flask platform invites`, e.g. 'E-Campus production'.",
)
def invite(lifetime: timedelta, note: str) -> None:
    """Print a one-time URL that lets one Moodle register this tool dynamically."""
    settings = current_app.config["EMM_SETTINGS"]
    try:
        with session_scope() as session:
            issued = invites.issue_invite(
                session, now=services().clock.now(), lifetime=lifetime, note=note.strip()
            )
            number, expires_at = issued.invite.id, issued.invite.expires_at
    except invites.InviteError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(
        f"Registration invitation #{number}, valid once until {_when(expires_at)}:\n\n"
        f"  {invites.invite_url(settings.public_base_url, issued.token)}\n\n"
        "In Moodle: Site administration > Plugins > Activity modules > External tool > "
        'Manage tools. Paste the URL into "Tool URL", press "Add LTI Advantage", '
        'then "Activate" the new pending tool.\n'
        "The URL is shown only now. Keep it private: whoever holds it can register a "
        f"platform. Revoke it with `flask platform revoke-invite {number}`."
    )


@platform_cli.command("invites")
@click.option(
    "--all", "include_spent", is_flag=True, help="Also list used, revoked and expired invitations."
)
def list_invites(include_spent: bool) -> None:
    """List registration invitations (pending ones unless --all)."""
    now = services().clock.now()
    with session_scope() as session:
        found = invites.list_invites(session, now, include_spent=include_spent)
        if not found:
            click.echo(
                "No pending invitation. Create one with `flask platform invite`."
                if not include_spent
                else "No invitation was ever created."
            )
        for item in found:
            state = invites.invite_state(item, now)
            line = (
                f"#{item.id} {state}  created {_when(item.created_at)}, "
                f"expires {_when(item.expires_at)}"
            )
            if item.used_at is not None:
                line += f", used {_when(item.used_at)}"
                line += (
                    f" by platform #{item.platform.id} {item.platform.issuer}"
                    if item.platform is not None
                    else " (platform since removed)"
                )
            if item.revoked_at is not None:
                line += f", revoked {_when(item.revoked_at)}"
            if item.note:
                line += f"  - {item.note}"
            click.echo(line)


@platform_cli.command("revoke-invite")
@click.argument("invite_id", type=int)
def revoke_invite(invite_id: int) -> None:
    """Make a registration invitation unusable."""
    try:
        with session_scope() as session:
            invites.revoke_invite(session, invite_id, services().clock.now())
    except invites.InviteError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Revoked invitation #{invite_id}.")


@platform_cli.command("list")
def list_() -> None:
    """List registered platforms with their deployments."""
    with session_scope() as session:
        platforms = list_platforms(session)
        if not platforms:
            click.echo("No platform is registered. Add one with `flask platform add`.")
        for p in platforms:
            click.echo(
                f"#{p.id} {p.name}\n  Platform ID: {p.issuer}\n  Client ID: {p.client_id}\n"
                f"  Deployment ID(s): {', '.join(d.deployment_id for d in p.deployments)}\n"
                f"  Authentication request URL: {p.auth_login_url}\n"
                f"  Access token URL: {p.auth_token_url}\n  Public keyset URL: {p.key_set_url}"
            )


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
        key, created = keys.ensure_signing_key(
            session, current_app.config["SECRET_KEY"], services().clock.now()
        )
        click.echo(("Generated" if created else "Kept existing") + f" signing key kid={key.kid}")


@keys_cli.command("rotate")
def rotate() -> None:
    """Make a new signing key; the previous public key stays published for the overlap period."""
    settings = current_app.config["EMM_SETTINGS"]
    with session_scope() as session:
        key = keys.rotate(session, current_app.config["SECRET_KEY"], services().clock.now())
        click.echo(
            f"New signing key kid={key.kid}; previous keys stay published for "
            f"{settings.key_overlap_days} days."
        )


@keys_cli.command("list")
def list_keys() -> None:
    """Show key ids and their state (never the keys themselves)."""
    settings = current_app.config["EMM_SETTINGS"]
    now = services().clock.now()
    with session_scope() as session:
        published = {
            k["kid"]
            for k in keys.published_jwks(session, now, timedelta(days=settings.key_overlap_days))[
                "keys"
            ]
        }
        for key in session.query(keys.ToolKey).order_by(keys.ToolKey.created_at):
            state = (
                "signing"
                if key.retired_at is None
                else ("published (overlap)" if key.kid in published else "expired")
            )
            click.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M}Z  {state}")
