from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from item_bank import catalog
from item_bank.languages import translate
from lti_tool import db
from lti_tool.deep_linking.response import resource_for, response_jwt, return_url
from lti_tool.launch import claims
from lti_tool.launch.sessions import require_staff
from lti_tool.platforms.keys import NoSigningKey, signing_key
from lti_tool.web.errors import UserFacingError

bp = Blueprint("deep_linking", __name__)


def _deep_linking_launch():
    launch = require_staff()
    if launch.message_type != claims.DEEP_LINKING_REQUEST or not return_url(launch):
        raise UserFacingError(
            _('This page only works from Moodle\'s "Select content" button.'),
            code="not_deep_linking",
            status=400,
        )
    return launch


@bp.get("/deep-linking")
def catalogue() -> str:
    _deep_linking_launch()
    assessments = catalog.list_assessments(db.session())
    return render_template(
        "deep_linking/catalogue.html",
        assessments=assessments,
        locale=str(get_locale()),
        translate=translate,
    )


@bp.post("/deep-linking/select")
def select() -> str:
    launch = _deep_linking_launch()
    slug = request.form.get("assessment", "")
    summary = next((a for a in catalog.list_assessments(db.session()) if a.slug == slug), None)
    if summary is None:
        raise UserFacingError(
            _("That assessment does not exist."),
            code="unknown_assessment",
            status=404,
            action=_("Go back and choose one from the list."),
        )
    settings = current_app.config["EMM_SETTINGS"]
    title = translate(summary.titles, launch.locale, summary.default_language)
    resource = resource_for(slug, title, settings.public_base_url + "/lti/launch")
    try:
        key = signing_key(db.session(), current_app.config["SECRET_KEY"])
    except NoSigningKey:
        raise UserFacingError(
            _("The tool cannot sign its answer to Moodle yet."),
            code="no_signing_key",
            status=503,
            action=_(
                "Ask the tool's administrator to run `flask keys generate`, then press"
                ' "Select content" again.'
            ),
        ) from None
    return render_template(
        "deep_linking/return.html",
        action=return_url(launch),
        jwt=response_jwt(launch, key, resource),
        title=title,
    )
