"""`flask grades ...`: run the delivery worker, send failed grades again, reconcile, report.
Admins read this output: plain English."""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool.db import session_scope

grades_cli = AppGroup("grades", help="Grade passback (LTI Assignment and Grade Services).")


def _now():
    from lti_tool.services import services

    return services().clock.now()


@grades_cli.command("worker")
@click.option(
    "--name",
    default=None,
    help="Stable, unique name of this worker (e.g. grades-1). A worker started again "
    "under the same name takes over what its dead predecessor was sending at "
    "once; without it, after the lease (a few minutes). Default: host:pid.",
)
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (for cron).")
@click.option("--batch-size", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option(
    "--poll",
    type=click.FloatRange(0.05, 60),
    default=1.0,
    show_default=True,
    help="Seconds between looks at an empty outbox.",
)
def worker_command(name: str | None, once: bool, batch_size: int, poll: float) -> None:
    """Deliver queued grades until stopped (SIGTERM/SIGINT finish the grade in flight)."""
    from dataclasses import replace

    from lti_tool.grades.worker import WorkerConfig, build_worker

    settings = current_app.config["EMM_SETTINGS"]
    config = replace(
        WorkerConfig.for_timeout(settings.http_timeout_seconds),
        batch_size=batch_size,
        poll_interval=poll,
    )
    worker = build_worker(current_app, name=name, config=config)
    if once:
        worker.take_over_own_claims()
        handled = worker.run_due()
        click.echo(_stats_line(worker, handled))
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    click.echo(f"Grade worker {worker.name} started.")
    worker.run()
    click.echo(_stats_line(worker, None))


def _stats_line(worker, handled: int | None) -> str:
    stats = worker.stats
    line = (
        f"Grade worker {worker.name}: {stats.delivered} delivered, {stats.retried} to retry, "
        f"{stats.failed} failed"
    )
    if stats.by_code:
        line += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(stats.by_code.items())) + ")"
    return line + "."


@grades_cli.command("requeue-failed")
@click.option(
    "--placement",
    "placement_id",
    type=int,
    default=None,
    help="Only this placement (see `flask grades status`).",
)
@click.option(
    "--reason",
    "code",
    default=None,
    help="Only failures with this reason code (e.g. user_not_gradable).",
)
def requeue_failed_command(placement_id: int | None, code: str | None) -> None:
    """Send failed grades again after the cause was fixed on the platform."""
    from lti_tool.grades.requeue import requeue_failed

    with session_scope() as session:
        count = requeue_failed(session, _now(), placement_id=placement_id, code=code)
    click.echo(f"Queued {count} failed grade(s) again.")


@grades_cli.command("reconcile")
@click.option(
    "--placement",
    "placement_ids",
    type=int,
    multiple=True,
    help="Placement id (repeatable). Default: every placement holding grades.",
)
def reconcile_command(placement_ids: tuple[int, ...]) -> None:
    """Compare our best scores with the platform's AGS results; queue every difference again."""
    from lti_tool.grades.ags_client import AgsError
    from lti_tool.grades.reconcile import (
        ReconcileError,
        reconcilable_placements,
        reconcile_placement,
    )
    from lti_tool.grades.worker import build_worker

    worker = build_worker(current_app, name="reconcile")
    if not placement_ids:
        with session_scope() as session:
            placement_ids = tuple(reconcilable_placements(session))
    problems = 0
    for placement_id in placement_ids:
        try:
            report = reconcile_placement(worker.sessions, worker.client, worker.clock, placement_id)
        except (ReconcileError, AgsError) as error:
            problems += 1
            click.echo(f"placement {placement_id}: cannot reconcile: {error}", err=True)
            continue
        click.echo(
            f"placement {placement_id}: {report.checked} checked, "
            f"{len(report.requeued)} queued again, {len(report.platform_higher)} higher "
            f"on the platform (left alone), {report.unknown_on_platform} unknown here."
        )
        for item in report.requeued:
            held = "none" if item.platform is None else f"{item.platform:.4f}"
            click.echo(
                f"  queued again: user {item.user_sub}: ours {item.ours:.4f}, platform {held}"
            )
        for item in report.platform_higher:
            click.echo(
                f"  higher on the platform: user {item.user_sub}: ours {item.ours:.4f}, "
                f"platform {item.platform:.4f}"
            )
    if problems:
        raise SystemExit(1)


@grades_cli.command("status")
@click.option("--placement", "placement_id", type=int, default=None)
def status_command(placement_id: int | None) -> None:
    """Counts per state, and every failed or retrying grade: learner, activity, the reason and
    the platform's last answer."""
    from lti_tool.grades.status_report import problem_lines, state_counts

    with session_scope() as session:
        counts = state_counts(session, placement_id)
        click.echo(
            ", ".join(
                f"{state}: {counts.get(state, 0)}" for state in ("delivered", "pending", "failed")
            )
        )
        for line in problem_lines(session, placement_id):
            click.echo(line)
