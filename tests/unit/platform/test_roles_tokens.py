from datetime import UTC, datetime, timedelta

import pytest

from lti_tool.launch import tokens
from lti_tool.launch.roles import ADMIN, INSTRUCTOR, LEARNER, primary_role
from lti_tool.web.locale import normalise_locale

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


M = "http://purl.imsglobal.org/vocab/lis/v2/membership"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person"


@pytest.mark.parametrize(
    "roles, expected",
    [
        ([f"{M}#Learner"], LEARNER),
        (["Learner"], LEARNER),
        ([f"{M}#Instructor"], INSTRUCTOR),
        (["Instructor"], INSTRUCTOR),
        ([f"{M}/Instructor#TeachingAssistant"], INSTRUCTOR),
        ([f"{M}#Administrator"], ADMIN),
        (["Administrator"], ADMIN),  # the deprecated simple name of a context role
        # A Moodle site admin in a course: Moodle adds membership#Instructor (they hold
        # mod/lti:manage everywhere); that, not the system role, makes them staff.
        (
            [f"{M}#Instructor", f"{SYSTEM}#Administrator", f"{INSTITUTION}#Administrator"],
            INSTRUCTOR,
        ),
        ([f"{SYSTEM}#Administrator", f"{INSTITUTION}#Administrator", f"{M}#Learner"], LEARNER),
        ([], None),
        ([f"{SYSTEM}#Guest"], None),
        ([f"{M}/Learner#Instructor"], LEARNER),  # a sub-role of Learner, whatever its name says
    ],
)
def test_roles_map_to_what_the_tool_needs(roles, expected):
    assert primary_role(roles) == expected


@pytest.mark.parametrize(
    "roles",
    [
        pytest.param([f"{SYSTEM}#Administrator"], id="system admin alone"),
        pytest.param([f"{INSTITUTION}#Administrator"], id="institution admin alone"),
        pytest.param([f"{SYSTEM}#SysAdmin"], id="system sysadmin"),
        pytest.param([f"{INSTITUTION}#Faculty"], id="institution faculty"),
        pytest.param([f"{INSTITUTION}#Instructor"], id="institution instructor"),
        pytest.param(["http://evil.example/roles#Instructor"], id="foreign vocabulary"),
        pytest.param(["http://evil.example/roles#Administrator"], id="foreign admin"),
        pytest.param([f"{M}x#Instructor"], id="look-alike vocabulary"),
        pytest.param(
            ["https://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
            id="https is another URI",
        ),
        pytest.param([f"{M}#Mentor"], id="mentor"),
        pytest.param(["Mentor"], id="mentor simple name"),
        pytest.param([f"{M}/Mentor#Tutor"], id="mentor sub-role"),
        pytest.param([f"{M}#ContentDeveloper"], id="content developer"),
        pytest.param([f"{M}#Manager"], id="manager"),
        pytest.param(["Faculty"], id="not a context role name"),
        pytest.param([f"{M}/Instructor#"], id="empty sub-role"),
        pytest.param({"role": f"{M}#Instructor"}, id="object"),
        pytest.param({f"{M}#Instructor": True}, id="object keyed by role"),
        pytest.param(f"{M}#Instructor", id="a string, not a list"),
        pytest.param([[f"{M}#Instructor"]], id="nested list"),
        pytest.param([{"role": "Instructor"}], id="list of objects"),
        pytest.param(None, id="null"),
    ],
)
def test_nothing_else_grants_staff_rights(roles):
    assert primary_role(roles) not in {INSTRUCTOR, ADMIN}


def test_launch_token_round_trip_and_expiry():
    token = tokens.mint("secret", "launch-1", NOW + timedelta(hours=1))
    assert tokens.read("secret", token, NOW) == "launch-1"
    assert tokens.read("secret", token, NOW + timedelta(hours=1)) is None
    assert tokens.read("other-secret", token, NOW) is None


@pytest.mark.parametrize(
    "tampered", ["launch-2.{exp}.{sig}", "launch-1.{later}.{sig}", "garbage", ""]
)
def test_tampered_tokens_are_refused(tampered):
    token = tokens.mint("secret", "launch-1", NOW + timedelta(hours=1))
    _, exp, sig = token.split(".")
    forged = tampered.format(exp=exp, sig=sig, later=int(exp) + 3600)
    assert tokens.read("secret", forged, NOW) is None


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("es", "es"),
        ("es_MX", "es"),
        ("fr-CA", "fr"),
        ("TR", "tr"),
        ("in", "id"),
        ("id_ID", "id"),
        ("de", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_locale_from_launch(raw, expected):
    assert normalise_locale(raw) == expected
