"""The public verification page: valid, revoked, unknown; nothing more about the learner;
rate-limited against enumeration."""

from __future__ import annotations

import pytest

from lti_tool import db
from lti_tool.certificates import codes
from lti_tool.certificates.issuing import issue_if_eligible, revoke
from lti_tool.certificates.views import VERIFY_LIMIT
from tests.integration.certificates import factories


@pytest.fixture
def issued(app, clock):
    """Two certificates: one valid (Ana), one revoked (Ben). Returns their codes."""
    with app.app_context():
        session = db.session()
        now = clock.now()
        version = factories.make_assessment(session, now)
        deployment = factories.make_platform(session, now)
        placement = factories.make_placement(session, deployment, now)
        ana = factories.make_learner(session, deployment, now, "Ana Pérez")
        ben = factories.make_learner(session, deployment, now, "Ben Okafor")
        for who in (ana, ben):
            factories.finish_attempt(session, version, placement.id, who.id, 90.0, now)
        valid = issue_if_eligible(session, placement.id, ana.id, now=now)
        revoked = issue_if_eligible(session, placement.id, ben.id, now=now)
        revoke(session, revoked.code, reason="Impersonation", now=clock.advance(days=10))
        session.commit()
        return valid.code, revoked.code


def test_a_valid_code_shows_name_course_and_date(client, issued):
    valid, _ = issued
    response = client.get(f"/verify/{codes.display(valid)}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-verification="valid"' in page
    assert "Ana Pérez" in page and factories.COURSE in page and "November 23, 2026" in page
    assert factories.TITLES["en"] in page
    assert (
        "90" not in page.split('data-verification="valid"')[1].split("</dl>")[0]
    )  # no score, nothing else
    assert '<meta name="robots" content="noindex">' in page


def test_codes_are_read_the_way_people_type_them(client, issued):
    valid, _ = issued
    assert client.get(f"/verify/{valid.lower()}").status_code == 200
    response = client.get(
        "/verify", query_string={"code": " " + codes.display(valid).lower() + " "}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/verify/{codes.display(valid)}"
    )


def test_a_revoked_code_says_revoked_and_not_whose(client, issued):
    _, revoked = issued
    response = client.get(f"/verify/{codes.display(revoked)}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-verification="revoked"' in page
    assert "December 3, 2026" in page  # revoked ten days after issue
    assert "Ben Okafor" not in page and "Impersonation" not in page


def test_an_unknown_code_is_unknown(client, issued):
    response = client.get("/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    assert response.status_code == 404 and 'data-verification="unknown"' in response.get_data(
        as_text=True
    )
    response = client.get("/verify/not-a-code")
    assert response.status_code == 404 and 'data-verification="unknown"' in response.get_data(
        as_text=True
    )


def test_a_malformed_code_typed_in_the_form_is_explained(client, issued):
    response = client.get("/verify", query_string={"code": "12345"})
    page = response.get_data(as_text=True)
    assert (
        response.status_code == 400
        and "16 letters and digits" in page
        and 'aria-invalid="true"' in page
    )
    empty = client.get("/verify")
    assert empty.status_code == 200 and '<label for="code">' in empty.get_data(as_text=True)


def test_the_page_speaks_the_requested_or_the_browsers_language(client, issued):
    valid, _ = issued
    page = client.get(f"/verify/{codes.display(valid)}", query_string={"lang": "tr"}).get_data(
        as_text=True
    )
    assert '<html lang="tr">' in page and "23 Kasım 2026" in page and factories.TITLES["tr"] in page
    page = client.get(
        f"/verify/{codes.display(valid)}", headers={"Accept-Language": "es-MX,es;q=0.9"}
    ).get_data(as_text=True)
    assert '<html lang="es">' in page and "23 de noviembre de 2026" in page


def test_look_ups_are_rate_limited_per_client(client, issued):
    valid, _ = issued
    for n in range(VERIFY_LIMIT):
        assert client.get(f"/verify/{codes.new_code()}").status_code == 404, n
    response = client.get(f"/verify/{codes.display(valid)}")
    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    other = client.get(
        f"/verify/{codes.display(valid)}", environ_overrides={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert other.status_code == 200  # another client has its own budget
