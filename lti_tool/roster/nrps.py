"""Fetching a course's memberships from the platform's NRPS endpoint: a bearer token from the
AGS token client (client credentials, private_key_jwt, the same token cache), every request
through the outbound guard (lti_tool.outbound), pages followed through `Link: rel="next"`.

Only the memberships URL of a launch's NRPS claim is fetched, and only when it is on the
platform's own origin (its issuer or its token URL); a next page on another origin ends the
listing rather than receive the platform's bearer token (ADR 0021).

A hostile or broken platform must not exhaust the process: each page is parsed into `Member`s
at once and its raw JSON dropped, and the whole listing is bounded in members, in bytes read and
in time (the service's clock). Reaching a bound cuts the list, and `Listing.cut` says why, so
staff are told the roster is incomplete rather than shown a short list as if it were whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

from lti_tool.grades import failures
from lti_tool.grades.ags_client import AgsClient, on_platform_origin, origin
from lti_tool.grades.ags_errors import AgsError, error_for, response_detail
from lti_tool.grades.ags_tokens import PlatformAccess
from lti_tool.launch.claims import NRPS_SCOPE
from lti_tool.roster.members import Member, member_from

MEMBERSHIPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
# The bounds of one listing (ADR 0021). Members held are each cut to a few hundred characters
# (roster.members); bytes are counted as each page arrives (the outbound cap bounds one page),
# so a listing reads at most MAX_LISTING_BYTES plus one page.
MAX_MEMBERS = 20_000
MAX_LISTING_BYTES = 8 * 1024 * 1024
MAX_PAGES = 100  # of whatever page size the platform chose (Moodle: every member at once)
LISTING_TIME = timedelta(seconds=30)  # no page is asked after this; one request may then run on
CUT_MEMBERS, CUT_BYTES, CUT_PAGES, CUT_TIME = "members", "bytes", "pages", "time"
SCOPES = (NRPS_SCOPE,)


@dataclass(frozen=True)
class Listing:
    members: tuple[Member, ...]  # one per user id, the last listing wins
    cut: str | None = None  # CUT_*: the bound that ended the listing before its last page


class NrpsClient(AgsClient):
    """The AGS client's token and send plumbing, for the membership service."""

    def memberships(self, access: PlatformAccess, url: str) -> Listing:
        """Every member of every page, parsed, within the listing's bounds."""
        if not on_platform_origin(url, access):
            raise AgsError(failures.DESTINATION_REFUSED, "memberships URL not on the platform")
        found: dict[str, Member] = {}
        deadline = self.clock.now() + LISTING_TIME
        read = 0
        next_url: str | None = url
        for _page in range(MAX_PAGES):
            if next_url is None:
                return Listing(tuple(found.values()))
            if self.clock.now() >= deadline:
                return Listing(tuple(found.values()), CUT_TIME)
            if read >= MAX_LISTING_BYTES:
                return Listing(tuple(found.values()), CUT_BYTES)
            response = self._authorised(
                "GET", next_url, access, SCOPES, headers={"Accept": MEMBERSHIPS_MEDIA_TYPE}
            )
            if response.status_code != 200:
                raise error_for(response, self.clock.now(), not_found=failures.AGS_UNAVAILABLE)
            read += len(response.content)
            link = response.links.get("next", {}).get("url")
            if not _take(found, self._page_members(response)):
                return Listing(tuple(found.values()), CUT_MEMBERS)
            del response  # the page's body is not kept past its parsing
            next_url = urljoin(next_url, link) if link else None
            if next_url is not None and origin(next_url) != origin(url):
                raise AgsError(failures.DESTINATION_REFUSED, "next page on another origin")
        if next_url is not None:
            return Listing(tuple(found.values()), CUT_PAGES)
        return Listing(tuple(found.values()))

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


def _take(found: dict[str, Member], page: list[Any]) -> bool:
    """Add a page's members to `found`; False when a new member would pass MAX_MEMBERS (the
    members before it are kept)."""
    for raw in page:
        member = member_from(raw)
        if member is None:
            continue
        if member.user_id not in found and len(found) >= MAX_MEMBERS:
            return False
        found[member.user_id] = member
    return True
