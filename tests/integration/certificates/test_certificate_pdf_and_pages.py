"""Learners' certificate pages and PDF through signed launches, in every language."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from sqlalchemy import func, select

from lti_tool import db
from lti_tool.certificates import codes
from lti_tool.certificates.models import Certificate
from tests.integration.certificates import factories

DATES = {
    "en": "November 23, 2026",
    "es": "23 de noviembre de 2026",
    "fr": "23 novembre 2026",
    "tr": "23 Kasım 2026",
    "id": "23 November 2026",
}
NAMES = {
    "en": "Sam Student",
    "es": "María José Núñez",
    "fr": "Françoise Lefèvre-Château",
    "tr": "Şükrü Ğüneş İnce Iğdırlı",
    "id": "Siti Nurhaliza Putri",
}


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def certificates(app) -> list[Certificate]:
    with app.app_context():
        rows = db.session().scalars(select(Certificate).order_by(Certificate.id)).all()
        db.session().expunge_all()  # keep them readable after the app context ends
        return rows


@pytest.mark.parametrize("language", ["en", "es", "fr", "tr", "id"])
def test_the_pdf_holds_name_course_date_and_code_in_the_learners_language(
    app, client, launch_as, finish, language
):
    who = launch_as(locale=language, name=NAMES[language])
    finish(who, 85.0)
    response = client.get("/certificate.pdf", query_string={"lt": who.token})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [certificate] = certificates(app)
    assert (
        f'filename="certificate-{codes.display(certificate.code)}.pdf"'
        in response.headers["Content-Disposition"]
    )
    text = pdf_text(response.data)
    assert NAMES[language] in text
    assert factories.COURSE in text
    assert DATES[language] in text
    assert codes.display(certificate.code) in text
    assert factories.TITLES[language] in text
    assert f"http://tool.test/verify/{codes.display(certificate.code)}" in text
    assert "E-Campus" in text  # the platform's name as issuer
    assert pypdf.PdfReader(io.BytesIO(response.data)).trailer["/Root"]["/Lang"] == language


def test_another_language_can_be_chosen_and_the_certificate_stays_the_same(
    app, client, launch_as, finish
):
    who = launch_as(locale="en")
    finish(who, 90.0)
    english = pdf_text(client.get("/certificate.pdf", query_string={"lt": who.token}).data)
    turkish = pdf_text(
        client.get("/certificate.pdf", query_string={"lt": who.token, "lang": "tr"}).data
    )
    [certificate] = certificates(app)
    assert DATES["en"] in english and DATES["tr"] in turkish and factories.TITLES["tr"] in turkish
    assert codes.display(certificate.code) in english and codes.display(certificate.code) in turkish
    ignored = pdf_text(
        client.get("/certificate.pdf", query_string={"lt": who.token, "lang": "xx"}).data
    )
    assert DATES["en"] in ignored


def test_the_score_is_printed_unless_the_assessment_hides_it(app, client, launch_as, finish, clock):
    who = launch_as(locale="fr")
    finish(who, 87.5)
    assert "87,5" in pdf_text(client.get("/certificate.pdf", query_string={"lt": who.token}).data)
    from lti_tool.forms.attachments import set_completion_options

    with app.app_context():
        set_completion_options(
            db.session(), "emm2-final", now=clock.now(), certificate_shows_score=False
        )
        db.session().commit()
    assert "87,5" not in pdf_text(
        client.get("/certificate.pdf", query_string={"lt": who.token}).data
    )


def test_no_pass_no_certificate_and_no_link(app, client, launch_as, finish):
    who = launch_as()
    response = client.get("/certificate.pdf", query_string={"lt": who.token})
    assert response.status_code == 403 and b"no certificate yet" in response.data
    page = client.get("/certificate", query_string={"lt": who.token}).get_data(as_text=True)
    assert "data-certificate-link" not in page

    finish(who, 60.0)
    assert client.get("/certificate.pdf", query_string={"lt": who.token}).status_code == 403
    page = client.get("/certificate", query_string={"lt": who.token}).get_data(as_text=True)
    assert "data-certificate-link" not in page and "70%" in page  # tells the pass mark
    assert certificates(app) == []

    finish(who, 75.0)
    page = client.get("/certificate", query_string={"lt": who.token}).get_data(as_text=True)
    assert "data-certificate-link" in page and "/certificate.pdf?lt=" in page
    assert certificates(app) == []  # deserved; issued at the first download
    assert client.get("/certificate.pdf", query_string={"lt": who.token}).status_code == 200
    page = client.get("/certificate", query_string={"lt": who.token}).get_data(as_text=True)
    [certificate] = certificates(app)
    assert codes.display(certificate.code) in page


def test_without_a_launch_there_is_nothing(client, version):
    assert client.get("/certificate.pdf").status_code == 401
    assert client.get("/certificate.pdf", query_string={"lt": "forged.1.x"}).status_code == 401


def test_a_learner_without_a_shared_name_is_told_why(app, client, launch_as, finish):
    who = launch_as(name="")
    finish(who, 95.0)
    response = client.get("/certificate.pdf", query_string={"lt": who.token})
    assert response.status_code == 403 and b"did not share your name" in response.data
    assert certificates(app) == []


def test_a_revoked_certificate_cannot_be_downloaded(app, client, launch_as, finish, clock, runner):
    who = launch_as()
    finish(who, 95.0)
    assert client.get("/certificate.pdf", query_string={"lt": who.token}).status_code == 200
    [certificate] = certificates(app)
    result = runner.invoke(
        args=["certificates", "revoke", codes.display(certificate.code), "--reason", "Fraud"]
    )
    assert result.exit_code == 0, result.output
    assert "REVOKED" in result.output
    response = client.get("/certificate.pdf", query_string={"lt": who.token})
    assert response.status_code == 403 and b"revoked" in response.data
    assert (
        runner.invoke(
            args=["certificates", "revoke", "0000-0000-0000-0000", "--reason", "x"]
        ).exit_code
        == 1
    )
    assert (
        runner.invoke(args=["certificates", "revoke", codes.display(certificate.code)]).exit_code
        == 2
    )


def test_required_forms_then_the_certificate_is_issued_on_submission(
    app, client, launch_as, finish, forms
):
    forms(("emm2-course-evaluation", True))
    who = launch_as(locale="es")
    finish(who, 80.0)
    response = client.get("/certificate.pdf", query_string={"lt": who.token})
    assert response.status_code == 403
    page = client.get("/certificate", query_string={"lt": who.token}).get_data(as_text=True)
    assert "data-certificate-link" not in page and "Evaluación del curso" in page

    form_page = client.get("/forms/emm2-course-evaluation", query_string={"lt": who.token})
    html = form_page.get_data(as_text=True)
    assert form_page.status_code == 200 and "Los objetivos del curso eran claros." in html
    assert 'name="q:objectives-clear"' in html and 'name="lt"' in html

    # Missing answers: the page comes back with an error summary and what was typed.
    response = client.post(
        "/forms/emm2-course-evaluation",
        data={"lt": who.token, "q:objectives-clear": "5", "q:improve": "Más ejemplos"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="error-summary"' in html and "Más ejemplos" in html
    assert (
        'href="#a-recommend-0"' in html and 'id="e-recommend"' in html
    )  # summary links to the question
    assert 'aria-describedby="e-recommend"' in html and 'id="e-improve"' not in html
    assert certificates(app) == []

    answers = {
        "lt": who.token,
        **{
            f"q:{k}": v
            for k, v in {
                "objectives-clear": "5",
                "content-relevant": "4",
                "materials-quality": "4",
                "assessment-fair": "3",
                "recommend": "5",
                "liked-most": "Los estudios de caso",
            }.items()
        },
    }
    response = client.post("/forms/emm2-course-evaluation", data=answers)
    assert (
        response.status_code == 303
        and "/forms/emm2-course-evaluation/done" in response.headers["Location"]
    )
    [_certificate] = certificates(app)  # issued with the submission, not later
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-certificate-link" in done

    again = client.post("/forms/emm2-course-evaluation", data=answers)
    assert (
        again.status_code == 303
    )  # already submitted: shown the thank-you page, nothing stored twice
    with app.app_context():
        from lti_tool.forms.models import FormSubmission

        assert db.session().scalar(select(func.count()).select_from(FormSubmission)) == 1


def test_posting_a_form_without_the_launch_token_is_refused(client, launch_as, finish, forms):
    forms(("emm2-course-evaluation", True))
    who = launch_as()
    finish(who, 80.0)
    response = client.post("/forms/emm2-course-evaluation", data={"q:objectives-clear": "5"})
    assert response.status_code == 401


def test_unknown_and_closed_forms(client, launch_as, finish, forms):
    forms(("emm2-entry-questionnaire", False), ("emm2-course-evaluation", False))
    who = launch_as(locale="tr")
    assert client.get("/forms/nope", query_string={"lt": who.token}).status_code == 404
    page = client.get("/forms", query_string={"lt": who.token}).get_data(as_text=True)
    assert "Giriş anketi" in page and "Kurs değerlendirmesi" in page
    assert (
        client.get("/forms/emm2-course-evaluation", query_string={"lt": who.token}).status_code
        == 403
    )
    assert (
        client.get("/forms/emm2-entry-questionnaire", query_string={"lt": who.token}).status_code
        == 200
    )
    finish(who, 50.0)
    assert (
        client.get("/forms/emm2-entry-questionnaire", query_string={"lt": who.token}).status_code
        == 403
    )
    response = client.post(
        "/forms/emm2-entry-questionnaire", data={"lt": who.token, "q:flagship": "a"}
    )
    assert response.status_code == 403


def test_the_learner_partial_renders_for_other_pages(app, launch_as, finish, forms):
    """The attempts results page includes certificates/_learner_link.html: it shows the link
    only when the certificate is deserved, computing the state only when rendered."""
    from flask import g, render_template_string

    from lti_tool.launch.sessions import current_launch

    who = launch_as()
    template = '{% include "certificates/_learner_link.html" ignore missing %}'

    def render() -> str:
        with app.test_request_context("/", query_string={"lt": who.token}):
            current_launch()
            out = render_template_string(template)
            assert "certificate_state" in g  # computed once, cached for the request
            return out

    assert "data-certificate-link" not in render()
    finish(who, 60.0)
    assert (
        "data-certificate-link" not in render()
        and 'data-certificate-status="not_passed"' in render()
    )
    finish(who, 100.0)
    assert "data-certificate-link" in render()
    with app.test_request_context("/"):
        assert render_template_string(template).strip() == ""  # no launch: nothing, no error


def test_the_certificate_page_is_not_computed_unless_a_template_asks(app, launch_as):
    from flask import g, render_template_string

    from lti_tool.launch.sessions import current_launch

    who = launch_as()
    with app.test_request_context("/", query_string={"lt": who.token}):
        current_launch()
        render_template_string("<p>{{ launch.user.display_name }}</p>")
        assert "certificate_state" not in g


def test_verification_url_and_code_appear_on_the_certificate_page(app, client, launch_as, finish):
    who = launch_as()
    finish(who, 90.0)
    client.get("/certificate.pdf", query_string={"lt": who.token})
    page = client.get("/certificate", query_string={"lt": who.token}).get_data(as_text=True)
    [certificate] = certificates(app)
    assert re.search(rf"http://tool.test/verify/{codes.display(certificate.code)}", page)
    for language in ("es", "fr", "tr", "id"):
        assert f"lang={language}" in page
