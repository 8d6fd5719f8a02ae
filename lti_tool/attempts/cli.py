"""`flask attempts settle`: end the attempts whose time is up (run it every few minutes)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

attempts_cli = AppGroup("attempts", help="One-sitting attempts.")


@attempts_cli.command("settle")
def settle() -> None:
    """Void attempts past their inactivity allowance and submit those past their time limit."""
    from lti_tool.attempts.service import settle_all
    from lti_tool.db import session_scope
    from lti_tool.services import services

    with session_scope() as session:
        ended = settle_all(session, services().clock.now())
    click.echo(f"{ended} attempt(s) ended.")
