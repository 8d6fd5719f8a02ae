"""Instructor pages: evaluation aggregates (anonymous by default), CSV, knowledge change on known
data."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from lti_tool import db
from lti_tool.forms.attachments import attached_forms, set_completion_options
from lti_tool.forms.knowledge_report import (
    AFTER_FINAL_ASSESSMENT,
    AFTER_FINAL_QUESTIONNAIRE,
    knowledge_report,
)
from lti_tool.forms.reports import form_report
from lti_tool.forms.submissions import submit_form
from lti_tool.launch.models import Placement
from tests.integration.certificates import factories

# Three learners' course evaluations (values on the 1..5 agreement scale).
EVALUATIONS = {
    "Ana Pérez": {
        "objectives-clear": "5",
        "content-relevant": "4",
        "materials-quality": "5",
        "assessment-fair": "4",
        "recommend": "5",
        "improve": '=HYPERLINK("http://evil")',
    },
    "Ben Okafor": {
        "objectives-clear": "4",
        "content-relevant": "4",
        "materials-quality": "3",
        "assessment-fair": "2",
        "recommend": "4",
        "liked-most": "Case studies",
    },
    "Cem Yılmaz": {
        "objectives-clear": "5",
        "content-relevant": "2",
        "materials-quality": "4",
        "assessment-fair": "4",
        "recommend": "3",
        "liked-most": "Açık ve net anlatım",
    },
}
# Entry questionnaire answers: flagship a, approach b, frameworks a, components b are right.
ENTRY = {
    "Ana Pérez": {
        "self-rating": "1",
        "flagship": "a",
        "approach": "a",
        "frameworks": "b",
        "components": "a",
    },  # 25
    "Ben Okafor": {
        "self-rating": "2",
        "flagship": "a",
        "approach": "b",
        "frameworks": "b",
        "components": "a",
    },  # 50
    "Cem Yılmaz": {
        "self-rating": "3",
        "flagship": "a",
        "approach": "b",
        "frameworks": "a",
        "components": "b",
    },  # 100
}
FINAL_SCORES = {"Ana Pérez": 85.0, "Ben Okafor": 70.0, "Cem Yılmaz": 90.0, "Dewi Lestari": 75.0}


@pytest.fixture
def cohort(app, clock, moodle, version, launch_as):
    """A placement (through a real launch, so instructor pages work) with four learners."""
    instructor = launch_as("Instructor", sub="900")
    with app.app_context():
        session = db.session()
        now = clock.now()
        factories.load_forms(session, now)
        factories.attach(session, now, "emm2-course-evaluation", required=True)
        factories.attach(session, now, "emm2-entry-questionnaire")
        placement = session.get(Placement, instructor.placement_id)
        deployment = placement.deployment
        learners = {
            name: factories.make_learner(session, deployment, now, name) for name in FINAL_SCORES
        }
        for name, answers in ENTRY.items():
            submit_form(
                session, placement, learners[name].id, "emm2-entry-questionnaire", answers, now=now
            )
        for name, score in FINAL_SCORES.items():
            factories.finish_attempt(
                session,
                session.get(type(version), version.id),
                placement.id,
                learners[name].id,
                score,
                clock.now(),
            )
        for name, answers in EVALUATIONS.items():
            submit_form(
                session, placement, learners[name].id, "emm2-course-evaluation", answers, now=now
            )
        session.commit()
    return instructor


def test_aggregates_count_each_answer_per_question(app, cohort):
    with app.app_context():
        session = db.session()
        placement = session.get(Placement, cohort.placement_id)
        form = next(
            f for f in attached_forms(session, "emm2-final") if f.slug == "emm2-course-evaluation"
        )
        report = form_report(session, placement.id, form, anonymous=False)
    assert report.submissions == 3 and not report.withheld  # no minimum group when named
    by_id = {s.question.id: s for s in report.questions}
    clear = by_id["objectives-clear"]
    assert [(v.value, v.count) for v in clear.counts] == [(1, 0), (2, 0), (3, 0), (4, 1), (5, 2)]
    assert (
        clear.answered == 3
        and clear.mean == pytest.approx(4.67)
        and clear.counts[4].percent == 66.7
    )
    assert by_id["content-relevant"].mean == pytest.approx(3.33)
    assert by_id["liked-most"].comments == (
        "Açık ve net anlatım",
        "Case studies",
    )  # alphabetical, no names
    assert by_id["improve"].answered == 1
    assert [r.name for r in report.respondents] == ["Ana Pérez", "Ben Okafor", "Cem Yılmaz"]


def test_three_anonymous_evaluations_show_no_answers_and_no_names(client, cohort):
    # Below the minimum group size (tests/integration/certificates/test_small_group_privacy.py
    # has the rule at and around it).
    response = client.get(
        "/instructor/forms/emm2-course-evaluation", query_string={"lt": cohort.token}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 more submissions are needed" in page
    assert "Case studies" not in page and 'class="chart"' not in page
    for name in ("Ana Pérez", "Ben Okafor", "Cem Yılmaz"):
        assert name not in page
    assert (
        client.get(
            "/instructor/forms/emm2-course-evaluation/responses.csv",
            query_string={"lt": cohort.token},
        ).status_code
        == 403
    )


def test_names_beside_answers_only_when_the_assessment_says_so(app, client, cohort, clock):
    with app.app_context():
        set_completion_options(
            db.session(), "emm2-final", now=clock.now(), answers_beside_names=True
        )
        db.session().commit()
    page = client.get(
        "/instructor/forms/emm2-course-evaluation", query_string={"lt": cohort.token}
    ).get_data(as_text=True)
    assert "Ana Pérez" in page and "Answers by learner" in page
    response = client.get(
        "/instructor/forms/emm2-course-evaluation/responses.csv", query_string={"lt": cohort.token}
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["name", "objectives-clear", "content-relevant"]
    assert ["Ana Pérez", "5", "4", "5", "4", "5", "", '\'=HYPERLINK("http://evil")'] in rows


def test_summary_csv_has_counts_and_defused_comments(app, client, cohort, clock):
    with app.app_context():  # named, so three submissions are enough to export
        set_completion_options(
            db.session(), "emm2-final", now=clock.now(), answers_beside_names=True
        )
        db.session().commit()
    response = client.get(
        "/instructor/forms/emm2-course-evaluation/report.csv", query_string={"lt": cohort.token}
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    five = next(r for r in rows if r["question_id"] == "objectives-clear" and r["value"] == "5")
    assert (five["count"], five["percent"], five["answered"], five["label"]) == (
        "2",
        "66.7",
        "3",
        "Strongly agree",
    )
    comment = next(r for r in rows if r["question_id"] == "improve")
    assert comment["comment"] == '\'=HYPERLINK("http://evil")'


def test_knowledge_change_on_known_data(app, cohort):
    with app.app_context():
        session = db.session()
        report = knowledge_report(session, session.get(Placement, cohort.placement_id))
    assert report.after_source == AFTER_FINAL_ASSESSMENT
    rows = {r.name: (r.before, r.after, r.change) for r in report.learners}
    assert rows == {
        "Ana Pérez": (25.0, 85.0, 60.0),
        "Ben Okafor": (50.0, 70.0, 20.0),
        "Cem Yılmaz": (100.0, 90.0, -10.0),
        "Dewi Lestari": (None, 75.0, None),
    }
    c = report.cohort
    assert (c.learners, c.paired, c.with_before, c.with_after) == (4, 3, 3, 4)
    assert (c.mean_before, c.mean_after, c.mean_change, c.median_change) == (58.3, 81.7, 23.3, 20.0)
    assert (c.improved, c.unchanged, c.declined) == (2, 0, 1)


def test_the_knowledge_page_and_csv(client, cohort):
    response = client.get("/instructor/knowledge", query_string={"lt": cohort.token})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="knowledge-chart-t"' in page
    assert "Ana Pérez" in page and ">+60<" in page and ">-10<" in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/instructor/knowledge.csv", query_string={"lt": cohort.token})
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert rows[0] == [
        "name",
        "before_percent",
        "after_percent",
        "change_points",
        "normalised_gain",
    ]
    assert ["Ana Pérez", "25.0", "85.0", "60.0", "0.8"] in rows
    assert ["Dewi Lestari", "", "75.0", "", ""] in rows


def test_a_final_questionnaire_is_the_after_measure_when_attached(app, clock, cohort):
    with app.app_context():
        session = db.session()
        factories.make_assessment(session, clock.now(), slug="tendencias-latam-final")
        factories.attach(
            session, clock.now(), "tendencias-latam-entry", slug="tendencias-latam-final"
        )
        factories.attach(
            session,
            clock.now(),
            "tendencias-latam-final-questionnaire",
            slug="tendencias-latam-final",
        )
        placement = session.get(Placement, cohort.placement_id)
        placement.assessment_slug = "tendencias-latam-final"
        learner = factories.make_learner(session, placement.deployment, clock.now(), "Lucía Gómez")
        levels = ["tendencias", "marcos-globales", "gobernanza-local", "indicadores"]
        submit_form(
            session,
            placement,
            learner.id,
            "tendencias-latam-entry",
            {**dict.fromkeys(levels, "2"), "expectativas": "Aprender"},
            now=clock.now(),
        )
        version = factories.make_assessment(session, clock.now(), slug="tendencias-latam-final")
        factories.finish_attempt(session, version, placement.id, learner.id, 40.0, clock.now())
        submit_form(
            session,
            placement,
            learner.id,
            "tendencias-latam-final-questionnaire",
            {**dict.fromkeys(levels, "4"), "satisfaccion": "4"},
            now=clock.now(),
        )
        report = knowledge_report(session, placement)
        session.rollback()
    assert report.after_source == AFTER_FINAL_QUESTIONNAIRE
    [row] = report.learners
    assert (row.before, row.after, row.change) == (
        25.0,
        75.0,
        50.0,
    )  # levels 2 -> 4 on 1..5; not the 40 % score


def test_instructor_pages_are_for_staff_only(client, cohort, launch_as):
    learner = launch_as(sub="77")
    for path in (
        "/instructor/forms",
        "/instructor/forms/emm2-course-evaluation",
        "/instructor/knowledge",
        "/instructor/knowledge.csv",
        "/instructor/forms/emm2-course-evaluation/report.csv",
        "/instructor/certificates",
    ):
        assert client.get(path, query_string={"lt": learner.token}).status_code == 403, path
        assert client.get(path).status_code == 401, path


def test_the_overview_lists_forms_with_counts(client, cohort):
    page = client.get("/instructor/forms", query_string={"lt": cohort.token}).get_data(as_text=True)
    assert "Course evaluation" in page and "Entry questionnaire" in page
    assert "<td>3</td>" in page  # evaluations and entry questionnaires submitted
    assert (
        client.get(
            "/instructor/forms/emm2-self-assessment", query_string={"lt": cohort.token}
        ).status_code
        == 404
    )


def test_the_certificate_list_for_instructors(app, client, cohort, clock):
    from lti_tool.certificates.issuing import issue_if_eligible
    from lti_tool.launch.models import LtiUser

    with app.app_context():
        session = db.session()
        ana = session.scalar(select(LtiUser).where(LtiUser.name == "Ana Pérez"))
        certificate = issue_if_eligible(session, cohort.placement_id, ana.id, now=clock.now())
        session.commit()
        code = certificate.code
    page = client.get("/instructor/certificates", query_string={"lt": cohort.token}).get_data(
        as_text=True
    )
    assert "Ana Pérez" in page and code[:4] in page and "Valid" in page
