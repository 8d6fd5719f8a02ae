"""Flask CLI commands of the service, registered by the app factory."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from lti_tool.cli_errors import MIGRATIONS_DIR, explain_setup_errors
from lti_tool.db import session_scope

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


@db_cli.command("upgrade")
def upgrade() -> None:
    """Apply all migrations (run before the server starts)."""
    upgrade_database(current_app.config["EMM_SETTINGS"].sqlalchemy_url)
    click.echo("Database is at the latest migration.")


@click.command("setup")
@with_appcontext
def setup() -> None:
    """First start, idempotent: secret (outside production), migrations, signing key, demo."""
    from lti_tool import write_development_secret
    from lti_tool.platforms.keys import ensure_signing_key
    from lti_tool.services import services

    settings = current_app.config["EMM_SETTINGS"]
    if not current_app.config.get("SECRET_KEY"):
        current_app.config["SECRET_KEY"] = write_development_secret(settings.data_dir)
        click.echo(f"Generated a development secret in {settings.data_dir}/secret_key")
    upgrade_database(settings.sqlalchemy_url)
    with session_scope() as session:
        key, created = ensure_signing_key(
            session, current_app.config["SECRET_KEY"], services().clock.now()
        )
    click.echo(("Generated" if created else "Kept") + f" signing key kid={key.kid}")
    if settings.demo_enabled:
        from lti_tool.demo import setup_demo

        for line in setup_demo(current_app):
            click.echo(line)


def register(app: Flask) -> None:
    from lti_tool.platforms.cli import keys_cli, platform_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(setup)
    app.cli.add_command(platform_cli)
    app.cli.add_command(keys_cli)
    from lti_tool.attempts.cli import attempts_cli

    app.cli.add_command(attempts_cli)
    from lti_tool.grades.cli import grades_cli

    app.cli.add_command(grades_cli)
    from lti_tool.cli_item_bank import item_bank_cli

    app.cli.add_command(item_bank_cli)
    from lti_tool.certificates.cli import certificates_cli, forms_cli

    app.cli.add_command(certificates_cli)
    app.cli.add_command(forms_cli)
    explain_setup_errors(app.cli)  # "run `flask setup` first", not a traceback
