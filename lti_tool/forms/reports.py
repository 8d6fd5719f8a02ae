"""What instructors see of a form in their placement: counts and distributions per question,
free-text comments without names, and (only when the assessment allows it) answers by person.

Submissions to older versions of a form count under the latest version's questions (same
question id); answers to questions the latest version no longer has are left out.
Comments are sorted alphabetically, not by time, so their order cannot be matched with who
submitted when.

An anonymous form (answers not shown beside names) shows nothing of its answers until at least
MIN_ANONYMOUS_GROUP learners of the placement have submitted it: with one or two respondents,
"anonymous" counts and comments are one person's exact answers. Below the minimum the report is
withheld (no counts, no comments) and says how many more submissions are needed; the page and
the CSV export both read the same report, so both follow the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from item_bank.forms import LIKERT, TEXT, FormQuestion
from lti_tool.forms.attachments import AttachedForm
from lti_tool.forms.models import FormAnswer, FormSubmission
from lti_tool.launch.models import LtiUser

# The fewest submissions of an anonymous form whose answers are shown (docs/forms.md).
MIN_ANONYMOUS_GROUP = 5


@dataclass(frozen=True)
class ValueCount:
    value: int | str
    label: dict[str, str]
    count: int
    percent: float  # of those who answered this question


@dataclass(frozen=True)
class QuestionSummary:
    question: FormQuestion
    answered: int
    counts: tuple[ValueCount, ...] = ()
    mean: float | None = None  # likert only
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Respondent:
    name: str
    answers: dict[str, int | str]


@dataclass(frozen=True)
class FormReport:
    form: AttachedForm
    submissions: int
    questions: tuple[QuestionSummary, ...]
    respondents: tuple[Respondent, ...] = field(
        default_factory=tuple
    )  # only when names may be shown
    withheld: bool = False  # anonymous and fewer than MIN_ANONYMOUS_GROUP submissions

    @property
    def responses_needed(self) -> int:
        """How many more submissions before a withheld report shows its answers."""
        return max(0, MIN_ANONYMOUS_GROUP - self.submissions) if self.withheld else 0


def submission_count(session: Session, placement_id: int, form_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(FormSubmission)
            .where(FormSubmission.placement_id == placement_id, FormSubmission.form_id == form_id)
        )
        or 0
    )


def form_report(
    session: Session, placement_id: int, form: AttachedForm, *, anonymous: bool
) -> FormReport:
    """The report of `form` in the placement. `anonymous` (the assessment does not show
    answers beside names) withholds everything below MIN_ANONYMOUS_GROUP submissions and
    never lists respondents; otherwise the respondents come with their answers."""
    total = submission_count(session, placement_id, form.form_id)
    if anonymous and total < MIN_ANONYMOUS_GROUP:
        return FormReport(form, total, questions=(), withheld=True)
    summaries = _summaries(session, placement_id, form)
    respondents = () if anonymous else _respondents(session, placement_id, form)
    return FormReport(form, total, summaries, respondents)


def _summaries(
    session: Session, placement_id: int, form: AttachedForm
) -> tuple[QuestionSummary, ...]:
    scope = (FormSubmission.placement_id == placement_id, FormSubmission.form_id == form.form_id)
    tallies: dict[tuple[str, int | str], int] = {}
    for question_id, likert, choice, count in session.execute(
        select(FormAnswer.question_id, FormAnswer.likert_value, FormAnswer.choice, func.count())
        .join(FormSubmission, FormSubmission.id == FormAnswer.submission_id)
        .where(*scope)
        .where(FormAnswer.text.is_(None))
        .group_by(FormAnswer.question_id, FormAnswer.likert_value, FormAnswer.choice)
    ):
        value = likert if likert is not None else choice
        if value is not None:  # a likert or choice answer sets one of the two
            tallies[(question_id, value)] = count
    comments: dict[str, list[str]] = {}
    for question_id, text in session.execute(
        select(FormAnswer.question_id, FormAnswer.text)
        .join(FormSubmission, FormSubmission.id == FormAnswer.submission_id)
        .where(*scope)
        .where(FormAnswer.text.is_not(None))
    ):
        if text is not None:  # the query asks for text answers only
            comments.setdefault(question_id, []).append(text)

    summaries = []
    for q in form.doc.questions:
        if q.type == TEXT:
            texts = sorted(comments.get(q.id, []), key=str.casefold)
            summaries.append(QuestionSummary(q, len(texts), comments=tuple(texts)))
            continue
        choices: list[tuple[int | str, dict[str, str]]] = (
            [(p.value, p.label) for p in q.scale]
            if q.type == LIKERT
            else [(o.id, o.text) for o in q.options]
        )
        counts = [tallies.get((q.id, value), 0) for value, _ in choices]
        answered = sum(counts)
        values = tuple(
            ValueCount(value, label, n, round(100.0 * n / answered, 1) if answered else 0.0)
            for (value, label), n in zip(choices, counts, strict=True)
        )
        mean = None
        if q.type == LIKERT and answered:
            mean = round(sum(int(v.value) * v.count for v in values) / answered, 2)
        summaries.append(QuestionSummary(q, answered, values, mean))
    return tuple(summaries)


def _respondents(session: Session, placement_id: int, form: AttachedForm) -> tuple[Respondent, ...]:
    rows = session.execute(
        select(FormSubmission.id, LtiUser)
        .join(LtiUser, LtiUser.id == FormSubmission.user_id)
        .where(FormSubmission.placement_id == placement_id, FormSubmission.form_id == form.form_id)
    )
    people = {submission_id: user.display_name for submission_id, user in rows}
    answers: dict[int, dict[str, int | str]] = {sid: {} for sid in people}
    for answer in session.scalars(
        select(FormAnswer).where(FormAnswer.submission_id.in_(list(people)))
    ):
        if answer.value is not None:
            answers[answer.submission_id][answer.question_id] = answer.value
    return tuple(
        sorted(
            (Respondent(people[sid], answers[sid]) for sid in people),
            key=lambda r: r.name.casefold(),
        )
    )


# --------------------------------------------------------------------------- CSV rows
# Written to a file by lti_tool.web.csv_export (byte order mark, CRLF, formula defusing).


def report_rows(report: FormReport, text_of) -> list[list[object]]:
    """One row per answer value (count, percent) and one row per comment."""
    rows: list[list[object]] = [
        [
            "question_id",
            "question",
            "type",
            "value",
            "label",
            "count",
            "percent",
            "answered",
            "mean",
            "comment",
        ]
    ]
    for summary in report.questions:
        q = summary.question
        if q.type == TEXT:
            rows.extend(
                [q.id, text_of(q.text), q.type, "", "", "", "", summary.answered, "", comment]
                for comment in summary.comments
            )
            if not summary.comments:
                rows.append([q.id, text_of(q.text), q.type, "", "", "", "", 0, "", ""])
            continue
        for v in summary.counts:
            rows.append(
                [
                    q.id,
                    text_of(q.text),
                    q.type,
                    v.value,
                    text_of(v.label),
                    v.count,
                    v.percent,
                    summary.answered,
                    summary.mean if summary.mean is not None else "",
                    "",
                ]
            )
    return rows


def respondent_rows(report: FormReport, text_of) -> list[list[object]]:
    questions = report.form.doc.questions
    rows: list[list[object]] = [["name", *(q.id for q in questions)]]
    rows.append(["", *(text_of(q.text) for q in questions)])
    for person in report.respondents:
        rows.append([person.name, *(person.answers.get(q.id, "") for q in questions)])
    return rows
