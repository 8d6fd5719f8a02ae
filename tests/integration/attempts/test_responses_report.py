"""The responses report (issue 15): one row per attempt, one column per question with points
and answers, filters, sorting, a score histogram (server-side SVG) and the same as CSV."""

from __future__ import annotations

import csv
import io

from lti_tool.attempts.models import Attempt
from lti_tool.attempts.responses_report import histogram
from tests.integration.attempts.test_learner_flow import answers_for


def _submitted(app, person, right: int) -> None:
    person.start()
    for position, response in answers_for(app, person, right=right):
        assert person.save(position, response).status_code == 200
    assert person.submit().status_code == 303


def test_rows_columns_filters_sorting_and_csv(app, make_assessment, learner_of, instructor_of):
    slug = make_assessment()
    ana = learner_of(slug, sub="4")
    _submitted(app, ana, right=4)  # 100 %
    ben = learner_of(slug, sub="5")
    _submitted(app, ben, right=1)  # 25 %
    cy = learner_of(slug, sub="6")
    cy.start()  # in progress: only with status=all
    teacher = instructor_of(slug)

    page = teacher.get("/instructor/responses")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.count('id="response-row-') == 2
    assert '<th scope="col">Q4</th>' in text and "IOM" in text  # the short answer typed
    assert 'id="score-histogram"' in text and 'role="img"' in text
    assert "20–30 %: 1" in text and "90–100 %: 1" in text

    everyone = teacher.get("/instructor/responses", status="all").get_data(as_text=True)
    assert everyone.count('id="response-row-') == 3
    passed = teacher.get("/instructor/responses", outcome="passed").get_data(as_text=True)
    assert passed.count('id="response-row-') == 1

    ordered = teacher.get("/instructor/responses", sort="score", order="desc")
    body = ordered.get_data(as_text=True)
    assert body.index("100 %") < body.index("25 %")

    junk = teacher.get("/instructor/responses", sort="<script>", status="x")
    assert junk.status_code == 200  # unknown filters read as the defaults

    exported = teacher.get("/instructor/responses.csv", sort="score", order="asc")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["learner", "email", "attempt"] and "q4_answer" in rows[0]
    assert [row[6] for row in rows[1:]] == ["25.0", "100.0"]


def test_learners_cannot_read_the_responses(app, make_assessment, learner_of):
    ana = learner_of(make_assessment())
    assert ana.get("/instructor/responses").status_code == 403
    assert ana.get("/instructor/responses.csv").status_code == 403


def test_the_histogram_counts_submitted_scores_in_bands_of_ten():
    def attempt(score, status="submitted"):
        return Attempt(status=status, score_percent=score)

    counts = histogram(
        [attempt(0), attempt(9.99), attempt(10), attempt(100), attempt(95), attempt(None, "void")]
    )
    assert counts == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
