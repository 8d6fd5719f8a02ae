"""A small AGS client on the outbound client (lti_tool.outbound: the address policy, a
whole-call deadline, a size cap): line items, scores and results, with the answers (status,
Retry-After, a summary of the body) the delivery worker needs to decide what to do next. Tokens
come from lti_tool.grades.ags_tokens, error codes from lti_tool.grades.ags_errors.

Why not pylti1p3's ServiceConnector: it hides the HTTP status and Retry-After behind a generic
exception, has no per-request timeout and caches tokens without an expiry of our clock
(docs/decisions/*-grade-worker.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lti_tool.grades import failures

# Re-exported: callers import the client's vocabulary from this one module.
from lti_tool.grades.ags_errors import (
    AgsError,
    StaleTimestamp,
    error_for,
    parse_retry_after,
    response_detail,
)
from lti_tool.grades.ags_tokens import (
    ClientIdHolders,
    PlatformAccess,
    TokenCache,
    TokenClient,
)
from lti_tool.launch.claims import (
    AGS_SCOPES,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
)
from lti_tool.outbound import OutboundResponse

__all__ = [
    "AGS_SCOPES",
    "SCOPE_LINEITEM",
    "SCOPE_LINEITEM_READONLY",
    "SCOPE_RESULT_READONLY",
    "SCOPE_SCORE",
    "AgsClient",
    "AgsError",
    "ClientIdHolders",
    "PlatformAccess",
    "StaleTimestamp",
    "TokenCache",
    "error_for",
    "on_platform_origin",
    "origin",
    "parse_retry_after",
    "service_url",
]

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULTS_MEDIA_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
MAX_PAGES = 200  # results pages followed through Link: rel="next"
# A listing's whole size, whatever its pages: a platform answering endless 4 MiB pages would
# otherwise hold hundreds of megabytes of parsed JSON in the worker.
MAX_LIST_BYTES = 16 * 1024 * 1024
MAX_LIST_ITEMS = 50_000


def service_url(base: str, suffix: str = "", **params: str) -> str:
    """Append a path segment and query parameters, keeping the URL's own query
    (Moodle: `.../lineitem?type_id=1` -> `.../lineitem/scores?type_id=1`)."""
    parts = urlsplit(base)
    path = parts.path.rstrip("/") + suffix if suffix else parts.path
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), parts.fragment))


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def on_platform_origin(url: str, access: PlatformAccess) -> bool:
    """A service URL belongs to the platform that signed the launch: same scheme and host (with
    port) as its issuer or its token URL. Moodle serves every service from its own site."""
    return origin(url) in {origin(access.issuer), origin(access.token_url)}


class AgsClient(TokenClient):
    """One per worker: the AGS calls, each with a token from `TokenClient`."""

    # --- services ------------------------------------------------------------------------------
    def post_score(
        self,
        access: PlatformAccess,
        scopes: tuple[str, ...],
        lineitem_url: str,
        score: dict[str, Any],
    ) -> None:
        response = self._authorised(
            "POST",
            service_url(lineitem_url, "/scores"),
            access,
            scopes,
            json=score,
            headers={"Content-Type": SCORE_MEDIA_TYPE},
        )
        if response.status_code not in (200, 201, 202, 204):
            raise error_for(response, self.clock.now())

    def results(
        self,
        access: PlatformAccess,
        scopes: tuple[str, ...],
        lineitem_url: str,
        user_id: str | None = None,
    ) -> list[dict[str, Any]]:
        params = {"user_id": user_id} if user_id is not None else {}
        return self._get_list(
            service_url(lineitem_url, "/results", **params), access, scopes, RESULTS_MEDIA_TYPE
        )

    def find_lineitems(
        self,
        access: PlatformAccess,
        scopes: tuple[str, ...],
        lineitems_url: str,
        resource_link_id: str,
    ) -> list[dict[str, Any]]:
        url = service_url(lineitems_url, resource_link_id=resource_link_id)
        return self._get_list(
            url, access, scopes, LINEITEMS_MEDIA_TYPE, not_found=failures.NO_LINEITEM
        )

    def create_lineitem(
        self,
        access: PlatformAccess,
        scopes: tuple[str, ...],
        lineitems_url: str,
        body: dict[str, Any],
    ) -> dict[str, Any]:
        response = self._authorised(
            "POST",
            lineitems_url,
            access,
            scopes,
            json=body,
            headers={"Content-Type": LINEITEM_MEDIA_TYPE, "Accept": LINEITEM_MEDIA_TYPE},
        )
        if response.status_code not in (200, 201):
            raise error_for(response, self.clock.now(), not_found=failures.NO_LINEITEM)
        try:
            created = response.json()
            str(created["id"])
        except (ValueError, KeyError, TypeError):
            raise AgsError(
                failures.REJECTED,
                "created line item without id",
                http_status=response.status_code,
                detail=response_detail(response),
            ) from None
        return created

    # --- plumbing ------------------------------------------------------------------------------
    def _get_list(
        self,
        url: str,
        access: PlatformAccess,
        scopes: tuple[str, ...],
        media_type: str,
        *,
        not_found: str = failures.LINEITEM_GONE,
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        read = 0
        next_url: str | None = url
        for _page in range(MAX_PAGES):
            if next_url is None:
                break
            if urlsplit(next_url)[:2] != urlsplit(url)[:2]:
                # The bearer token goes only where the listing began (the platform's endpoint).
                raise AgsError(failures.REJECTED, "next page on another origin", http_status=200)
            response = self._authorised(
                "GET", next_url, access, scopes, headers={"Accept": media_type}
            )
            if response.status_code != 200:
                raise error_for(response, self.clock.now(), not_found=not_found)
            try:
                page = response.json()
            except ValueError:
                raise AgsError(
                    failures.REJECTED,
                    "answer is not JSON",
                    http_status=200,
                    detail=response_detail(response),
                ) from None
            if not isinstance(page, list):
                raise AgsError(
                    failures.REJECTED,
                    "answer is not a JSON list",
                    http_status=200,
                    detail=response_detail(response),
                )
            items.extend(item for item in page if isinstance(item, dict))
            read += len(response.content)
            if read > MAX_LIST_BYTES or len(items) > MAX_LIST_ITEMS:
                raise AgsError(failures.REJECTED, "listing too large", http_status=200)
            next_url = response.links.get("next", {}).get("url")
        return items

    def _authorised(
        self, method: str, url: str, access: PlatformAccess, scopes: tuple[str, ...], **kwargs: Any
    ) -> OutboundResponse:
        """Send with a bearer token; on 401 drop the token and try once more with a fresh one
        (the platform may end a token before its announced expiry).

        The token goes only to the platform's own origin: the URLs come from launch claims and
        from the platform's answers (a created line item's id), and a platform's token and its
        learners' scores are not for another host, even one the platform names."""
        if not on_platform_origin(url, access):
            raise AgsError(failures.OFF_PLATFORM, f"{urlsplit(url).netloc} is not the platform")
        for attempt in (1, 2):
            token = self.access_token(access, scopes)
            headers = dict(kwargs.pop("headers", {}) or {})
            headers["Authorization"] = f"Bearer {token}"
            response = self._send(method, url, headers=headers, **kwargs)
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            if response.status_code != 401 or attempt == 2:
                return response
            self.tokens.drop(access, scopes, token)
        raise AssertionError("unreachable")  # pragma: no cover
