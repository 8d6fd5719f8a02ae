"""Flask adapter for lti1p3platform, mirroring its framework/django and framework/fastapi ones.

lti1p3platform ships adapters for Django and FastAPI only. Its own launch template is not
used: it auto-submits with an inline script, which a Content-Security-Policy without
'unsafe-inline' blocks; ours loads static/autosubmit.js and has a visible submit button.
"""

from __future__ import annotations

import json
import typing as t

import flask
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.request import Request, TRequest
from lti1p3platform.response import Response, generate_next_link

_INT_PARAMS = ("page", "limit")


class FlaskRequest(Request):
    def build_metadata(self, request: flask.Request) -> TRequest:
        json_data = None
        if request.get_data(cache=True):
            try:
                json_data = json.loads(request.get_data(cache=True, as_text=True))
            except ValueError:
                json_data = None
        get_data: dict[str, t.Any] = request.args.to_dict()
        # The library's paging arithmetic (page + 1) expects numbers.
        for name in _INT_PARAMS:
            if name in get_data and str(get_data[name]).isdigit():
                get_data[name] = int(get_data[name])
        return {
            "method": request.method,
            "form_data": request.form.to_dict(),
            "json": json_data,
            "get_data": get_data,
            "headers": request.headers,
            "content_type": request.mimetype,
            "path": request.path,
        }


class FlaskOIDCLogin(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs["lti_message_hint"]

    def get_redirect(self, url: str) -> flask.Response:
        return flask.redirect(url, code=302)


class FlaskMessageLaunch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict[str, t.Any], **kwargs: t.Any) -> flask.Response:
        fields = [("id_token", launch_data["id_token"]), ("state", launch_data["state"])]
        return render_form_post(launch_data["launch_url"], fields, "Sending you to the tool")


def render_form_post(action: str, fields: list[tuple[str, str]], heading: str) -> flask.Response:
    html = flask.render_template("form_post.html", action=action, fields=fields, heading=heading)
    response = flask.make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


def json_response(resp: Response) -> flask.Response:
    """lti1p3platform Response -> Flask response (the django adapter's wrap_json_resp)."""
    if 200 <= resp.code < 300:
        data = resp.result
        if isinstance(data, dict) and "content" in data:
            data = data["content"]
        body = "" if data is None else json.dumps(data)
        response = flask.Response(body, status=resp.code, mimetype=resp.media_type)
        if isinstance(resp.result, dict) and resp.result.get("next"):
            response.headers["Link"] = generate_next_link(resp.result["next"])
        return response
    return flask.Response(
        json.dumps({"error": resp.message}), status=resp.code, mimetype="application/json"
    )
