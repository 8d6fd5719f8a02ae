"""Moodle 4.5's rules for an AGS score POST (ltiservice_gradebookservices scores.php):

- userId, timestamp (ISO 8601), activityProgress and gradingProgress are required; a
  scoreGiven needs a scoreMaximum; numbers must be numbers -> otherwise 400;
- the user must be enrolled with a graded role -> otherwise 400;
- a timestamp equal to or older than the stored one (whole seconds) -> 409;
- gradingProgress other than FullyGraded empties the grade;
- the last accepted post wins (no "keep the highest");
- scoreGiven/scoreMaximum (default 1) is rescaled to the line item's maximum.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from demo_platform.records import Grade, LineItem, Member, ScoreRejected

ACTIVITY_PROGRESS = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING_PROGRESS = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def parse_timestamp(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def validate_score(body: Any) -> dict[str, Any]:
    """The posted score, checked and normalised, or ScoreRejected(400)."""
    if not isinstance(body, dict) or not body:
        raise ScoreRejected(400, "Incorrect score received: not a JSON object")
    for name in ("userId", "timestamp", "gradingProgress", "activityProgress"):
        if body.get(name) in (None, ""):
            raise ScoreRejected(400, f"Incorrect score received: {name} is required")
    timestamp = parse_timestamp(body["timestamp"])
    if timestamp is None:
        raise ScoreRejected(400, "Incorrect score received: timestamp is not ISO 8601")
    score_given = score_maximum = None
    if body.get("scoreGiven") is not None:
        score_given = _number(body["scoreGiven"])
        if score_given is None:
            raise ScoreRejected(400, "Incorrect score received: scoreGiven is not a number")
        if body.get("scoreMaximum") is None:
            raise ScoreRejected(400, "Incorrect score received: scoreGiven needs scoreMaximum")
    if body.get("scoreMaximum") is not None:
        score_maximum = _number(body["scoreMaximum"])
        if score_maximum is None or score_maximum <= 0:
            raise ScoreRejected(400, "Incorrect score received: scoreMaximum is not positive")
    if body["gradingProgress"] not in GRADING_PROGRESS:
        raise ScoreRejected(400, "Incorrect score received: unknown gradingProgress")
    if body["activityProgress"] not in ACTIVITY_PROGRESS:
        raise ScoreRejected(400, "Incorrect score received: unknown activityProgress")
    return {
        "user_id": str(body["userId"]),
        "timestamp": timestamp,
        "score_given": score_given,
        "score_maximum": score_maximum if score_maximum is not None else 1.0,
        "comment": body.get("comment"),
        "activity_progress": body["activityProgress"],
        "grading_progress": body["gradingProgress"],
    }


def apply_score(
    score: dict[str, Any], stored: Grade | None, member: Member | None, item: LineItem
) -> Grade:
    if member is None or not member.graded:
        raise ScoreRejected(400, "Incorrect score received: user is not gradable in the course")
    if stored is not None and int(stored.timestamp.timestamp()) >= int(
        score["timestamp"].timestamp()
    ):
        raise ScoreRejected(409, "Refusing score with an earlier timestamp")
    grade = None
    if score["score_given"] is not None and score["grading_progress"] == "FullyGraded":
        scaled = score["score_given"] / score["score_maximum"] * item.score_maximum
        grade = min(max(scaled, 0.0), item.score_maximum)
    return Grade(
        line_item_id=item.id,
        user_id=score["user_id"],
        grade=grade,
        score_given=score["score_given"],
        score_maximum=score["score_maximum"],
        comment=score["comment"],
        timestamp=score["timestamp"],
        activity_progress=score["activity_progress"],
        grading_progress=score["grading_progress"],
    )
