"""The platform's whole memory: one thread-safe object per app, at app.extensions["lti_platform"].

Tests read what the platform received (scores, line items, deep-link items, registrations,
issued tokens) and arrange what it knows (enrolments, the tool registration, faults). Query
methods return copies so a test never races the server threads. The records it holds are in
records.py; line items, grades and score posts in gradebook_state.py.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
from dataclasses import replace
from typing import Any

from demo_platform.claims import ROLE_INSTRUCTOR, ROLE_LEARNER, full_role
from demo_platform.config import PlatformConfig, read_clock
from demo_platform.faults import FaultPlan
from demo_platform.gradebook_state import GradebookState

# The records are re-exported: tests and older callers import them from here.
from demo_platform.records import (
    DeepLinkReturn,
    DynamicRegistrationRecord,
    Grade,
    IdTokenTamper,
    IssuedAccessToken,
    IssuedIdToken,
    LineItem,
    Member,
    PendingLaunch,
    ResourceLink,
    ScorePost,
    ScoreRejected,
    ToolRegistration,
)


class PlatformState(GradebookState):
    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        self.faults = FaultPlan()
        self.id_token_tamper: IdTokenTamper | None = None
        self.extra_jwks: list[dict[str, Any]] = []  # published beside the platform key
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._deployment_ids = itertools.count(
            int(config.deployment_id) + 1 if config.deployment_id.isdigit() else 100
        )
        self._tools: dict[str, ToolRegistration] = {}
        self._members: dict[str, Member] = {}
        self._links: dict[str, ResourceLink] = {}
        self._line_items: dict[str, LineItem] = {}
        self._grades: dict[tuple[str, str], Grade] = {}
        self._score_posts: list[ScorePost] = []
        self._deep_link_returns: list[DeepLinkReturn] = []
        self._pending: dict[str, PendingLaunch] = {}
        self._access_tokens: dict[str, IssuedAccessToken] = {}
        self._id_tokens: list[IssuedIdToken] = []
        self._registrations: list[DynamicRegistrationRecord] = []
        self._used_registration_subjects: set[str] = set()
        self.access_token_lifetime = config.access_token_lifetime
        self._seed(config)

    def _seed(self, config: PlatformConfig) -> None:
        self._tools[config.client_id] = ToolRegistration(
            client_id=config.client_id,
            deployment_id=config.deployment_id,
            login_url=config.tool_login_url,
            launch_url=config.tool_launch_url,
            redirect_uris=list(config.tool_redirect_uris or (config.tool_launch_url,)),
            jwks_url=config.tool_jwks_url,
            deep_link_url=config.tool_deep_link_url or config.tool_launch_url,
            name=config.tool_name,
            custom=dict(config.tool_custom),
        )
        for activity in config.course_activities:
            self._links[activity.id] = ResourceLink(
                id=activity.id,
                title=activity.title,
                description="Launches the assessment tool",
                custom=dict(activity.custom),
                client_id=config.client_id,
            )
        if config.seed_users:
            self.enrol(
                "4",
                ["Learner"],
                given_name="Sam",
                family_name="Student",
                email="student1@example.com",
                username="student1",
            )
            self.enrol(
                "3",
                ["Instructor"],
                given_name="Terry",
                family_name="Teacher",
                email="teacher1@example.com",
                username="teacher1",
            )

    # --- time -------------------------------------------------------------------------------
    def now(self) -> float:
        return read_clock(self.config.clock)

    def wait(self, seconds: float) -> None:
        """Sleep for a slow-answer fault, but wake up when the server shuts down."""
        self._stopping.wait(seconds)

    def stop(self) -> None:
        self._stopping.set()

    def new_id(self) -> str:
        with self._lock:
            return str(next(self._ids))

    # --- tools ------------------------------------------------------------------------------
    def tool(self, client_id: str | None = None) -> ToolRegistration | None:
        with self._lock:
            found = self._tools.get(client_id or self.config.client_id)
            return copy.deepcopy(found)

    def tools(self) -> list[ToolRegistration]:
        with self._lock:
            return copy.deepcopy(list(self._tools.values()))

    def configure_tool(self, client_id: str | None = None, **changes: Any) -> ToolRegistration:
        """Change the registered tool, e.g. configure_tool(login_url=..., launch_url=...,
        redirect_uris=[...], jwks_url=..., deep_link_url=...). Setting launch_url alone also
        sets redirect_uris/deep_link_url when those were still empty."""
        with self._lock:
            key = client_id or self.config.client_id
            tool = self._tools[key]
            updated = replace(tool, **changes)
            if "launch_url" in changes:
                if "redirect_uris" not in changes and not [u for u in tool.redirect_uris if u]:
                    updated.redirect_uris = [changes["launch_url"]]
                if "deep_link_url" not in changes and not tool.deep_link_url:
                    updated.deep_link_url = changes["launch_url"]
            self._tools[key] = updated
            return copy.deepcopy(updated)

    def add_tool(self, tool: ToolRegistration) -> None:
        with self._lock:
            self._tools[tool.client_id] = copy.deepcopy(tool)

    def activate_tool(self, client_id: str) -> None:
        self.configure_tool(client_id, active=True)

    def next_deployment_id(self) -> str:
        with self._lock:
            return str(next(self._deployment_ids))

    # --- people -----------------------------------------------------------------------------
    def enrol(
        self,
        user_id: str,
        roles: list[str] | tuple[str, ...] = ("Learner",),
        *,
        given_name: str | None = None,
        family_name: str | None = None,
        email: str | None = None,
        username: str | None = None,
    ) -> Member:
        """Enrol (or re-enrol) a user in the course; roles are short names or full URIs."""
        with self._lock:
            old = self._members.get(user_id)
            member = Member(
                user_id=user_id,
                given_name=given_name
                if given_name is not None
                else (old.given_name if old else "User"),
                family_name=family_name
                if family_name is not None
                else (old.family_name if old else user_id),
                email=email
                if email is not None
                else (old.email if old else f"user{user_id}@example.com"),
                username=username
                if username is not None
                else (old.username if old else f"user{user_id}"),
                roles=[full_role(role) for role in roles],
            )
            self._members[user_id] = member
            return copy.deepcopy(member)

    def unenrol(self, user_id: str) -> None:
        with self._lock:
            self._members.pop(user_id, None)

    def member(self, user_id: str) -> Member | None:
        with self._lock:
            return copy.deepcopy(self._members.get(user_id))

    def members(self) -> list[Member]:
        with self._lock:
            return copy.deepcopy(list(self._members.values()))

    # --- resource links ---------------------------------------------------------------------
    def resource_link(self, link_id: str) -> ResourceLink | None:
        with self._lock:
            return copy.deepcopy(self._links.get(link_id))

    def resource_links(self) -> list[ResourceLink]:
        with self._lock:
            return copy.deepcopy(list(self._links.values()))

    def save_resource_link(self, link: ResourceLink) -> ResourceLink:
        with self._lock:
            self._links[link.id] = copy.deepcopy(link)
            return copy.deepcopy(link)

    # --- deep linking -----------------------------------------------------------------------
    def add_deep_link_return(self, record: DeepLinkReturn) -> None:
        with self._lock:
            self._deep_link_returns.append(copy.deepcopy(record))

    def deep_link_returns(self) -> list[DeepLinkReturn]:
        with self._lock:
            return copy.deepcopy(self._deep_link_returns)

    # --- launches ---------------------------------------------------------------------------
    def add_pending_launch(self, launch: PendingLaunch) -> None:
        with self._lock:
            self._pending[launch.launch_id] = copy.deepcopy(launch)

    def pending_launch(self, launch_id: str) -> PendingLaunch | None:
        with self._lock:
            return copy.deepcopy(self._pending.get(launch_id))

    def pop_pending_launch(self, launch_id: str) -> PendingLaunch | None:
        """Moodle forgets the launch once auth.php used it: a second use of the hint fails."""
        with self._lock:
            return self._pending.pop(launch_id, None)

    def record_id_token(self, issued: IssuedIdToken) -> None:
        with self._lock:
            self._id_tokens.append(copy.deepcopy(issued))

    def issued_id_tokens(self) -> list[IssuedIdToken]:
        with self._lock:
            return copy.deepcopy(self._id_tokens)

    def take_id_token_tamper(self) -> IdTokenTamper | None:
        with self._lock:
            tamper = self.id_token_tamper
            if tamper is not None and tamper.once:
                self.id_token_tamper = None
            return tamper

    # --- access tokens ----------------------------------------------------------------------
    def record_access_token(self, token: IssuedAccessToken) -> None:
        with self._lock:
            self._access_tokens[token.jti] = copy.deepcopy(token)

    def access_token(self, jti: str) -> IssuedAccessToken | None:
        with self._lock:
            return copy.deepcopy(self._access_tokens.get(jti))

    def issued_access_tokens(self) -> list[IssuedAccessToken]:
        with self._lock:
            return copy.deepcopy(list(self._access_tokens.values()))

    def expire_access_tokens(self) -> None:
        """Force every access token issued so far to be expired now (services answer 401)."""
        with self._lock:
            now = self.now()
            for token in self._access_tokens.values():
                token.expires_at = min(token.expires_at, now)

    # --- dynamic registration ---------------------------------------------------------------
    def claim_registration_subject(self, subject: str) -> bool:
        """False when a registration token was already used (Moodle: token_already_used)."""
        with self._lock:
            if subject in self._used_registration_subjects or subject in self._tools:
                return False
            self._used_registration_subjects.add(subject)
            return True

    def add_registration(self, record: DynamicRegistrationRecord) -> None:
        with self._lock:
            self._registrations.append(copy.deepcopy(record))

    def registrations(self) -> list[DynamicRegistrationRecord]:
        with self._lock:
            return copy.deepcopy(self._registrations)

    @staticmethod
    def new_secret(length: int = 15) -> str:
        return secrets.token_urlsafe(length)[:length]


__all__ = [
    "ROLE_INSTRUCTOR",
    "ROLE_LEARNER",
    "DeepLinkReturn",
    "DynamicRegistrationRecord",
    "Grade",
    "IdTokenTamper",
    "IssuedAccessToken",
    "IssuedIdToken",
    "LineItem",
    "Member",
    "PendingLaunch",
    "PlatformState",
    "ResourceLink",
    "ScorePost",
    "ScoreRejected",
    "ToolRegistration",
]
