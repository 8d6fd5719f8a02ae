"""The records the demo platform keeps: tools, course members, resource links, line items,
grades, launches, issued tokens. Plain dataclasses; PlatformState (store.py) holds them under its
lock and hands out copies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from demo_platform.claims import GRADED_ROLES, SERVICE_SCOPES


@dataclass
class ToolRegistration:
    client_id: str
    deployment_id: str
    login_url: str
    launch_url: str
    redirect_uris: list[str]
    jwks_url: str
    deep_link_url: str
    name: str = "Assessment tool"
    custom: dict[str, str] = field(default_factory=dict)
    scopes: list[str] = field(default_factory=lambda: list(SERVICE_SCOPES))
    active: bool = True  # dynamically registered tools start "Pending" like Moodle's


@dataclass
class Member:
    user_id: str
    given_name: str
    family_name: str
    email: str
    username: str
    roles: list[str]  # full URIs

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def graded(self) -> bool:
        return any(role in GRADED_ROLES for role in self.roles)


@dataclass
class ResourceLink:
    id: str
    title: str
    description: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    target_link_uri: str | None = None  # None: the tool's launch URL
    line_item_id: str | None = None
    client_id: str | None = None


@dataclass
class LineItem:
    id: str
    label: str
    score_maximum: float
    resource_id: str = ""
    tag: str = ""
    resource_link_id: str | None = None
    start_date_time: str | None = None
    end_date_time: str | None = None


@dataclass
class Grade:
    """What the gradebook shows for one user and line item after the last accepted score."""

    line_item_id: str
    user_id: str
    grade: float | None  # rescaled to the line item's maximum; None = empty
    score_given: float | None  # as posted
    score_maximum: float  # as posted (default 1)
    comment: str | None
    timestamp: datetime
    activity_progress: str
    grading_progress: str


@dataclass
class ScorePost:
    line_item_id: str
    body: Any
    status: int
    reason: str


@dataclass
class DeepLinkReturn:
    client_id: str
    claims: dict[str, Any]
    content_items: list[dict[str, Any]]
    created_resource_link_ids: list[str]


@dataclass
class PendingLaunch:
    """A launch the /launch starter began; /auth completes it (once) when the tool comes back."""

    launch_id: str
    kind: str  # learner | instructor | deeplink
    client_id: str
    user_id: str
    roles: list[str]
    given_name: str
    family_name: str
    email: str
    username: str
    locale: str
    target_link_uri: str
    resource_link_id: str | None = None
    resource_link_title: str = ""
    resource_link_description: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    document_target: str = "window"
    return_url: str | None = None
    line_item_id: str | None = None
    include_ags: bool = True
    include_nrps: bool = True
    deep_link_title: str = ""
    deep_link_data: str | None = None
    accept_types: list[str] = field(default_factory=lambda: ["ltiResourceLink"])


@dataclass
class IssuedAccessToken:
    jti: str
    client_id: str
    scopes: list[str]
    issued_at: float
    expires_at: float


@dataclass
class IssuedIdToken:
    header: dict[str, Any]
    claims: dict[str, Any]
    token: str


@dataclass
class IdTokenTamper:
    """Changes the next id_token(s) /auth signs, for negative launch tests.

    `claims` gets a copy of the claims and returns the claims to sign; key_pem/kid/alg/headers
    are handed to `forge_id_token`. `once=False` keeps it for every following launch.
    """

    claims: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    key_pem: str | None = None
    kid: str | None = None
    alg: str = "RS256"
    headers: dict[str, Any] | None = None
    once: bool = True


@dataclass
class DynamicRegistrationRecord:
    request: dict[str, Any]
    response: dict[str, Any]
    client_id: str


class ScoreRejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
