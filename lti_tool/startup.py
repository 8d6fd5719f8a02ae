"""Refusing to start, said plainly: the reason on stderr and exit status 2, never a traceback.

A settings problem is the admin's to fix in the environment; a traceback of the app factory
above it only hides the message. The exceptions are `click.ClickException`s, so the `flask`
command shows them as one `Error: ...` (a list for unsafe production settings) and stops;
`wsgi.py` and gunicorn's master print them the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

import click

from config.settings import Settings, UnsafeSettings

REFUSED_EXIT_STATUS = 2  # as for a usage error: the way the program was started is wrong


class StartRefused(click.ClickException):
    exit_code = REFUSED_EXIT_STATUS

    def exit(self) -> NoReturn:
        """Outside a click command (wsgi.py, gunicorn): show the message, then stop."""
        self.show()
        raise SystemExit(self.exit_code)


class UnsafeStart(UnsafeSettings, StartRefused):
    """Production with unsafe settings (still an UnsafeSettings for callers of create_app)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        StartRefused.__init__(self, str(UnsafeSettings(problems)))  # sets click's attributes


class BadSetting(ValueError, StartRefused):
    """An EMM_* variable that cannot be read (still a ValueError for callers)."""

    def __init__(self, message: str):
        StartRefused.__init__(self, message)


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    try:
        return Settings.from_env(environ)
    except ValueError as error:
        raise BadSetting(str(error)) from None


def check_production(settings: Settings) -> None:
    problems = settings.production_problems()
    if problems:
        raise UnsafeStart(problems)


def refuse_unsafe_start(environ: Mapping[str, str] | None = None) -> None:
    """For a server's master process: stop before any worker starts, with the reasons."""
    try:
        check_production(settings_from_env(environ))
    except StartRefused as refusal:
        refusal.exit()
