"""What a demo platform is: its public URL, its signing key, the tool it launches, its clock.

`PlatformConfig` is frozen; what tests change while the platform runs (enrolments, the tool
registration, faults) lives in `PlatformState` instead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

# Either a zero-argument callable returning epoch seconds (time.time) or an object with
# `.now() -> datetime`, like lti_tool.clock.Clock, so the lead's test clocks plug in as they are.
ClockLike = Callable[[], float] | Any


def generate_platform_key() -> str:
    """A fresh 2048-bit RSA private key as unencrypted PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_key_pem(private_key_pem: str) -> str:
    key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def public_jwk(private_key_pem: str, kid: str | None = None) -> dict[str, Any]:
    """The public half as a JWK with kid (RFC 7638 thumbprint unless given), alg and use."""
    jwk = JWK.from_pem(private_key_pem.encode("ascii"))
    data: dict[str, Any] = json.loads(jwk.export_public())
    data["kid"] = kid or jwk.thumbprint()
    data["alg"] = "RS256"
    data["use"] = "sig"
    return data


def key_id(private_key_pem: str) -> str:
    return JWK.from_pem(private_key_pem.encode("ascii")).thumbprint()


def read_clock(clock: ClockLike) -> float:
    now = getattr(clock, "now", None)
    if callable(now):
        return float(now().timestamp())
    return float(clock())


@dataclass(frozen=True)
class CourseActivity:
    """An activity of the demo course that launches the tool (Moodle: an external tool
    activity), there from the start: a newcomer's first launch reaches real content."""

    id: str  # the resource link id
    title: str
    custom: dict[str, str] = field(default_factory=dict)  # e.g. {"assessment": "emm2-final"}


@dataclass(frozen=True)
class PlatformConfig:
    """Static settings of one demo platform.

    `issuer` is the platform's public base URL without trailing slash (Moodle: the site URL);
    `run_platform` fills it in when left empty because the port is only known once bound.
    The tool_* fields describe the tool registered by default (client_id / deployment_id);
    tests may change that registration later through `PlatformState.configure_tool`.
    """

    private_key_pem: str
    issuer: str = ""
    kid: str | None = None  # None: RFC 7638 thumbprint of the key
    client_id: str = "demo-tool-client"
    deployment_id: str = "1"
    tool_login_url: str = ""
    tool_launch_url: str = ""
    tool_redirect_uris: tuple[str, ...] = ()  # empty: (tool_launch_url,)
    tool_jwks_url: str = ""
    tool_deep_link_url: str = ""  # empty: tool_launch_url (Moodle's "Content Selection URL")
    tool_name: str = "Assessment tool"
    tool_custom: dict[str, str] = field(default_factory=dict)  # tool-level custom parameters
    clock: ClockLike = time.time
    id_token_lifetime: int = 60  # Moodle: exp = iat + 60
    access_token_lifetime: int = 3600  # Moodle token.php
    registration_token_lifetime: int = 3600
    # Moodle's service URLs carry "?type_id=<n>": tools must append /scores to the *path*.
    service_url_query: str = "type_id=1"
    context_id: str = "2"
    context_label: str = "EMM101"
    context_title: str = "Migration management (demo course)"
    platform_name: str = "demo-moodle"
    platform_description: str = "Demo LTI 1.3 platform shaped like Moodle 4.5"
    platform_guid: str = "demo-platform-guid"
    seed_users: bool = True  # enrol Sam Student (4, Learner) and Terry Teacher (3, Instructor)
    # Activities of the course from the start (resource links, the first one the default launch's)
    course_activities: tuple[CourseActivity, ...] = ()
    auto_activate_registrations: bool = False  # Moodle leaves new tools "Pending"

    def __post_init__(self) -> None:
        object.__setattr__(self, "issuer", self.issuer.rstrip("/"))

    @property
    def signing_kid(self) -> str:
        return self.kid or key_id(self.private_key_pem)

    def url(self, path: str, query: str = "") -> str:
        joined = f"{self.issuer}{path}"
        return f"{joined}?{query}" if query else joined

    # Service URLs, in one place so claims and service answers agree.
    def lineitems_url(self) -> str:
        return self.url("/lineitems", self.service_url_query)

    def lineitem_url(self, line_item_id: str) -> str:
        return self.url(f"/lineitems/{line_item_id}", self.service_url_query)

    def scores_url(self, line_item_id: str) -> str:
        return self.url(f"/lineitems/{line_item_id}/scores", self.service_url_query)

    def results_url(self, line_item_id: str, user_id: str | None = None) -> str:
        query = "&".join(
            part
            for part in (self.service_url_query, urlencode({"user_id": user_id}) if user_id else "")
            if part
        )
        return self.url(f"/lineitems/{line_item_id}/results", query)

    def memberships_url(self) -> str:
        return self.url("/memberships")

    def token_url(self) -> str:
        return self.url("/token")
