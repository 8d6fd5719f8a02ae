"""The interface speaks the launch's language (launch_presentation.locale)."""

from __future__ import annotations

from html import unescape

import pytest

from lti_tool import db
from tests.support.signed_launches import FakeMoodle, launch, register


@pytest.mark.parametrize(
    "locale, start_button",
    [
        ("en", "Start the assessment"),
        ("es", "Comenzar la evaluación"),
        ("fr", "Commencer l'évaluation"),
        ("tr", "Değerlendirmeyi başlat"),
        ("id", "Mulai penilaian"),
        ("es_MX", "Comenzar la evaluación"),
    ],
)
def test_learner_home_is_in_the_launch_language(app, clock, locale, start_button):
    from item_bank.demo import load_demo_content

    moodle = FakeMoodle()
    register(app, moodle)
    with app.app_context():
        load_demo_content(db.session(), now=clock.now())
        db.session().commit()
    client = app.test_client()
    response, _ = launch(
        client, moodle, clock.now().timestamp(), locale=locale, custom={"assessment": "emm2-final"}
    )
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert f'<html lang="{locale[:2]}">' in page
    assert start_button in unescape(page)
