"""What a `flask` command says when the service is not set up yet: one line, no traceback.

Every command of the app is wrapped (see `explain_setup_errors`): a database error is looked
into once it happened (can the database be reached at all? does it have the tool's tables?
are they at the latest migration?) and, when that is the cause, said as the step to take.
Any other error keeps its traceback: it is a fault to report, not a step the admin missed.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import click
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SETUP_FIRST = "run `flask setup` first (it creates the tables, the secret and the signing key)"
_WRAPPED = "_emm_explains_setup_errors"


class NotSetUp(click.ClickException):
    """A step of the setup is missing (exit status 1, as any failed command)."""


def explain_setup_errors(command: click.Command) -> None:
    """Wrap the callbacks of `command` and its subcommands once (groups are module-level
    objects shared by every app built in one process)."""
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            explain_setup_errors(subcommand)
        return
    callback = command.callback
    if callback is None or getattr(callback, _WRAPPED, False):
        return

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except (OperationalError, ProgrammingError) as error:  # not an IntegrityError, say
            problem = database_problem()
            if problem is None:
                raise
            raise NotSetUp(problem) from error

    setattr(run, _WRAPPED, True)
    command.callback = run


def require_secret_key() -> str:
    """The secret the signing keys are encrypted with (EMM_SECRET_KEY, or `flask setup`'s)."""
    secret = current_app.config.get("SECRET_KEY")
    if not secret:
        raise NotSetUp(f"There is no secret key yet: set EMM_SECRET_KEY, or {SETUP_FIRST}.")
    return secret


def database_problem() -> str | None:
    """Why the database cannot serve the tool yet, said as what to do; None if it can."""
    engine = current_app.extensions["emm_engine"]
    where = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            tables = inspect(connection)
            if not tables.has_table("platforms"):
                return f"The database {where} has no tables yet: {SETUP_FIRST}."
            if not tables.has_table("alembic_version"):
                return None  # made without migrations (tests do): nothing to compare
            current = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        return f"Cannot reach the database {where}: {reason}"
    if {row[0] for row in current} != _head_revisions():
        return (
            f"The database {where} is older than this version of the tool: "
            "run `flask db upgrade` (or `flask setup`)."
        )
    return None


def _head_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return set(script.get_heads())
