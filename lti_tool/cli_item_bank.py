"""`flask item-bank ...`: validate, import, export and list item-bank content.

Thin glue: the work is in `item_bank`; this only opens a session, reads the app clock and
prints the report. A failed validation or import exits with status 1 so scripts can stop.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from lti_tool.clock import current_clock
from lti_tool.db import session_scope

item_bank_cli = AppGroup("item-bank", help="Assessments and items: validate, import, export, list.")


@item_bank_cli.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat skipped (unsupported) questions as errors.")
def validate_command(path: Path, strict: bool) -> None:
    """Check a YAML / Moodle XML / GIFT / Aiken file (or a directory) without importing."""
    from item_bank.loading import validate_path

    report = validate_path(path, strict=strict)
    click.echo(report.to_text())
    if not report.ok:
        raise SystemExit(1)


@item_bank_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat skipped (unsupported) questions as errors.")
def import_command(path: Path, strict: bool) -> None:
    """Import a file or directory: all or nothing; unchanged content creates no new version."""
    from item_bank.loading import import_path

    with session_scope() as session:
        report = import_path(session, path, now=current_clock().now(), strict=strict)
    click.echo(report.to_text())
    if not report.imported:
        raise SystemExit(1)


@item_bank_cli.command("load-demo")
def load_demo_command() -> None:
    """Import the demo assessments shipped in item_bank/content (idempotent)."""
    from item_bank.demo import load_demo_content

    with session_scope() as session:
        report = load_demo_content(session, now=current_clock().now())
    click.echo(report.to_text())
    if not report.imported:
        raise SystemExit(1)


@item_bank_cli.command("export")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to a file instead of stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["moodle-xml", "gift", "aiken"]),
    default="moodle-xml",
    show_default=True,
    help="GIFT and Aiken carry fewer question types; what is left out is listed on stderr.",
)
def export_command(slug: str, output: Path | None, fmt: str) -> None:
    """Export the latest published version of SLUG (Moodle XML keeps everything)."""
    from item_bank.catalog import latest_version
    from item_bank.exporters.gift import export_aiken, export_gift
    from item_bank.exporters.moodle_xml import export_version

    notes: list[str] = []
    with session_scope() as session:
        version = latest_version(session, slug)
        if version is None:
            raise click.ClickException(f"No published assessment with slug {slug!r}")
        if fmt == "moodle-xml":
            text = export_version(version)
        else:
            text, notes = (export_gift if fmt == "gift" else export_aiken)(version)
    for note in notes:
        click.echo(note, err=True)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}")


@item_bank_cli.command("list")
def list_command() -> None:
    """Published assessments (latest versions)."""
    from item_bank.catalog import list_assessments

    with session_scope() as session:
        summaries = list_assessments(session)
    if not summaries:
        click.echo("No assessments yet. Import some with: flask item-bank import PATH")
        return
    for summary in summaries:
        title = summary.titles.get(summary.default_language) or next(
            iter(summary.titles.values()), ""
        )
        click.echo(
            f"{summary.slug}  v{summary.version_number}  {summary.questions_drawn} questions  "
            f"pass {summary.pass_mark_percent:g}%  languages {','.join(summary.languages)}  {title}"
        )


authors_cli = AppGroup(
    "authors", help="Which platforms' staff may change the shared assessments in the browser."
)
item_bank_cli.add_command(authors_cli)


@authors_cli.command("allow")
@click.argument("platform")
def allow_authors_command(platform: str) -> None:
    """Let the instructors and admins of PLATFORM (its Platform ID or Client ID) author."""
    from lti_tool.authoring.permissions import allow

    with session_scope() as session:
        click.echo(allow(session, platform, current_clock().now()))


@authors_cli.command("deny")
@click.argument("platform")
def deny_authors_command(platform: str) -> None:
    """Stop PLATFORM's staff from authoring (the content they made stays)."""
    from lti_tool.authoring.permissions import deny

    with session_scope() as session:
        click.echo(deny(session, platform))


@authors_cli.command("list")
def list_authors_command() -> None:
    """Platforms whose staff may author."""
    from lti_tool.authoring.permissions import allowed_platforms

    with session_scope() as session:
        lines = allowed_platforms(session)
    click.echo("\n".join(lines) if lines else "No platform's staff may author yet.")
