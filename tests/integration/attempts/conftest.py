"""Learners and instructors driving the tool over HTTP (Flask test client), on both backends."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest

from lti_tool import db
from lti_tool.attempts.answer_tokens import ANSWER, OPTION, PROMPT
from tests.support.attempt_content import publish
from tests.support.signed_launches import FakeMoodle, launch, register

ATTEMPT_URL = re.compile(r"/assessment/attempts/(\d+)/questions/(\d+)")
SITTING_ATTR = re.compile(r'data-sitting="([^"]+)"')


@pytest.fixture
def moodle(app):
    fake = FakeMoodle()
    register(app, fake)
    return fake


@pytest.fixture
def make_assessment(app, tmp_path, clock):
    """make_assessment(time_limit_minutes=30, ...) -> slug of a published 4-question assessment."""

    def make(**rules) -> str:
        with app.app_context(), db.session_scope() as session:
            return publish(session, tmp_path, clock.now(), **rules).assessment.slug

    return make


@dataclass
class Person:
    """A browser tab of one launched person: its own cookie-less client and launch token."""

    app: object
    token: str
    client: object = None
    attempt_id: int | None = None
    sitting: str | None = None
    pages: list = field(default_factory=list)
    _tokens: dict = field(default_factory=dict)

    def __post_init__(self):
        self.client = self.app.test_client(use_cookies=False)

    def tab(self) -> Person:
        """Another tab of the same launch (same token, no sitting yet)."""
        return Person(self.app, self.token)

    # -- plain page requests --
    def get(self, path: str, **query):
        return self.client.get(path, query_string={"lt": self.token, **query})

    def post(self, path: str, data=None, **kwargs):
        return self.client.post(path, data={"lt": self.token, **(data or {})}, **kwargs)

    def home(self):
        return self.get("/assessment")

    def start(self):
        response = self.post("/assessment/attempts")
        assert response.status_code == 303, response.get_data(as_text=True)
        self.follow(response.headers["Location"])
        return response

    def follow(self, location: str) -> None:
        """Take the attempt id and sitting from a redirect (the browser would load that page)."""
        match = ATTEMPT_URL.search(location)
        if match:
            self.attempt_id = int(match.group(1))
            self.sitting = parse_qs(urlsplit(location).query)["s"][0]

    def question(self, position: int, sitting: str | None = None):
        response = self.get(
            f"/assessment/attempts/{self.attempt_id}/questions/{position}",
            s=sitting or self.sitting,
        )
        self.pick_up_sitting(response)
        return response

    def pick_up_sitting(self, response) -> None:
        """Each page load hands the tab a fresh sitting key (attempt.js keeps it): so do we."""
        found = SITTING_ATTR.search(response.get_data(as_text=True))
        if response.status_code == 200 and found:
            self.sitting = found.group(1)

    def answer_form(self, position: int, go: str = "next", **fields):
        """Post the question's form, `fields` named with authored ids (choice="b",
        pair-p1="p2") as the test knows them; sent as the page's tokens."""
        return self.answer_form_as_posted(position, go, **self.page_fields(position, fields))

    def answer_form_as_posted(self, position: int, go: str = "next", **fields):
        return self.post(
            f"/assessment/attempts/{self.attempt_id}/questions/{position}",
            {"s": self.sitting, "go": go, **fields},
        )

    # -- the page's tokens (lti_tool/attempts/answer_tokens.py) --
    def tokens(self, position: int):
        """The tokens the question page shows this attempt (the test knows the secret)."""
        key = (self.attempt_id, position)
        if key not in self._tokens:
            from lti_tool.attempts.answer_tokens import AnswerTokens

            question = attempt_rows(self.app, self.attempt_id).questions[position - 1]
            self._tokens[key] = AnswerTokens(self.app.config["SECRET_KEY"]).of_question(
                self.attempt_id, position, question.item_version
            )
        return self._tokens[key]

    def as_posted(self, position: int, response: dict) -> dict:
        """A response in authored ids as the page posts it; what is not an id of the
        question (junk, on purpose) goes as it is."""
        tokens = self.tokens(position)
        mapped = dict(response)
        try:
            return tokens.disguise_response(mapped)
        except KeyError:
            return mapped

    def page_fields(self, position: int, fields: dict) -> dict:
        tokens, out = self.tokens(position), {}
        for name, value in fields.items():
            if name == "choice":
                out[name] = _or_same(tokens, OPTION, value)
            elif name == "choices":
                out[name] = [_or_same(tokens, OPTION, v) for v in value]
            elif name.startswith("pair-"):
                out["pair-" + _or_same(tokens, PROMPT, name[5:])] = _or_same(tokens, ANSWER, value)
            else:
                out[name] = value
        return out

    # -- what attempt.js sends --
    def _headers(self, sitting=None):
        return {
            "X-Launch-Token": self.token,
            "X-Sitting": sitting or self.sitting,
            "Accept": "application/json",
        }

    def save(self, position: int, response: dict, sitting: str | None = None):
        """Autosave a response given in authored ids (as the test knows the key)."""
        return self.save_as_posted(position, self.as_posted(position, response), sitting)

    def save_as_posted(self, position: int, response, sitting: str | None = None):
        """Autosave exactly `response`, as a script could send it."""
        return self.client.post(
            f"/assessment/attempts/{self.attempt_id}/questions/{position}/answer",
            json={"response": response},
            headers=self._headers(sitting),
        )

    def save_form(self, position: int, sitting: str | None = None, **fields):
        return self.client.post(
            f"/assessment/attempts/{self.attempt_id}/questions/{position}/answer",
            data=fields,
            headers=self._headers(sitting),
        )

    def heartbeat(self, sitting: str | None = None):
        return self.client.post(
            f"/assessment/attempts/{self.attempt_id}/heartbeat", headers=self._headers(sitting)
        )

    def submit(self, sitting: str | None = None):
        return self.post(
            f"/assessment/attempts/{self.attempt_id}/submit", {"s": sitting or self.sitting}
        )

    def result(self, attempt_id: int | None = None):
        return self.get(f"/assessment/attempts/{attempt_id or self.attempt_id}/result")


def _or_same(tokens, role: str, authored_id):
    try:
        return tokens.token(role, authored_id)
    except KeyError:
        return authored_id


def launch_person(
    app,
    client,
    moodle,
    clock,
    *,
    slug: str | None,
    role: str = "Learner",
    sub: str = "4",
    locale: str = "en",
) -> Person:
    custom = {"assessment": slug} if slug else {}
    response, _token = launch(
        client, moodle, clock.now().timestamp(), role=role, sub=sub, custom=custom, locale=locale
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    token = parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]
    return Person(app, token)


@pytest.fixture
def learner_of(app, client, moodle, clock):
    """learner_of(slug, sub="4", locale="en") -> a launched learner."""

    def make(slug, **kwargs) -> Person:
        return launch_person(app, client, moodle, clock, slug=slug, **kwargs)

    return make


@pytest.fixture
def instructor_of(app, client, moodle, clock):
    def make(slug, **kwargs) -> Person:
        return launch_person(
            app,
            client,
            moodle,
            clock,
            slug=slug,
            role="Instructor",
            sub=kwargs.pop("sub", "99"),
            **kwargs,
        )

    return make


def attempt_rows(app, attempt_id: int):
    """The attempt and its questions as committed (a fresh session: what another reader sees)."""
    from lti_tool.attempts.service import attempt_with_questions

    with app.app_context():
        session = app.extensions["emm_sessionmaker"]()
        try:
            attempt = attempt_with_questions(session, attempt_id)
            for q in attempt.questions:
                q.item_version  # noqa: B018 - load before the session closes
            return attempt
        finally:
            session.close()
