"""Form pages: learners fill in their forms; instructors read aggregates, the knowledge-change
report and CSV exports. Registered inside the certificates blueprint (endpoints
`certificates.forms.*`, lti_tool.blueprints); the certificate a submission completes is issued
by certificates, which listen for `form_submitted`."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from item_bank.forms import NOT_ON_SCALE, REQUIRED, TOO_LONG, UNKNOWN_OPTION, FormQuestion
from item_bank.languages import translate
from lti_tool import db
from lti_tool.clock import current_clock
from lti_tool.forms import learner_actions
from lti_tool.forms.attachments import AttachedForm, attached_forms, completion_options
from lti_tool.forms.charts import Bar, PairedBar, bar_chart, paired_chart
from lti_tool.forms.knowledge_report import KnowledgeReport, knowledge_report
from lti_tool.forms.reports import (
    MIN_ANONYMOUS_GROUP,
    FormReport,
    QuestionSummary,
    form_report,
    report_rows,
    respondent_rows,
    submission_count,
)
from lti_tool.forms.submissions import (
    SUBMITTED,
    FormRefused,
    InvalidAnswers,
    LearnerForm,
    learner_form,
    learner_forms,
)
from lti_tool.launch.links import launch_url
from lti_tool.launch.models import LaunchSession, Placement
from lti_tool.launch.sessions import current_launch, require_staff
from lti_tool.web.csv_export import csv_download
from lti_tool.web.errors import UserFacingError

bp = Blueprint("forms", __name__)

FIELD_PREFIX = "q:"  # form field names: never collide with the launch token field


def _locale() -> str:
    return str(get_locale() or "en")


def _text_of(form: AttachedForm):
    locale = _locale()
    return lambda translations: translate(translations, locale, form.doc.default_language)


def _problem_message(code: str, question: FormQuestion) -> str:
    if code == REQUIRED:
        return _("Answer this question.")
    if code in (NOT_ON_SCALE, UNKNOWN_OPTION):
        return _("Choose one of the options.")
    if code == TOO_LONG:
        return _("Shorten your answer to at most %(limit)s characters.", limit=question.max_length)
    return _("Check this answer.")


def _not_found() -> UserFacingError:
    return UserFacingError(
        _("This form is not part of this activity."),
        status=404,
        code="form_not_found",
        action=_("Go back to the activity and open the form from there."),
    )


def _learner_form(launch: LaunchSession, slug: str) -> LearnerForm:
    try:
        return learner_form(db.session(), launch.placement, launch.user_id, slug)
    except FormRefused:
        raise _not_found() from None


def _render_fill(
    form: LearnerForm,
    *,
    values: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    status: int = 200,
):
    doc = form.form.doc
    errors = [
        (q, _problem_message(problems[q.id], q))
        for q in doc.questions
        if problems and q.id in problems
    ]
    return render_template(
        "forms/fill.html",
        form=form,
        doc=doc,
        values=values or {},
        errors=errors,
        error_for=dict((q.id, message) for q, message in errors),
        field_prefix=FIELD_PREFIX,
    ), status


# --------------------------------------------------------------------------- learner
@bp.get("/forms")
def learner_list() -> str:
    launch = current_launch()
    forms = learner_forms(db.session(), launch.placement, launch.user_id)
    return render_template("forms/learner_list.html", forms=forms)


@bp.get("/forms/<slug>")
def fill(slug: str):
    launch = current_launch()
    form = _learner_form(launch, slug)
    if form.status == SUBMITTED:
        return redirect(launch_url("certificates.forms.done", slug=slug), 303)
    return _render_fill(form, status=200 if form.is_open else 403)


@bp.post("/forms/<slug>")
def submit(slug: str) -> ResponseReturnValue:
    launch = current_launch()  # also the CSRF check: the token is in the form
    raw = {
        key[len(FIELD_PREFIX) :]: value
        for key, value in request.form.items()
        if key.startswith(FIELD_PREFIX)
    }
    try:
        learner_actions.submit(
            launch.placement, launch.user_id, slug, raw, now=current_clock().now()
        )
    except InvalidAnswers as invalid:
        form = _learner_form(launch, slug)
        return _render_fill(form, values=raw, problems=invalid.problems, status=422)
    except FormRefused as refused:
        if refused.code == SUBMITTED:
            return redirect(launch_url("certificates.forms.done", slug=slug), 303)
        if refused.code == "not_found":
            raise _not_found() from None
        return _render_fill(_learner_form(launch, slug), status=403)
    return redirect(launch_url("certificates.forms.done", slug=slug), 303)


@bp.get("/forms/<slug>/done")
def done(slug: str) -> ResponseReturnValue:
    launch = current_launch()
    form = _learner_form(launch, slug)
    if form.status != SUBMITTED:
        return redirect(launch_url("certificates.forms.fill", slug=slug), 303)
    return render_template("forms/done.html", form=form, doc=form.form.doc)


# --------------------------------------------------------------------------- instructor
def _attached(launch: LaunchSession, slug: str) -> tuple[Placement, AttachedForm]:
    """The launch's placement and the form attached to its assessment, or a 404."""
    placement = launch.placement
    if placement is None:
        raise _not_found()
    forms = attached_forms(db.session(), placement.assessment_slug)
    form = next((f for f in forms if f.slug == slug), None)
    if form is None:
        raise _not_found()
    return placement, form


def _question_chart(summary: QuestionSummary, text_of, ident: str) -> Markup | None:
    if not summary.counts:
        return None
    bars = [Bar(text_of(v.label), v.count, f"{v.count} ({v.percent:g} %)") for v in summary.counts]
    return bar_chart(
        bars,
        maximum=max([v.count for v in summary.counts] + [1]),
        title=text_of(summary.question.text),
        description=_("Number of answers per option, out of %(n)s.", n=summary.answered),
        ident=ident,
    )


@bp.get("/instructor/forms")
def instructor_overview() -> str:
    launch = require_staff()
    session = db.session()
    slug = launch.placement.assessment_slug if launch.placement else None
    forms = attached_forms(session, slug)
    counts = (
        {f.form_id: submission_count(session, launch.placement_id, f.form_id) for f in forms}
        if launch.placement_id is not None
        else {}
    )
    return render_template(
        "forms/instructor_overview.html",
        forms=forms,
        counts=counts,
        options=completion_options(session, slug),
        assessment_slug=slug,
        min_group=MIN_ANONYMOUS_GROUP,
    )


@bp.get("/instructor/forms/<slug>")
def instructor_report(slug: str) -> str:
    placement, form = _attached(require_staff(), slug)
    session = db.session()
    options = completion_options(session, placement.assessment_slug)
    report: FormReport = form_report(
        session, placement.id, form, anonymous=not options.answers_beside_names
    )
    text_of = _text_of(form)
    charts = {
        s.question.id: _question_chart(s, text_of, f"chart-{i}")
        for i, s in enumerate(report.questions)
    }
    return render_template(
        "forms/instructor_report.html",
        form=form,
        doc=form.doc,
        report=report,
        charts=charts,
        options=options,
        text_of=text_of,
        min_group=MIN_ANONYMOUS_GROUP,
    )


@bp.get("/instructor/forms/<slug>/report.csv")
def instructor_report_csv(slug: str) -> Response:
    placement, form = _attached(require_staff(), slug)
    session = db.session()
    anonymous = not completion_options(session, placement.assessment_slug).answers_beside_names
    report = form_report(session, placement.id, form, anonymous=anonymous)
    if report.withheld:
        raise _withheld(report)
    return csv_download(report_rows(report, _text_of(form)), f"{slug}-summary.csv")


def _withheld(report: FormReport) -> UserFacingError:
    """The refusal of an anonymous form's export below the minimum group size."""
    return UserFacingError(
        ngettext(
            "Answers are anonymous for this assessment, so they are shown only once at least "
            "%(minimum)d learners have submitted this form: %(num)d more submission is needed.",
            "Answers are anonymous for this assessment, so they are shown only once at least "
            "%(minimum)d learners have submitted this form: %(num)d more submissions are needed.",
            report.responses_needed,
            minimum=MIN_ANONYMOUS_GROUP,
        ),
        status=403,
        code="group_too_small",
    )


@bp.get("/instructor/forms/<slug>/responses.csv")
def instructor_responses_csv(slug: str) -> Response:
    placement, form = _attached(require_staff(), slug)
    session = db.session()
    if not completion_options(session, placement.assessment_slug).answers_beside_names:
        raise UserFacingError(
            _(
                "Answers are anonymous for this assessment: only totals and comments "
                "can be exported."
            ),
            status=403,
            code="answers_anonymous",
        )
    report = form_report(session, placement.id, form, anonymous=False)
    return csv_download(respondent_rows(report, _text_of(form)), f"{slug}-responses.csv")


def _knowledge_chart(report: KnowledgeReport) -> Markup | None:
    pairs = [r for r in report.learners if r.paired]
    if not pairs:
        return None
    cohort = report.cohort
    rows = [
        PairedBar(
            _("Cohort average"),
            cohort.mean_before,
            cohort.mean_after,
            f"{cohort.mean_before:g} %",
            f"{cohort.mean_after:g} %",
        )
    ]
    rows += [
        PairedBar(r.name, r.before, r.after, f"{r.before:g} %", f"{r.after:g} %") for r in pairs
    ]
    return paired_chart(
        rows,
        before_label=_("Before (entry)"),
        after_label=_("After"),
        title=_("Knowledge before and after the course"),
        description=_(
            "Per cent score before and after, for the cohort average and each "
            "learner who has both; the table below lists the same numbers."
        ),
        ident="knowledge-chart",
    )


@bp.get("/instructor/knowledge")
def instructor_knowledge() -> str:
    launch = require_staff()
    if launch.placement is None:
        raise _not_found()
    report = knowledge_report(db.session(), launch.placement)
    return render_template(
        "forms/instructor_knowledge.html", report=report, chart=_knowledge_chart(report)
    )


@bp.get("/instructor/knowledge.csv")
def instructor_knowledge_csv() -> Response:
    launch = require_staff()
    if launch.placement is None:
        raise _not_found()
    report = knowledge_report(db.session(), launch.placement)
    rows: list[list[object]] = [
        ["name", "before_percent", "after_percent", "change_points", "normalised_gain"]
    ]
    for r in report.learners:
        rows.append(
            [
                r.name,
                "" if r.before is None else r.before,
                "" if r.after is None else r.after,
                "" if r.change is None else r.change,
                "" if r.normalised_gain is None else r.normalised_gain,
            ]
        )
    return csv_download(rows, "knowledge-change.csv")
