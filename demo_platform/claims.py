"""Moodle 4.5-shaped pieces of id_token claims (see tests/fixtures/moodle/*.json).

Only shapes live here; which user, link and services a launch carries comes from the
pending launch the /launch starter recorded.
"""

from __future__ import annotations

from typing import Any

from demo_platform.config import PlatformConfig

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CONTENT_ITEMS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
BASIC_OUTCOME_CLAIM = "https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome"

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ROLE_LEARNER = MEMBERSHIP + "Learner"
ROLE_INSTRUCTOR = MEMBERSHIP + "Instructor"
ROLES_SITE_ADMIN = (
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
)
# Moodle's gradebook grades the student role only.
GRADED_ROLES = frozenset({ROLE_LEARNER})

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
SERVICE_SCOPES = (*AGS_SCOPES, SCOPE_NRPS)


def full_role(role: str) -> str:
    """'Learner' -> membership URI; full URIs pass through."""
    return role if "://" in role else MEMBERSHIP + role


def short_role(role: str) -> str | None:
    """NRPS answers short context role names, as Moodle does; non-context roles are dropped."""
    if role.startswith(MEMBERSHIP):
        return role[len(MEMBERSHIP) :]
    return None if "://" in role else role


def context_claim(config: PlatformConfig) -> dict[str, Any]:
    return {
        LTI + "context": {
            "id": config.context_id,
            "label": config.context_label,
            "title": config.context_title,
            "type": ["CourseSection"],
        }
    }


def platform_claims(config: PlatformConfig) -> dict[str, Any]:
    return {
        LTI + "lis": {"person_sourcedid": "", "course_section_sourcedid": ""},
        LTI + "tool_platform": {
            "product_family_code": "moodle",
            "version": "2024100710",
            "guid": config.platform_guid,
            "name": config.platform_name,
            "description": config.platform_description,
        },
    }


def person_claims(given_name: str, family_name: str, email: str, username: str) -> dict[str, Any]:
    return {
        "given_name": given_name,
        "family_name": family_name,
        "name": f"{given_name} {family_name}".strip(),
        "email": email,
        LTI + "ext": {"user_username": username, "lms": "moodle-2"},
    }


def ags_claim(config: PlatformConfig, line_item_id: str | None) -> dict[str, Any]:
    endpoint: dict[str, Any] = {"scope": list(AGS_SCOPES), "lineitems": config.lineitems_url()}
    if line_item_id is not None:  # Moodle: only when the activity has exactly one grade item
        endpoint["lineitem"] = config.lineitem_url(line_item_id)
    return {AGS_CLAIM: endpoint}


def nrps_claim(config: PlatformConfig) -> dict[str, Any]:
    return {
        NRPS_CLAIM: {
            "context_memberships_url": config.memberships_url(),
            "service_versions": ["1.0", "2.0"],
        }
    }


def basic_outcome_claim(
    config: PlatformConfig, resource_link_id: str, user_id: str
) -> dict[str, Any]:
    # Moodle still sends LTI 1.1 outcome details; this platform does not serve that endpoint.
    sourcedid = (
        f'{{"data":{{"instanceid":"{resource_link_id}","userid":"{user_id}","typeid":"1"}}}}'
    )
    return {
        BASIC_OUTCOME_CLAIM: {
            "lis_result_sourcedid": sourcedid,
            "lis_outcome_service_url": config.url("/basic-outcome"),
        }
    }


def deep_linking_settings(
    return_url: str, title: str, accept_types: list[str], data: str | None
) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "accept_types": accept_types,
        "accept_presentation_document_targets": ["frame", "iframe", "window"],
        "accept_copy_advice": False,
        "accept_multiple": True,
        "accept_unsigned": False,
        "auto_create": False,
        "can_confirm": False,
        "deep_link_return_url": return_url,
        "title": title,
        "text": "",
    }
    if data is not None:
        settings["data"] = data
    return {DL_SETTINGS_CLAIM: settings}
