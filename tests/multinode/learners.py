"""A learner as the browser drives the service, every request through the proxy: the launch
through the real LTI platform (OIDC login, form_post of the signed id_token), then start,
answers, heartbeats, submit, result and certificate. Each request's status and the node that
answered it (nginx's X-Upstream header) are recorded; an answer counts as acknowledged only
on a 200, as attempt.js counts it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

ATTEMPT_URL = re.compile(r"/assessment/attempts/(\d+)/questions/\d+")
SITTING_ATTR = re.compile(r'data-sitting="([^"]+)"')
RETRIED = {502, 503}  # what the page's autosave retries on its own (a 500 it does not)
RETRY_SECONDS = 120.0  # a backstop while a node or a server comes back, not a measurement
# A connection refused or cut mid-answer: what a browser sees of a node killed while it answers.
BROKEN = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action")
        elif tag == "input" and attributes.get("name"):
            self.fields[str(attributes["name"])] = attributes.get("value") or ""


@dataclass
class Call:
    what: str
    status: int
    node: str
    retry_after: str | None


def loopback_browser() -> requests.Session:
    """requests never sends `Secure` cookies over http; browsers do on loopback hosts (secure
    contexts), and the tool sets its login binding cookie Secure there: act like a browser."""
    browser = requests.Session()

    def unsecure(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        for cookie in browser.cookies:
            cookie.secure = False

    browser.hooks["response"].append(unsecure)
    return browser


@dataclass
class Learner:
    sub: str
    proxy: str
    http: requests.Session = field(default_factory=loopback_browser)
    token: str = ""
    attempt_id: int = 0
    sitting: str = ""
    calls: list[Call] = field(default_factory=list)
    acknowledged: dict[int, dict[str, Any]] = field(default_factory=dict)
    answers: dict[int, dict[str, Any]] = field(default_factory=dict)  # as the page would post

    # -- one request through the proxy, recorded --
    def call(self, what: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 120)
        try:
            response = self.http.request(method, urljoin(self.proxy, url), **kwargs)
        except BROKEN:
            self.calls.append(Call(what, 0, "", None))
            raise
        self.calls.append(
            Call(
                what,
                response.status_code,
                response.headers.get("X-Upstream", ""),
                response.headers.get("Retry-After"),
            )
        )
        return response

    def until_through(self, send: Callable[[], requests.Response]) -> requests.Response:
        """Send again while the answer is one the page retries (a node or a server away)."""
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            try:
                response = send()
            except BROKEN:
                # The node died while answering (SIGKILL mid-response): nothing was
                # acknowledged, and the page's autosave sends the same again.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
                continue
            if response.status_code not in RETRIED or time.monotonic() > deadline:
                return response
            time.sleep(0.2)  # the page's retry pause; nothing asserts on time

    # -- the LTI launch through the platform --
    def login(self, platform: Any, slug: str) -> requests.Response:
        """The platform's launch starter, then the tool's OIDC login (302 to the platform)."""
        start = self.http.get(
            platform.launch_url("learner", user_id=self.sub, custom_assessment=slug),
            allow_redirects=False,
            timeout=60,
        )
        assert start.status_code == 302, start.text
        return self.call("login", "GET", start.headers["Location"])

    def launch(self, platform: Any, slug: str) -> None:
        login = self.login(platform, slug)
        assert login.status_code == 302, (login.status_code, login.text[:300])
        auth = self.http.get(login.headers["Location"], allow_redirects=False, timeout=60)
        form = _Form()
        form.feed(auth.text)
        assert form.action and "id_token" in form.fields, auth.text[:300]
        launched = self.call("launch", "POST", form.action, data=form.fields)
        assert launched.status_code == 303, (launched.status_code, launched.text)
        self.token = parse_qs(urlsplit(launched.headers["Location"]).query)["lt"][0]

    # -- the attempt --
    def start(self) -> None:
        started = self.until_through(
            lambda: self.call("start", "POST", "/assessment/attempts", data={"lt": self.token})
        )
        assert started.status_code == 303, (started.status_code, started.text[:300])
        location = started.headers["Location"]
        match = ATTEMPT_URL.search(location)
        assert match, location
        self.attempt_id = int(match.group(1))
        self.sitting = parse_qs(urlsplit(location).query)["s"][0]

    def _json_headers(self) -> dict[str, str]:
        return {
            "X-Launch-Token": self.token,
            "X-Sitting": self.sitting,
            "Accept": "application/json",
        }

    def save_once(self, position: int, response: dict[str, Any]) -> requests.Response:
        sent = self.call(
            "answer",
            "POST",
            f"/assessment/attempts/{self.attempt_id}/questions/{position}/answer",
            json={"response": response},
            headers=self._json_headers(),
        )
        if sent.status_code == 200:
            self.acknowledged[position] = response
        return sent

    def save(self, position: int, response: dict[str, Any]) -> requests.Response:
        return self.until_through(lambda: self.save_once(position, response))

    def heartbeat_once(self) -> requests.Response:
        return self.call(
            "heartbeat",
            "POST",
            f"/assessment/attempts/{self.attempt_id}/heartbeat",
            headers=self._json_headers(),
        )

    def heartbeat(self) -> requests.Response:
        return self.until_through(self.heartbeat_once)

    def page_once(self, position: int = 1) -> requests.Response:
        page = self.call(
            "page",
            "GET",
            f"/assessment/attempts/{self.attempt_id}/questions/{position}",
            params={"lt": self.token, "s": self.sitting},
        )
        found = SITTING_ATTR.search(page.text)
        if page.status_code == 200 and found:
            self.sitting = found.group(1)  # each page load hands the tab a fresh sitting key
        return page

    def submit(self) -> requests.Response:
        return self.until_through(
            lambda: self.call(
                "submit",
                "POST",
                f"/assessment/attempts/{self.attempt_id}/submit",
                data={"lt": self.token, "s": self.sitting},
            )
        )

    def result(self) -> requests.Response:
        return self.until_through(
            lambda: self.call(
                "result",
                "GET",
                f"/assessment/attempts/{self.attempt_id}/result",
                params={"lt": self.token},
            )
        )

    def certificate(self) -> requests.Response:
        """The certificate page, then its PDF: the first download issues the certificate."""
        page = self.until_through(
            lambda: self.call("certificate", "GET", "/certificate", params={"lt": self.token})
        )
        if page.status_code != 200:
            return page
        return self.until_through(
            lambda: self.call("certificate", "GET", "/certificate.pdf", params={"lt": self.token})
        )

    def nodes_in_a_row(self) -> list[str]:
        return [call.node for call in self.calls if call.node]
