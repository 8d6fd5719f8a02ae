"""The LTI service scope URIs are written once (issue 14): the scopes the tool asks for at
registration are the ones the grade worker checks, because both read lti_tool.launch.claims."""

from __future__ import annotations

from pathlib import Path

from lti_tool.grades import ags_client
from lti_tool.launch import claims
from lti_tool.launch.tool_config import tool_configuration

PACKAGE = Path(claims.__file__).resolve().parents[1]
SCOPE_PREFIXES = (
    "purl.imsglobal.org/spec/lti-ags/scope/",
    "purl.imsglobal.org/spec/lti-nrps/scope/",
)


def test_the_configuration_asks_for_every_scope_the_grade_worker_uses():
    asked = set(tool_configuration("https://tool.test")["scopes"])
    assert {claims.SCOPE_SCORE, claims.SCOPE_LINEITEM, claims.SCOPE_RESULT_READONLY} <= asked
    assert set(ags_client.AGS_SCOPES) <= asked and claims.NRPS_SCOPE in asked


def test_no_module_of_the_tool_spells_a_scope_uri_but_claims():
    spelled = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "demo_platform" not in path.parts  # the demo is a platform: it has its own copy
        and any(prefix in path.read_text(encoding="utf-8") for prefix in SCOPE_PREFIXES)
    )
    assert spelled == ["launch/claims.py"]
