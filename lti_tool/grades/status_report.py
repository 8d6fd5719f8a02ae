"""The report of `flask grades status`: counts per state, then each activity with grades that
failed or are being retried, by the names people know (course, activity, learner, platform).
The placement id is shown once per activity because `--placement` options take it.
Administrators read this: plain English, with the platform's answer and our own error text."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.grades import failures
from lti_tool.grades.models import FAILED, PENDING, GradeOutbox
from lti_tool.launch.models import LtiUser, Placement
from lti_tool.platforms.models import Deployment, Platform

DETAIL_CHARS = 500


def state_counts(session: Session, placement_id: int | None) -> dict[str, int]:
    query = select(GradeOutbox.state, func.count()).group_by(GradeOutbox.state)
    if placement_id is not None:
        query = query.where(GradeOutbox.placement_id == placement_id)
    return {state: count for state, count in session.execute(query).all()}


def activity_line(placement: Placement, platform: Platform) -> str:
    """E.g. `"Final exam" in "Migration 101" on Demo Moodle (--placement 3)`."""
    title = placement.resource_link_title or placement.assessment_slug or "untitled activity"
    course = placement.context_title or placement.context_label
    where = f' in "{course}"' if course else ""
    return f'"{title}"{where} on {platform.name} (--placement {placement.id})'


def grade_line(row: GradeOutbox, user: LtiUser) -> str:
    """E.g. `Amina Yusuf (user 4): pending, 2 tries, server_error (HTTP 503), next try at ...`."""
    answer = f" (HTTP {row.last_http_status})" if row.last_http_status else ""
    line = (
        f"  {user.display_name} (user {user.sub}): {row.state}, {row.tries} tries, "
        f"{row.last_error_code or 'no error'}{answer}"
    )
    if row.state == PENDING:
        line += f", next try at {row.next_attempt_at.isoformat(timespec='seconds')}"
    return line


def problem_lines(session: Session, placement_id: int | None) -> Iterator[str]:
    query = (
        select(GradeOutbox, LtiUser, Placement, Platform)
        .join(LtiUser, LtiUser.id == GradeOutbox.user_id)
        .join(Placement, Placement.id == GradeOutbox.placement_id)
        .join(Deployment, Deployment.id == Placement.deployment_id)
        .join(Platform, Platform.id == Deployment.platform_id)
        .where(
            (GradeOutbox.state == FAILED)
            | ((GradeOutbox.state == PENDING) & (GradeOutbox.tries > 0))
        )
        .order_by(GradeOutbox.placement_id, GradeOutbox.id)
    )
    if placement_id is not None:
        query = query.where(GradeOutbox.placement_id == placement_id)
    shown_placement = None
    for row, user, placement, platform in session.execute(query):
        if placement.id != shown_placement:
            shown_placement = placement.id
            yield activity_line(placement, platform)
        yield grade_line(row, user)
        if row.last_error_code:
            yield f"    {failures.REASONS.get(row.last_error_code, row.last_error_code)}"
        if row.last_error_detail:
            said = "platform said" if row.last_http_status else "details"
            yield f"    {said}: {row.last_error_detail[:DETAIL_CHARS]}"
