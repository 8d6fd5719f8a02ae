"""The responses report (Moodle's quiz "Responses" and "Grades" reports in one): one row per
attempt, one column per question position, with the points and what the learner answered;
filtered, sorted, and summarised as a score histogram. Read after settling the placement's
live attempts, so it tells the truth."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from item_bank.models import ItemVersion
from item_bank.presentation import present_item
from item_bank.responses import is_answered
from item_bank.sanitize import plain_text
from lti_tool.attempts import service
from lti_tool.attempts.models import SUBMITTED, Attempt, AttemptQuestion
from lti_tool.launch.models import LtiUser

STATUS_FILTERS = ("submitted", "all")
OUTCOME_FILTERS = ("any", "passed", "not_passed")
SORTS = ("learner", "score", "started", "number")
ORDERS = ("asc", "desc")
HISTOGRAM_BINS = 10  # 0-10 %, 10-20 %, ..., 90-100 % (100 % in the last)


@dataclass(frozen=True)
class Filters:
    status: str = "submitted"
    outcome: str = "any"
    sort: str = "learner"
    order: str = "asc"

    @classmethod
    def read(cls, args: Mapping[str, str]) -> Filters:
        """From query arguments; anything unknown falls back to the default (never an error)."""

        def pick(name: str, allowed: tuple[str, ...]) -> str:
            value = args.get(name, "")
            return value if value in allowed else getattr(cls, name)

        return cls(
            pick("status", STATUS_FILTERS),
            pick("outcome", OUTCOME_FILTERS),
            pick("sort", SORTS),
            pick("order", ORDERS),
        )


@dataclass(frozen=True)
class Cell:
    points: float | None  # None: the attempt is not scored (in progress, void)
    max_points: float
    answer: str  # what the learner answered, as plain text ("" when unanswered)


@dataclass
class Row:
    attempt: Attempt
    user: LtiUser
    cells: list[Cell] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    positions: int  # the number of question columns
    histogram: list[int]  # submitted attempts shown, per score band of 10 %


def responses_report(
    session: Session, placement_id: int, now: datetime, filters: Filters, locale: str
) -> Report:
    service.settle_live(session, now, placement_id=placement_id)
    statement = (
        select(Attempt, LtiUser)
        .join(LtiUser, LtiUser.id == Attempt.user_id)
        .where(Attempt.placement_id == placement_id, Attempt.preview.is_(False))
        .options(selectinload(Attempt.questions).selectinload(AttemptQuestion.item_version))
    )
    if filters.status == "submitted":
        statement = statement.where(Attempt.status == SUBMITTED)
    if filters.outcome != "any":
        statement = statement.where(Attempt.passed.is_(filters.outcome == "passed"))
    rows = [Row(attempt, user) for attempt, user in session.execute(statement)]
    for row in rows:
        row.cells = [_cell(row.attempt, q, locale) for q in row.attempt.questions]
    rows.sort(key=_sort_key(filters.sort), reverse=filters.order == "desc")
    positions = max((len(row.cells) for row in rows), default=0)
    return Report(rows, positions, histogram([r.attempt for r in rows]))


def _sort_key(sort: str) -> Any:
    if sort == "score":
        return lambda r: (r.attempt.score_percent is None, r.attempt.score_percent or 0.0)
    if sort == "started":
        return lambda r: r.attempt.started_at
    if sort == "number":
        return lambda r: (r.attempt.number, r.user.display_name.casefold())
    return lambda r: (r.user.display_name.casefold(), r.attempt.number)


def histogram(attempts: list[Attempt]) -> list[int]:
    counts = [0] * HISTOGRAM_BINS
    for attempt in attempts:
        if attempt.status == SUBMITTED and attempt.score_percent is not None:
            counts[min(HISTOGRAM_BINS - 1, int(attempt.score_percent // 10))] += 1
    return counts


def _cell(attempt: Attempt, question: AttemptQuestion, locale: str) -> Cell:
    scored = attempt.status == SUBMITTED
    return Cell(
        question.points_awarded if scored else None,
        question.item_version.points,
        answer_text(question.item_version, locale, question.response),
    )


def answer_text(item: ItemVersion, locale: str, response: Mapping[str, Any] | None) -> str:
    """A response as plain text in the locale: the chosen options' texts, the typed text or
    number, or the matched pairs ("prompt → answer")."""
    if not response or not is_answered(response):
        return ""
    view = present_item(item, locale, None)
    texts = {o["id"]: o.get("text") for o in view.get("options", [])}
    texts |= {a["id"]: a.get("text") for a in view.get("answers", [])}
    prompts = {p["id"]: p.get("text") for p in view.get("prompts", [])}

    def label(option_id: Any) -> str:
        text = texts.get(option_id)
        return plain_text(text) if text else str(option_id)

    if "choice" in response:
        return label(response["choice"])
    if "choices" in response:
        return "; ".join(label(c) for c in response["choices"])
    if "pairs" in response:
        return "; ".join(
            f"{plain_text(prompts.get(p) or str(p))} → {label(a)}"
            for p, a in response["pairs"].items()
        )
    value = response.get("text", response.get("value"))
    if isinstance(value, bool):  # true/false, in the reader's language
        return _("True") if value else _("False")
    return "" if value is None else str(value)


def csv_rows(report: Report) -> Iterator[list[object]]:
    """The CSV of the same report: a row per attempt, points and answer per question."""
    header: list[object] = ["learner", "email", "attempt", "status", "started_utc"]
    header += ["finished_utc", "score_percent", "passed"]
    for n in range(1, report.positions + 1):
        header += [f"q{n}_points", f"q{n}_max", f"q{n}_answer"]
    yield header
    for row in report.rows:
        a = row.attempt
        line: list[object] = [row.user.display_name, row.user.email, a.number, a.status]
        line += [a.started_at, a.finished_at, a.score_percent, a.passed]
        for cell in row.cells:
            line += [cell.points, cell.max_points, cell.answer]
        yield line
