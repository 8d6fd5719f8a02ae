"""The HTTP client every call to a platform goes through (dynamic registration, key sets,
tokens and grades): the policy's URL and address checks, no redirects, a whole-call deadline
and a size cap on the answer, which is read completely before anybody looks at it."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, parse_header_links

from lti_tool.outbound.errors import (
    DeadlineExceeded,
    DestinationRefused,
    OutboundError,
    ResponseTooLarge,
    Unreachable,
)
from lti_tool.outbound.policy import OutboundPolicy
from lti_tool.outbound.summary import answer_summary, body_description
from lti_tool.outbound.transport import GuardedAdapter, OutboundCall

log = logging.getLogger(__name__)

USER_AGENT = "emm-assessment-lti-tool/0.1"
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class OutboundResponse:
    """A complete answer (status, headers, body read within the size cap). `ok` means 2xx: a
    redirect is an answer like any other, never followed."""

    url: str
    status_code: int
    headers: Mapping[str, str]
    content: bytes = field(repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def text(self) -> str:
        encoding = get_encoding_from_headers(CaseInsensitiveDict(self.headers)) or "utf-8"
        try:
            return self.content.decode(encoding, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.content.decode("utf-8"))

    @property
    def links(self) -> dict[str, dict[str, str]]:
        """Link header entries by rel, like requests' `Response.links`."""
        header = self.headers.get("Link")
        if not header:
            return {}
        return {
            (link.get("rel") or link.get("url") or ""): link for link in parse_header_links(header)
        }

    def summary(self) -> str:
        """What a page may show: `HTTP 401: invalid_client` (see outbound.summary)."""
        return answer_summary(self.status_code, self.content_type, self.content)

    def description(self) -> str:
        """The platform's words (or the kind of body), without the status."""
        return body_description(self.content_type, self.content)


class OutboundClient:
    """Thread-safe: every call builds its own adapter and connection."""

    def __init__(
        self, policy: OutboundPolicy, *, user_agent: str = USER_AGENT, verify: bool | str = True
    ) -> None:
        self.policy = policy
        self.user_agent = user_agent
        self.verify = verify  # a CA bundle path in tests; never False in the service
        self._stand_ins: dict[str, BaseAdapter] = {}

    def mount(self, prefix: str, adapter: BaseAdapter) -> None:
        """Tests: answer URLs starting with `prefix` from `adapter` (a stand-in platform in
        the test process). Nothing goes to the network for them, so no address check runs;
        the URL check, the deadline and the size cap still apply."""
        self._stand_ins[prefix] = adapter

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        data: Any = None,
        json: Any = None,
        deadline: float | None = None,
    ) -> OutboundResponse:
        """Send one request and read the whole answer. `deadline` (seconds) bounds the call
        from start to last byte; the policy's by default. Raises an OutboundError."""
        self.policy.check_url(url)
        prepared = self._prepare(method, url, headers, data, json)
        seconds = self.policy.deadline_seconds if deadline is None else deadline
        call = OutboundCall(self.policy, seconds)
        adapter = self._stand_in_for(prepared.url or url)
        own_adapter = adapter is None
        if adapter is None:
            adapter = GuardedAdapter(call)
        response: requests.Response | None = None
        try:
            remaining = max(call.remaining(), 0.001)
            response = adapter.send(
                prepared,
                stream=True,
                timeout=(remaining, remaining),
                verify=self.verify,
                proxies={},
            )
            content = self._read(response, call, url)
            if call.expired:
                raise DeadlineExceeded(f"no complete answer within {seconds:g} s", url=url)
            return OutboundResponse(
                url=url,
                status_code=response.status_code,
                headers=CaseInsensitiveDict(response.headers),
                content=content,
            )
        except OutboundError as error:
            error.url = error.url or url
            if isinstance(error, DestinationRefused):
                log.warning("outbound call refused: %s %s: %s", method, url, error)
            raise
        except (requests.RequestException, OSError) as error:
            raise _transport_error(error, call, seconds, url) from error
        finally:
            if response is not None and response.raw is not None:
                response.close()
            if own_adapter:
                adapter.close()
            call.close()

    def get(self, url: str, **kwargs: Any) -> OutboundResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> OutboundResponse:
        return self.request("POST", url, **kwargs)

    # --- plumbing -------------------------------------------------------------------------------
    def _prepare(
        self, method: str, url: str, headers: Mapping[str, str] | None, data: Any, json: Any
    ) -> requests.PreparedRequest:
        try:
            return requests.Request(
                method.upper(), url, headers=self._headers(headers), data=data, json=json
            ).prepare()
        except requests.RequestException as error:  # e.g. a host name with a space
            raise DestinationRefused(f"not a valid URL ({error})", url=url) from None

    def _headers(self, headers: Mapping[str, str] | None) -> dict[str, str]:
        # identity: no compressed answer to inflate past the size cap
        merged = {"User-Agent": self.user_agent, "Accept": "*/*", "Accept-Encoding": "identity"}
        merged.update(headers or {})
        return merged

    def _stand_in_for(self, url: str) -> BaseAdapter | None:
        matches = [prefix for prefix in self._stand_ins if url.lower().startswith(prefix.lower())]
        return self._stand_ins[max(matches, key=len)] if matches else None

    def _read(self, response: requests.Response, call: OutboundCall, url: str) -> bytes:
        cap = self.policy.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(
                f"the answer announces {int(declared)} bytes, more than the {cap} accepted", url=url
            )
        if response.raw is None:  # a stand-in adapter that built the body itself
            body = response.content or b""
            if len(body) > cap:
                raise ResponseTooLarge(
                    f"the answer is larger than the {cap} bytes accepted", url=url
                )
            return body
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(CHUNK_BYTES):
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(
                    f"the answer is larger than the {cap} bytes accepted", url=url
                )
            chunks.append(chunk)
            if call.expired:
                break
        return b"".join(chunks)


def _transport_error(
    error: requests.RequestException | OSError, call: OutboundCall, seconds: float, url: str
) -> OutboundError:
    """What a failure below HTTP means: the deadline ran out (the socket was shut down by it,
    or requests' own timeout fired), or the platform could not be reached."""
    if call.expired or call.remaining() <= 0 or isinstance(error, requests.Timeout):
        return DeadlineExceeded(f"no complete answer within {seconds:g} s", url=url)
    return Unreachable(f"{type(error).__name__}: {error}", url=url)
