"""The authoring pages (`/authoring/...`): staff of an allowed platform only; a learner's token
gets 403 on every one. Views parse the form, call one service function, render. Every POST
carries the launch token in its form or URL, which a cross-site page cannot know (ADR 0002:
no cookies), so it doubles as the CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from item_bank.languages import SUPPORTED_LANGUAGES, translate
from item_bank.republishing import settings_of
from lti_tool import db
from lti_tool.authoring import service
from lti_tool.authoring.forms import preview_of, settings_from_form
from lti_tool.authoring.issue_text import issue_text
from lti_tool.clock import current_clock
from lti_tool.launch import tokens
from lti_tool.launch.links import launch_url
from lti_tool.launch.models import LaunchSession
from lti_tool.launch.sessions import current_launch, require_staff
from lti_tool.web.errors import UserFacingError

bp = Blueprint("authoring", __name__, url_prefix="/authoring")


def authoring_link() -> str | None:
    """The authoring area's URL for this launch when its person may author (for the staff
    pages' link), else None."""
    launch = g.get("launch")
    if launch is None or not service.may_author(db.session(), launch):
        return None
    return launch_url("authoring.index")


bp.record_once(
    lambda state: state.app.jinja_env.globals.update(
        authoring_link=authoring_link, issue_text=issue_text
    )
)


def _author() -> LaunchSession:
    launch = require_staff()
    if not service.may_author(db.session(), launch):
        raise UserFacingError(
            _("Your platform's staff may not change the shared assessments."),
            status=403,
            code="authoring_not_allowed",
            action=_("Ask the service's administrator to allow your platform."),
        )
    return launch


def _unknown() -> UserFacingError:
    return UserFacingError(
        _("That assessment or question does not exist."),
        status=404,
        code="unknown_assessment",
        action=_("Go back to the list of assessments."),
    )


@bp.before_request
def _uploads_may_be_larger() -> None:
    """An upload's launch is read from its URL before its body, so only an allowed author's
    request may send more than the service's usual limit."""
    if request.endpoint != "authoring.upload":
        return
    g.launch_token = request.args.get(tokens.FIELD, "")
    from flask import current_app

    from lti_tool.launch.sessions import load_launch

    g.launch = load_launch(
        db.session(), current_app.config["SECRET_KEY"], g.launch_token, current_clock().now()
    )
    _author()
    request.max_content_length = service.UPLOAD_MAX_BYTES


@bp.get("/")
def index():
    launch = _author()
    return render_template(
        "authoring/index.html",
        rows=service.assessment_rows(),
        locale=launch.locale,
        translate=translate,
        languages=SUPPORTED_LANGUAGES,
    )


@bp.post("/uploads")
def upload():
    launch = _author()  # the launch from the URL (see above)
    file = request.files.get("file")
    if file is None or not file.filename:
        raise UserFacingError(
            _("Choose a file to upload."), code="no_file", action=_("Go back and choose one.")
        )
    data = file.read()
    report, token = service.stage_upload(launch, file.filename, data, current_clock().now())
    return render_template(
        "authoring/report.html", report=report, token=token
    ), 200 if token else 400


@bp.post("/uploads/confirm")
def confirm() -> ResponseReturnValue:
    launch = _author()
    try:
        report = service.confirm_upload(
            launch, request.form.get("upload", ""), current_clock().now()
        )
    except service.UploadGone:
        raise UserFacingError(
            _("This upload has expired or was already imported."),
            status=404,
            code="upload_gone",
            action=_("Upload the file again."),
        ) from None
    return render_template("authoring/imported.html", report=report), (
        200 if report.imported else 409
    )


@bp.get("/assessments/<slug>")
def assessment(slug: str) -> ResponseReturnValue:
    _author()
    return _assessment_page(slug)


def _assessment_page(
    slug: str, errors: list | None = None, values: dict | None = None, status: int = 200
) -> ResponseReturnValue:
    """An assessment's versions, questions, settings form (with `errors` and the `values`
    sent, when the form was refused) and archive button."""
    launch = current_launch()
    try:
        versions = service.versions_of(slug)
        latest = versions[-1]
    except (service.UnknownAssessment, IndexError):
        raise _unknown() from None
    from item_bank.translation_status import missing_translations

    return render_template(
        "authoring/assessment.html",
        slug=slug,
        versions=versions,
        latest=latest,
        missing=missing_translations(latest),
        languages=SUPPORTED_LANGUAGES,
        locale=launch.locale,
        translate=translate,
        values=values or settings_of(latest),
        errors=errors or [],
    ), status


@bp.get("/assessments/<slug>/items/<item_uid>")
def preview(slug: str, item_uid: str):
    _author()
    language = request.args.get("lang", "en")
    if language not in SUPPORTED_LANGUAGES:
        language = "en"
    number = request.args.get("version", type=int)
    try:
        version = service.version_of(slug, number)
    except service.UnknownAssessment:
        raise _unknown() from None
    found = preview_of(version, item_uid, language)
    if found is None:
        raise _unknown()
    return render_template(
        "authoring/preview.html",
        slug=slug,
        version=version,
        item_uid=item_uid,
        language=language,
        languages=SUPPORTED_LANGUAGES,
        **found,
    )


@bp.post("/assessments/<slug>/settings")
def settings(slug: str) -> ResponseReturnValue:
    _author()
    raw = settings_from_form(request.form)
    try:
        result, issues = service.change_settings(slug, raw, current_clock().now())
    except service.UnknownAssessment:
        raise _unknown() from None
    if result is None:
        return _assessment_page(slug, errors=issues, values=raw, status=400)
    return redirect(
        launch_url("authoring.assessment", slug=slug, published=result.version_number), code=303
    )


@bp.post("/assessments/<slug>/archive")
def archive(slug: str) -> ResponseReturnValue:
    _author()
    try:
        service.archive(slug, current_clock().now(), archived=request.form.get("archived") != "0")
    except service.UnknownAssessment:
        raise _unknown() from None
    return redirect(launch_url("authoring.index"), code=303)
