"""Fetching a course's memberships from the platform's NRPS endpoint: a bearer token from the
AGS token client (client credentials, private_key_jwt, the same token cache), every request
through the outbound guard (lti_tool.outbound), pages followed through `Link: rel="next"`.

Only the memberships URL of a launch's NRPS claim is fetched, and only when it is on the
platform's own origin (its issuer or its token URL); a next page on another origin ends the
listing rather than receive the platform's bearer token (ADR 0021)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from lti_tool.grades import failures
from lti_tool.grades.ags_client import AgsClient
from lti_tool.grades.ags_errors import AgsError, error_for, response_detail
from lti_tool.grades.ags_tokens import PlatformAccess
from lti_tool.launch.claims import NRPS_SCOPE

MEMBERSHIPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 100  # of whatever page size the platform chose (Moodle: every member at once)
SCOPES = (NRPS_SCOPE,)


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def on_platform_origin(url: str, access: PlatformAccess) -> bool:
    """The memberships URL belongs to the platform that signed the launch: same scheme and
    host (with port) as its issuer or its token URL."""
    return origin(url) in {origin(access.issuer), origin(access.token_url)}


class NrpsClient(AgsClient):
    """The AGS client's token and send plumbing, for the membership service."""

    def memberships(self, access: PlatformAccess, url: str) -> list[Any]:
        """Every `members` entry of every page, raw (roster.members parses them)."""
        if not on_platform_origin(url, access):
            raise AgsError(failures.DESTINATION_REFUSED, "memberships URL not on the platform")
        members: list[Any] = []
        next_url: str | None = url
        for _page in range(MAX_PAGES):
            if next_url is None:
                return members
            response = self._authorised(
                "GET", next_url, access, SCOPES, headers={"Accept": MEMBERSHIPS_MEDIA_TYPE}
            )
            if response.status_code != 200:
                raise error_for(response, self.clock.now(), not_found=failures.AGS_UNAVAILABLE)
            members.extend(self._page_members(response))
            link = response.links.get("next", {}).get("url")
            next_url = urljoin(next_url, link) if link else None
            if next_url is not None and origin(next_url) != origin(url):
                raise AgsError(failures.DESTINATION_REFUSED, "next page on another origin")
        if next_url is not None:
            raise AgsError(failures.REJECTED, f"more than {MAX_PAGES} pages of members")
        return members

    @staticmethod
    def _page_members(response: Any) -> list[Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        found = body.get("members") if isinstance(body, dict) else None
        if not isinstance(found, list):
            raise AgsError(
                failures.REJECTED,
                "answer is not a membership container",
                http_status=response.status_code,
                detail=response_detail(response),
            )
        return found
