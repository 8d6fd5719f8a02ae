"""The authoring area (issue 11): upload -> report -> confirm, list, preview, settings, archive;
staff of allowed platforms only."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from item_bank.catalog import latest_version
from item_bank.models import Assessment, AssessmentVersion, MediaFile
from lti_tool import db
from tests.integration.authoring.conftest import IMAGE_SLUG, WITH_IMAGE

UPLOAD_TOKEN = re.compile(r'name="upload" value="([^"]+)"')


def _count(app, model) -> int:
    with app.app_context(), db.session_scope() as session:
        return session.scalar(select(func.count()).select_from(model))


def _upload(person, data: bytes, name: str):
    return person.client.post(
        f"/authoring/uploads?lt={person.token}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_shows_the_report_then_imports_on_confirmation(app, author):
    checked = _upload(author, WITH_IMAGE.read_bytes(), "geo.xml")

    page = checked.get_data(as_text=True)
    assert checked.status_code == 200, page
    assert "1 assessment(s), 1 question(s); 0 error(s)" in page
    assert _count(app, Assessment) == 0 and _count(app, MediaFile) == 0  # nothing stored yet
    token = UPLOAD_TOKEN.search(page).group(1)

    done = author.post("/authoring/uploads/confirm", {"upload": token})

    assert done.status_code == 200, done.get_data(as_text=True)
    assert "version 1 published" in done.get_data(as_text=True)
    assert _count(app, Assessment) == 1 and _count(app, MediaFile) == 1
    again = author.post("/authoring/uploads/confirm", {"upload": token})
    assert again.status_code == 404  # an upload is imported once


def test_a_bad_file_is_reported_and_nothing_is_kept(app, author):
    bad = WITH_IMAGE.read_bytes().replace(b'alt="Map with', b'title="Map with')

    checked = _upload(author, bad, "geo.xml")

    assert checked.status_code == 400
    assert "text alternative" in checked.get_data(as_text=True)
    assert not UPLOAD_TOKEN.search(checked.get_data(as_text=True))
    assert _count(app, Assessment) == 0 and _count(app, MediaFile) == 0


def test_the_report_speaks_the_launch_language(allow_authors, instructor_of):
    allow_authors()
    author = instructor_of(None, locale="es")
    bad = WITH_IMAGE.read_bytes().replace(b'alt="Map with', b'title="Map with')

    page = unescape(_upload(author, bad, "geo.xml").get_data(as_text=True))

    assert (
        '<span lang="es">Una imagen no tiene texto alternativo (alt): descríbala para los '
        "participantes que no pueden verla (en el editor de Moodle: Descripción de la "
        "imagen).</span>"
    ) in page
    assert "text alternative" not in page


def test_an_upload_is_confirmed_only_by_the_launch_that_sent_it(app, author, instructor_of):
    token = UPLOAD_TOKEN.search(
        _upload(author, WITH_IMAGE.read_bytes(), "geo.xml").get_data(as_text=True)
    ).group(1)
    other = instructor_of(None, sub="77")

    assert other.post("/authoring/uploads/confirm", {"upload": token}).status_code == 404
    assert other.post("/authoring/uploads/confirm", {"upload": "../../etc"}).status_code == 404
    assert _count(app, Assessment) == 0


@pytest.mark.usefixtures("image_assessment")
def test_the_list_shows_versions_and_missing_translations(author):
    page = author.get("/authoring/").get_data(as_text=True)

    assert IMAGE_SLUG in page
    row = page[page.index(f'id="assessment-{IMAGE_SLUG}"') :].split("</tr>")[0]
    # en and es complete; fr, tr, id lack the one question
    assert [int(n) for n in re.findall(r"<td>(\d+)</td>", row)][1:] == [0, 0, 1, 1, 1]


def test_preview_in_spanish_shows_the_picture_and_the_key(author, image_assessment):
    page = author.get(f"/authoring/assessments/{IMAGE_SLUG}/items/q1", lang="es")

    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "¿Qué región aparece sombreada en azul en el mapa?" in text
    assert f'<img src="/media/{image_assessment}" alt="Map with a blue square' in text
    assert "El cuadrado" in text and "a correct answer" in text


def test_settings_publish_a_new_version_and_bad_values_say_why(app, author, image_assessment):
    base = f"/authoring/assessments/{IMAGE_SLUG}/settings"
    fields = {
        "pass_mark_percent": "80",
        "inactivity_timeout_minutes": "15",
        "time_limit_minutes": "",
        "max_attempts": "",
        "retake_delay_minutes": "0",
        "review": "full",
        "draw-maps": "1",
    }

    bad = author.post(base, {**fields, "pass_mark_percent": "120", "draw-maps": "5"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "pass_mark_percent" in body and "Draws 5 items but the pool has only 1" in body
    assert _count(app, AssessmentVersion) == 1

    done = author.post(base, fields)

    assert done.status_code == 303
    with app.app_context(), db.session_scope() as session:
        version = latest_version(session, IMAGE_SLUG)
        assert (version.number, version.pass_mark_percent, version.review_policy) == (
            2,
            80,
            "full",
        )
        assert version.inactivity_timeout_seconds == 900


def test_archive_hides_the_assessment_from_new_activities(app, author, image_assessment):
    assert author.post(f"/authoring/assessments/{IMAGE_SLUG}/archive").status_code == 303

    from item_bank.catalog import list_assessments

    with app.app_context(), db.session_scope() as session:
        assert list_assessments(session) == []
        assert len(list_assessments(session, include_archived=True)) == 1


@pytest.mark.usefixtures("image_assessment")
def test_learners_and_staff_of_other_platforms_get_403(app, learner_of, instructor_of, moodle):
    learner = learner_of(IMAGE_SLUG)
    staff_not_allowed = instructor_of(None)
    pages = [
        ("get", "/authoring/"),
        ("get", f"/authoring/assessments/{IMAGE_SLUG}"),
        ("get", f"/authoring/assessments/{IMAGE_SLUG}/items/q1"),
        ("post", "/authoring/uploads/confirm"),
        ("post", f"/authoring/assessments/{IMAGE_SLUG}/settings"),
        ("post", f"/authoring/assessments/{IMAGE_SLUG}/archive"),
    ]
    for person in (learner, staff_not_allowed):
        for method, path in pages:
            response = getattr(person, method)(path)
            assert response.status_code == 403, (method, path)
        assert _upload(person, WITH_IMAGE.read_bytes(), "geo.xml").status_code == 403
    assert _count(app, AssessmentVersion) == 1


def test_publishing_keeps_an_attempt_in_progress_on_its_version(
    app, author, image_assessment, learner_of
):
    from tests.integration.attempts.conftest import attempt_rows

    learner = learner_of(IMAGE_SLUG)
    learner.start()
    started_on = attempt_rows(app, learner.attempt_id).assessment_version_id
    fields = {
        "pass_mark_percent": "50",
        "inactivity_timeout_minutes": "10",
        "retake_delay_minutes": "0",
        "review": "full",
        "draw-maps": "1",
    }

    assert author.post(f"/authoring/assessments/{IMAGE_SLUG}/settings", fields).status_code == 303

    assert learner.question(1).status_code == 200
    assert attempt_rows(app, learner.attempt_id).assessment_version_id == started_on
    learner.submit()
    learner.start()
    assert attempt_rows(app, learner.attempt_id).assessment_version_id != started_on
    with app.app_context(), db.session_scope() as session:  # the old version stays readable
        assert session.get(AssessmentVersion, started_on).number == 1


def test_staff_pages_link_to_authoring_only_for_allowed_platforms(
    instructor_of, allow_authors, image_assessment
):
    before = instructor_of(IMAGE_SLUG, sub="50")
    assert 'id="authoring-link"' not in before.get("/instructor").get_data(as_text=True)

    allow_authors()
    after = instructor_of(IMAGE_SLUG, sub="51")
    page = after.get("/instructor").get_data(as_text=True)
    assert 'id="authoring-link"' in page
