"""Machine-facing routes: JWKS, the token endpoint, AGS and NRPS."""

from __future__ import annotations

import json

import flask
import jwt
from lti1p3platform.exceptions import MissingRequiredClaim, UnsupportedGrantType

from demo_platform import claims as c
from demo_platform.ags_service import SCORE_MEDIA_TYPE, DemoAgsService
from demo_platform.flask_adapter import FlaskRequest, json_response
from demo_platform.nrps_service import DemoNrpsService
from demo_platform.platform_conf import DemoPlatformConf, TokenRequestError
from demo_platform.service_gate import fault_gate, platform_state

bp = flask.Blueprint("services", __name__)

READ_LINEITEMS = [c.SCOPE_LINEITEM, c.SCOPE_LINEITEM_READONLY]
WRITE_LINEITEMS = [c.SCOPE_LINEITEM]


def _oauth_error(error: str, description: str, status: int = 400) -> flask.Response:
    response = flask.Response(
        json.dumps({"error": error, "error_description": description}),
        status=status,
        mimetype="application/json",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jwks")
@fault_gate("jwks")
def jwks() -> flask.Response:
    conf = DemoPlatformConf(state=platform_state())
    conf.get_registration()
    return flask.jsonify(conf.get_jwks())


@bp.post("/token")
@fault_gate("token")
def token() -> flask.Response:
    state = platform_state()
    form = flask.request.form.to_dict()
    try:
        subject = jwt.decode(
            form.get("client_assertion", ""), options={"verify_signature": False}
        ).get("sub")
    except jwt.PyJWTError:
        return _oauth_error("invalid_request", "client_assertion is not a JWT")
    tool = state.tool(str(subject)) if subject else None
    if tool is None or not tool.active:
        return _oauth_error("invalid_client", "unknown client", 401)
    conf = DemoPlatformConf(state=state, tool=tool)
    try:
        answer = conf.get_access_token(form)
    except MissingRequiredClaim as error:
        return _oauth_error("invalid_request", str(error))
    except UnsupportedGrantType:
        return _oauth_error("unsupported_grant_type", "grant_type must be client_credentials")
    except TokenRequestError as error:
        return _oauth_error(error.error, error.description, error.status)
    response = flask.jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


def _service_conf() -> DemoPlatformConf:
    conf = DemoPlatformConf(state=platform_state())
    conf.get_registration()
    return conf


def _ags(scopes: list[str], line_item_id: str | None = None) -> DemoAgsService:
    return DemoAgsService(FlaskRequest(flask.request), _service_conf(), scopes, line_item_id)


@bp.route("/lineitems", methods=["GET", "POST"])
@fault_gate("lineitems")
def lineitems() -> flask.Response:
    if flask.request.method == "GET":
        service = _ags(READ_LINEITEMS)
        return json_response(service.handle_resp(service.handle_get_lineitems))
    service = _ags(WRITE_LINEITEMS)
    return json_response(service.handle_resp(service.handle_create_lineitem))


@bp.route("/lineitems/<line_item_id>", methods=["GET", "PUT", "DELETE"])
@fault_gate("lineitem")
def lineitem(line_item_id: str) -> flask.Response:
    method = flask.request.method
    service = _ags(READ_LINEITEMS if method == "GET" else WRITE_LINEITEMS, line_item_id)
    handler = {
        "GET": service.handle_get_lineitem,
        "PUT": service.handle_update_lineitem,
        "DELETE": service.handle_delete_lineitem,
    }[method]
    return json_response(service.handle_resp(handler, line_item_id=line_item_id))


@bp.post("/lineitems/<line_item_id>/scores")
@fault_gate("scores")
def scores(line_item_id: str) -> flask.Response:
    service = _ags([c.SCOPE_SCORE], line_item_id)
    answer = service.handle_resp(service.handle_update_score, line_item_id=line_item_id)
    if 200 <= answer.code < 300:
        answer.set_media_type(SCORE_MEDIA_TYPE)  # Moodle answers in the score type, empty body
    return json_response(answer)


@bp.get("/lineitems/<line_item_id>/results")
@fault_gate("results")
def results(line_item_id: str) -> flask.Response:
    service = _ags([c.SCOPE_RESULT_READONLY], line_item_id)
    return json_response(service.handle_resp(service.handle_get_results, line_item_id=line_item_id))


@bp.get("/memberships")
@fault_gate("memberships")
def memberships() -> flask.Response:
    service = DemoNrpsService(FlaskRequest(flask.request), _service_conf())
    return json_response(service.handle_resp(service.handle_get_members))
