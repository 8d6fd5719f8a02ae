"""Signed launches into one placement of `emm2-final`, on both backends, and row helpers."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from item_bank.models import AssessmentVersion
from lti_tool import db
from lti_tool.launch import tokens
from lti_tool.launch.models import LaunchSession
from tests.integration.certificates import factories
from tests.support.signed_launches import FakeMoodle, launch, register


@dataclass
class Launched:
    token: str
    user_id: int
    placement_id: int


@pytest.fixture
def moodle(app):
    fake = FakeMoodle()
    register(app, fake)
    return fake


@pytest.fixture
def version(app, clock):
    """The assessment `emm2-final` (pass mark 70) with its title in every language."""
    with app.app_context():
        session = db.session()
        made = factories.make_assessment(session, clock.now())
        session.commit()
        return made


@pytest.fixture
def launch_as(app, client, moodle, clock, version):
    """launch_as(role="Learner", sub="4", locale="en", name="Sam Student") -> Launched."""

    def do(
        role: str = "Learner", *, sub: str = "4", locale: str = "en", name: str | None = None
    ) -> Launched:
        def edit(claims: dict) -> None:
            if name is not None:
                claims["name"] = name
                if not name:
                    claims.pop("given_name", None)
                    claims.pop("family_name", None)

        response, _ = launch(
            client,
            moodle,
            clock.now().timestamp(),
            role=role,
            sub=sub,
            locale=locale,
            custom={"assessment": "emm2-final"},
            claims_edit=edit,
        )
        assert response.status_code == 303, response.get_data(as_text=True)
        token = parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]
        with app.app_context():
            row = db.session().get(
                LaunchSession, tokens.read(app.config["SECRET_KEY"], token, clock.now())
            )
            return Launched(token, row.user_id, row.placement_id)

    return do


@pytest.fixture
def finish(app, clock, version):
    """finish(launched, percent) -> attempt id: a submitted attempt and the best score."""

    def do(who: Launched, percent: float) -> int:
        with app.app_context():
            session = db.session()
            attempt = factories.finish_attempt(
                session,
                session.get(AssessmentVersion, version.id),
                who.placement_id,
                who.user_id,
                percent,
                clock.now(),
            )
            session.commit()
            return attempt.id

    return do


@pytest.fixture
def forms(app, clock, version):
    """forms(("emm2-course-evaluation", True), ...): import the shipped forms and attach these."""

    def do(*attachments: tuple[str, bool]) -> None:
        with app.app_context():
            session = db.session()
            factories.load_forms(session, clock.now())
            for slug, required in attachments:
                factories.attach(session, clock.now(), slug, required=required)
            session.commit()

    return do
