"""Flag a question for later and confirm before the final submit (issue 15, parity with
Moodle's quiz), over HTTP on both backends: the no-script form posts and the JSON endpoint."""

from __future__ import annotations

from tests.integration.attempts.conftest import attempt_rows


def _flags(app, person) -> dict[int, bool]:
    return {q.position: q.flagged for q in attempt_rows(app, person.attempt_id).questions}


def test_a_flag_set_by_the_form_post_survives_a_reload_and_shows_on_the_review(
    app, make_assessment, learner_of
):
    ana = learner_of(make_assessment())
    ana.start()
    ana.question(2)
    flagged = ana.answer_form(2, go="flag", text="IOM")
    assert flagged.status_code == 303 and "/questions/2" in flagged.headers["Location"]
    assert _flags(app, ana) == {1: False, 2: True, 3: False, 4: False}
    page = ana.question(2).get_data(as_text=True)
    assert 'id="flag-toggle"' in page and 'aria-pressed="true"' in page
    assert "Question 2, not answered, flagged for later" in page or (
        "Question 2, answered, flagged for later" in page
    )
    review = ana.get(f"/assessment/attempts/{ana.attempt_id}/review", s=ana.sitting)
    ana.pick_up_sitting(review)
    text = review.get_data(as_text=True)
    assert 'id="review-flag-2"' in text and 'id="review-flag-1"' not in text
    ana.question(2)
    assert ana.answer_form(2, go="unflag").status_code == 303
    assert not any(_flags(app, ana).values())


def test_the_script_flags_through_json_and_a_stale_tab_is_refused(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    ana.start()
    url = f"/assessment/attempts/{ana.attempt_id}/questions/3/flag"
    headers = {"X-Launch-Token": ana.token, "X-Sitting": ana.sitting, "Accept": "application/json"}
    response = ana.client.post(url, data={"flagged": "1"}, headers=headers)
    assert response.status_code == 200 and response.get_json() == {"flagged": True, "position": 3}
    assert _flags(app, ana)[3] is True
    stale = dict(headers, **{"X-Sitting": "not-this-tab"})
    assert ana.client.post(url, data={"flagged": "0"}, headers=stale).status_code == 409
    assert _flags(app, ana)[3] is True
    missing = f"/assessment/attempts/{ana.attempt_id}/questions/99/flag"
    assert ana.client.post(missing, data={"flagged": "1"}, headers=headers).status_code == 404


def test_another_learner_cannot_flag_someone_elses_attempt(app, make_assessment, learner_of):
    slug = make_assessment()
    ana, ben = learner_of(slug), learner_of(slug, sub="5")
    ana.start()
    url = f"/assessment/attempts/{ana.attempt_id}/questions/1/flag"
    headers = {"X-Launch-Token": ben.token, "X-Sitting": ana.sitting}
    assert ben.client.post(url, data={"flagged": "1"}, headers=headers).status_code == 404
    assert not any(_flags(app, ana).values())


def test_submit_asks_first_on_a_page_of_its_own_without_the_script(
    app, make_assessment, learner_of
):
    ana = learner_of(make_assessment())
    ana.start()
    ana.answer_form(1, go="flag")
    review = ana.get(f"/assessment/attempts/{ana.attempt_id}/review", s=ana.sitting)
    ana.pick_up_sitting(review)
    page = review.get_data(as_text=True)
    assert 'id="submit-form"' in page and 'method="get"' in page and 'id="submit-dialog"' in page
    confirm = ana.get(f"/assessment/attempts/{ana.attempt_id}/submit", s=ana.sitting)
    ana.pick_up_sitting(confirm)
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "<h1" in text and 'id="confirm-submit"' in text
    assert 'id="confirm-unanswered"' in text and "4 questions are not answered" in text
    assert 'id="confirm-flagged"' in text and "You flagged 1 question for later." in text
    assert attempt_rows(app, ana.attempt_id).status == "in_progress"  # asking submits nothing
    done = ana.submit()
    assert done.status_code == 303 and "/result" in done.headers["Location"]
    assert attempt_rows(app, ana.attempt_id).status == "submitted"
    # Once submitted, the question page leads to the result.
    again = ana.get(f"/assessment/attempts/{ana.attempt_id}/submit", s=ana.sitting)
    assert again.status_code == 303 and "/result" in again.headers["Location"]


BANDS = [
    {"min_percent": 0, "text": {"en": "Review the modules.", "es": "Repase los módulos."}},
    {"min_percent": 50, "text": {"en": "Halfway there.", "es": "A mitad de camino."}},
    {"min_percent": 100, "text": {"en": "Perfect."}},
]


def test_the_result_page_shows_the_feedback_of_the_band_the_score_reaches(
    app, make_assessment, learner_of
):
    from tests.integration.attempts.test_learner_flow import answers_for

    slug = make_assessment(feedback_bands=BANDS)
    ana = learner_of(slug, locale="es")
    ana.start()
    for position, response in answers_for(app, ana, right=2):  # 2 of 4 right: 50 %
        assert ana.save(position, response).status_code == 200
    ana.submit()
    page = ana.result().get_data(as_text=True)
    assert 'id="overall-feedback"' in page and "A mitad de camino." in page
    assert 'lang="es"' in page and "Repase" not in page and "Perfect." not in page
    ben = learner_of(slug, sub="5", locale="es")
    ben.start()
    for position, response in answers_for(app, ben, right=4):
        ben.save(position, response)
    ben.submit()
    text = ben.result().get_data(as_text=True)
    assert "Perfect." in text and '<div lang="en">' in text  # no Spanish text: the fallback


def test_without_bands_the_result_page_has_no_overall_feedback(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    ana.start()
    ana.submit()
    assert 'id="overall-feedback"' not in ana.result().get_data(as_text=True)
