"""`flask platform ...` and `flask keys ...`: registrations and tool keys, for admins.

Option help texts use Moodle's own field names, as shown after saving a tool in Moodle.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool.cli_errors import require_secret_key
from lti_tool.db import session_scope
from lti_tool.platforms import branding, invites, keys
from lti_tool.platforms.models import Platform
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
    UNITS: ClassVar[dict[str, str]] = {"m": "minutes", "h": "hours", "d": "days"}

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
    """List registered platforms with their deployments and certificate branding."""
    with session_scope() as session:
        platforms = list_platforms(session)
        if not platforms:
            click.echo("No platform is registered. Add one with `flask platform add`.")
        for p in platforms:
            click.echo(
                f"#{p.id} {p.name}{_automatic(p)}\n  Platform ID: {p.issuer}\n"
                f"  Client ID: {p.client_id}\n"
                f"  Deployment ID(s): {', '.join(d.deployment_id for d in p.deployments)}\n"
                f"  Authentication request URL: {p.auth_login_url}\n"
                f"  Access token URL: {p.auth_token_url}\n  Public keyset URL: {p.key_set_url}\n"
                f"{_branding_lines(p)}"
            )


def _automatic(platform: Platform) -> str:
    return (
        " (name made up at registration; the site name Moodle sends at the next launch "
        "replaces it, or set one with `flask platform rename`)"
        if platform.name_is_automatic
        else ""
    )


def _branding_lines(platform: Platform) -> str:
    organisation = (
        platform.organisation
        if platform.organisation
        else f"not set, certificates print the name {platform.name!r} "
        "(set it with `flask platform brand`)"
    )
    logo = (
        f"{platform.logo_media_type}, {len(platform.logo) / 1024:.0f} KB"
        if platform.logo is not None
        else "none"
    )
    return (
        f"  Certificates: organisation: {organisation}\n"
        f"  Certificates: logo: {logo}\n"
        f"  Certificates: signatory: {platform.signatory or 'none'}"
    )


@platform_cli.command("brand")
@click.argument("reference", metavar="ISSUER_OR_CLIENT_ID")
@click.option(
    "--organisation",
    required=True,
    help="The issuing organisation printed on certificates, e.g. "
    "'International Organization for Migration'.",
)
@click.option(
    "--logo",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"A PNG or JPEG logo (at most {branding.LOGO_MAX_BYTES // 1024} KB); "
    "kept as it is when neither --logo nor --no-logo is given.",
)
@click.option("--no-logo", is_flag=True, help="Remove the logo.")
@click.option(
    "--signatory",
    help="The signatory line (name and title), e.g. 'Jane Doe, Director'; "
    "'' removes it; kept as it is when not given.",
)
def brand(reference: str, organisation: str, logo: Path | None, no_logo: bool, signatory):
    """Brand the certificates of one platform (named by its Platform ID or Client ID)."""
    if logo is not None and no_logo:
        raise click.UsageError("Give either --logo or --no-logo, not both.")
    try:
        organisation = branding.clean_organisation(organisation)
        cleaned_signatory = branding.clean_signatory(signatory) if signatory is not None else None
        new_logo = branding.read_logo(logo) if logo is not None else None
        with session_scope() as session:
            platform = branding.find_by_reference(session, reference)
            branding.brand(
                platform,
                organisation=organisation,
                signatory=cleaned_signatory if signatory is not None else platform.signatory,
                logo=new_logo,
                keep_logo=logo is None and not no_logo,
            )
            click.echo(f"Certificates of platform #{platform.id} {platform.name}:")
            click.echo(_branding_lines(platform))
    except branding.BrandingError as error:
        raise click.UsageError(str(error)) from None


@platform_cli.command("rename")
@click.argument("reference", metavar="ISSUER_OR_CLIENT_ID")
@click.argument("new_name")
def rename(reference: str, new_name: str) -> None:
    """Rename a platform (certificates print the name when no organisation is set)."""
    try:
        name = branding.clean_name(new_name)
        with session_scope() as session:
            platform = branding.find_by_reference(session, reference)
            old_name = platform.name
            branding.rename(platform, name)
            click.echo(f"Renamed platform #{platform.id} from {old_name!r} to {name!r}.")
    except branding.BrandingError as error:
        raise click.UsageError(str(error)) from None


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
            session, require_secret_key(), services().clock.now()
        )
        click.echo(("Generated" if created else "Kept existing") + f" signing key kid={key.kid}")


@keys_cli.command("rotate")
def rotate() -> None:
    """Make a new signing key; the previous public key stays published for the overlap period."""
    settings = current_app.config["EMM_SETTINGS"]
    with session_scope() as session:
        key = keys.rotate(session, require_secret_key(), services().clock.now())
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
        all_keys = session.query(keys.ToolKey).order_by(keys.ToolKey.created_at).all()
        if not all_keys:
            click.echo(
                "No signing key yet. Create one with `flask keys generate` (or `flask setup`)."
            )
        for key in all_keys:
            state = (
                "signing"
                if key.retired_at is None
                else ("published (overlap)" if key.kid in published else "expired")
            )
            click.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M}Z  {state}")
