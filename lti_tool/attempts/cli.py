"""`flask attempts settle`: end the attempts whose time is up (run it every few minutes)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

attempts_cli = AppGroup("attempts", help="One-sitting attempts.")


@attempts_cli.command("settle")
@click.option(
    "--every",
    "every",
    type=float,
    default=None,
    help="Keep running and settle every N seconds (production: its own process).",
)
def settle(every: float | None) -> None:
    """Void attempts past their inactivity allowance and submit those past their time limit."""
    import threading

    from flask import current_app

    from lti_tool.attempts.sweeper import run_forever, sweep_once

    # The sweeper runs outside this command's app context (a thread, a loop): it needs the app
    # object itself, not the context-bound proxy.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if every is None:
        click.echo(f"{sweep_once(app)} attempt(s) ended.")
        return
    click.echo(f"Settling attempts every {every:g} s; stop with Ctrl-C.")
    run_forever(app, threading.Event(), every)
