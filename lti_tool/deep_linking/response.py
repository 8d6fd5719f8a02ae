"""The LtiDeepLinkingResponse: one resource link naming the assessment, with a line item so
Moodle creates a gradebook column (it only does when the content item carries `lineItem`)."""

from __future__ import annotations

from typing import cast

from pylti1p3.deep_link import DeepLink, TDeepLinkData
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from lti_tool.launch import claims
from lti_tool.launch.models import LaunchSession
from lti_tool.platforms.keys import SigningKey
from lti_tool.platforms.tool_conf import registration_for

SCORE_MAXIMUM = 100


def resource_for(slug: str, title: str, launch_url: str) -> DeepLinkResource:
    line_item = LineItem().set_score_maximum(SCORE_MAXIMUM).set_label(title).set_tag(slug)
    return (
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(title)
        .set_custom_params({"assessment": slug})
        .set_lineitem(line_item)
    )


def response_jwt(launch: LaunchSession, key: SigningKey, resource: DeepLinkResource) -> str:
    settings = cast("TDeepLinkData", launch.claims.get(claims.DL_SETTINGS) or {})
    deep_link = DeepLink(
        registration_for(launch.deployment.platform, key), launch.deployment.deployment_id, settings
    )
    return deep_link.get_response_jwt([resource])


def return_url(launch: LaunchSession) -> str | None:
    return (launch.claims.get(claims.DL_SETTINGS) or {}).get("deep_link_return_url")
