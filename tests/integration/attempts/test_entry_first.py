"""The entry questionnaire comes first (issue 15): the home page leads to it, and starting
without it asks for a confirmation, because finishing an attempt closes it for good. The
forms and certificate pages lead back to the assessment."""

from __future__ import annotations

import re

import pytest

from item_bank.forms import FORMS_DIR
from lti_tool import db
from lti_tool.forms.attachments import attach_form
from lti_tool.forms.publishing import import_forms

ENTRY = "emm2-entry-questionnaire"
BEFORE_START = "/assessment/before-you-start"


@pytest.fixture
def with_entry(app, clock, make_assessment):
    """An assessment with the shipped entry questionnaire attached: its slug."""
    slug = make_assessment()
    with app.app_context(), db.session_scope() as session:
        assert import_forms(session, FORMS_DIR, now=clock.now()).ok
        attach_form(session, slug, ENTRY, required=False, now=clock.now())
    return slug


def _entry_answers(person) -> dict[str, str]:
    """Every question of the entry questionnaire answered with its first choice."""
    page = person.get(f"/forms/{ENTRY}").get_data(as_text=True)
    answers: dict[str, str] = {}
    for name, value in re.findall(r'type="radio"[^>]*name="([^"]+)" value="([^"]+)"', page):
        answers.setdefault(name, value)
    assert answers, "the entry questionnaire shows no choices"
    return answers


def test_home_leads_to_the_entry_questionnaire_first(with_entry, learner_of):
    page = learner_of(with_entry).home().get_data(as_text=True)
    assert 'id="first-steps"' in page
    link = re.search(r'id="first-step-entry_questionnaire" href="([^"]+)"', page)
    assert link and f"/forms/{ENTRY}" in link.group(1) and "lt=" in link.group(1)
    # The start button is still there, but no longer the main action.
    assert re.search(r'id="start-attempt" class="secondary"', page)
    assert page.index('id="first-steps"') < page.index('id="start-attempt"')


def test_starting_with_the_entry_questionnaire_open_asks_first(with_entry, learner_of):
    ana = learner_of(with_entry)
    response = ana.post("/assessment/attempts")
    assert response.status_code == 303
    assert BEFORE_START in response.headers["Location"]
    assert ana.attempt_id is None
    page = ana.get(BEFORE_START).get_data(as_text=True)
    assert 'id="entry-will-close"' in page and "closes for good" in page
    assert f"/forms/{ENTRY}" in page and 'id="back-to-assessment"' in page
    assert re.search(r'name="without_first_steps" value="1"', page)
    # Confirmed: the attempt starts.
    started = ana.post("/assessment/attempts", {"without_first_steps": "1"})
    assert started.status_code == 303
    assert re.search(r"/assessment/attempts/\d+/questions/1", started.headers["Location"])


def test_after_the_entry_questionnaire_starting_asks_nothing(with_entry, learner_of):
    ana = learner_of(with_entry)
    sent = ana.post(f"/forms/{ENTRY}", _entry_answers(ana))
    assert sent.status_code in (200, 303), sent.get_data(as_text=True)
    page = ana.home().get_data(as_text=True)
    assert 'id="first-steps"' not in page
    assert 'id="start-attempt">' in page  # the main action again
    assert ana.get(BEFORE_START).status_code == 303  # nothing left to confirm
    ana.start()
    assert ana.attempt_id is not None


def test_without_an_entry_questionnaire_nothing_changes(make_assessment, learner_of):
    ana = learner_of(make_assessment())
    assert 'id="first-steps"' not in ana.home().get_data(as_text=True)
    ana.start()
    assert ana.attempt_id is not None


@pytest.mark.parametrize("path", [f"/forms/{ENTRY}", "/forms", "/certificate"])
def test_forms_and_certificate_pages_lead_back_to_the_assessment(with_entry, learner_of, path):
    ana = learner_of(with_entry)
    response = ana.get(path)
    assert response.status_code == 200
    back = re.search(r'href="([^"]+)" id="back-to-assessment"', response.get_data(as_text=True))
    assert back, "no way back to the assessment"
    assert back.group(1).startswith("/assessment?") and f"lt={ana.token}" in back.group(1)


def test_the_thank_you_page_leads_back_to_the_assessment(with_entry, learner_of):
    ana = learner_of(with_entry)
    sent = ana.post(f"/forms/{ENTRY}", _entry_answers(ana))
    if sent.status_code == 303:
        sent = ana.client.get(sent.headers["Location"])
    assert 'id="back-to-assessment"' in sent.get_data(as_text=True)
