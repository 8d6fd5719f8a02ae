from datetime import datetime, timedelta, timezone

import pytest

from lti_tool.launch import tokens
from lti_tool.launch.roles import ADMIN, INSTRUCTOR, LEARNER, primary_role
from lti_tool.web.locale import normalise_locale

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)


@pytest.mark.parametrize("roles, expected", [
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], LEARNER),
    (["Learner"], LEARNER),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"], INSTRUCTOR),
    (["Instructor"], INSTRUCTOR),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"], INSTRUCTOR),
    (["http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
      "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
      "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], ADMIN),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"], INSTRUCTOR),
    ([], None),
    (["http://purl.imsglobal.org/vocab/lis/v2/system/person#Guest"], None),
])
def test_roles_map_to_what_the_tool_needs(roles, expected):
    assert primary_role(roles) == expected


def test_launch_token_round_trip_and_expiry():
    token = tokens.mint("secret", "launch-1", NOW + timedelta(hours=1))
    assert tokens.read("secret", token, NOW) == "launch-1"
    assert tokens.read("secret", token, NOW + timedelta(hours=1)) is None
    assert tokens.read("other-secret", token, NOW) is None


@pytest.mark.parametrize("tampered", ["launch-2.{exp}.{sig}", "launch-1.{later}.{sig}", "garbage", ""])
def test_tampered_tokens_are_refused(tampered):
    token = tokens.mint("secret", "launch-1", NOW + timedelta(hours=1))
    _, exp, sig = token.split(".")
    forged = tampered.format(exp=exp, sig=sig, later=int(exp) + 3600)
    assert tokens.read("secret", forged, NOW) is None


@pytest.mark.parametrize("raw, expected", [("es", "es"), ("es_MX", "es"), ("fr-CA", "fr"),
                                           ("TR", "tr"), ("in", "id"), ("id_ID", "id"),
                                           ("de", "en"), (None, "en"), ("", "en")])
def test_locale_from_launch(raw, expected):
    assert normalise_locale(raw) == expected
