"""The roster page over HTTP, on both backends, against a stand-in Moodle membership service
(Moodle 4.5's shape, two pages): every learner of the course with their status, including one
who never launched; cached until refreshed; the platform's failures as a 502 that says what to
do; a learner's token gets 403; a list cut at a bound says so, and one too large is not cached."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import insert, select

from lti_tool import db
from lti_tool.attempts.models import IN_PROGRESS, Attempt
from lti_tool.launch.claims import NRPS
from lti_tool.launch.models import LtiUser, Placement
from lti_tool.roster import nrps as nrps_module
from lti_tool.roster import service
from tests.support.analysis_seeding import import_ten_items, seed_attempts
from tests.support.signed_launches import ISSUER, FakeMoodle, launch, register

MEMBERSHIPS = ISSUER + "/mod/lti/services.php/CourseSection/2/bindings/1/memberships"


class StandInMoodle(requests.adapters.BaseAdapter):
    """Moodle's token endpoint and a membership list served in two pages; `status` breaks
    the list on demand. Every URL asked is in `calls`."""

    def __init__(self) -> None:
        super().__init__()
        self.members: list[dict] = []
        self.calls: list[str] = []
        self.status = 200

    def send(self, request, **kwargs):
        self.calls.append(request.url)
        response = requests.Response()
        response.url = request.url
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        if request.url.endswith("/token.php"):
            body: object = {"access_token": "t", "token_type": "Bearer", "expires_in": 3600}
        else:
            response.status_code = self.status
            half = len(self.members) // 2
            second = request.url.endswith("?page=2")
            body = {
                "id": MEMBERSHIPS,
                "members": self.members[half:] if second else self.members[:half],
            }
            if not second:
                response.headers["Link"] = f'<{MEMBERSHIPS}?page=2>; rel="next"'
        response._content = json.dumps(body).encode()
        return response

    def close(self):
        pass


def member(sub: str, name: str, role: str = "Learner") -> dict:
    return {
        "status": "Active",
        "roles": [role],
        "user_id": sub,
        "name": name,
        "email": f"{sub}@example.org",
    }


@pytest.fixture
def fake_moodle(app):
    fake = FakeMoodle()
    register(app, fake)
    return fake


@pytest.fixture
def nrps(app):
    stand_in = StandInMoodle()
    http = app.extensions["emm_services"].http
    for path in ("/mod/lti/token.php", "/mod/lti/services.php"):  # the key set stays FakeMoodle's
        http.mount(ISSUER + path, stand_in)
    return stand_in


@pytest.fixture
def slug(app, tmp_path, clock):
    return import_ten_items(app, tmp_path, clock.now())


def token_of(app, fake_moodle, clock, slug, *, role="Instructor", sub="99", url=MEMBERSHIPS):
    def with_nrps(claims):
        if url:
            claims[NRPS] = {"context_memberships_url": url, "service_versions": ["2.0"]}

    response, _token = launch(
        app.test_client(),
        fake_moodle,
        clock.now().timestamp(),
        role=role,
        sub=sub,
        custom={"assessment": slug},
        claims_edit=with_nrps,
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]


def get(app, token, path="/instructor/roster/"):
    return app.test_client().get(path, query_string={"lt": token})


def _course(app, clock, slug, nrps):
    """Passed (all right), not passed (all wrong), in progress, never launched, a teacher."""
    seed_attempts(app, slug, [("en", [True] * 10), ("es", [False] * 10)], clock.now())
    with app.app_context(), db.session_scope() as session:
        passed, failed = session.scalars(
            select(LtiUser).where(LtiUser.sub != "99").order_by(LtiUser.id)
        ).all()[-2:]
        busy = LtiUser(
            platform_id=passed.platform_id, sub="busy", name="Bea Busy", updated_at=clock.now()
        )
        session.add(busy)
        session.flush()
        placement = session.scalars(select(Placement)).one()
        session.execute(
            insert(Attempt).values(
                placement_id=placement.id,
                user_id=busy.id,
                assessment_version_id=session.scalar(
                    select(Attempt.assessment_version_id).limit(1)
                ),
                number=1,
                seed=1,
                status=IN_PROGRESS,
                sitting_key="k",
                started_at=clock.now(),
                last_activity_at=clock.now(),
                last_answer_or_page_at=clock.now(),
                inactivity_timeout_seconds=600,
                max_points=10.0,
            )
        )
        subs = passed.sub, failed.sub
    nrps.members = [
        member(subs[0], "Ana Passed"),
        member(subs[1], "Bruno Failed"),
        member("busy", "Bea Busy"),
        member("never", "Nadia Never"),
        member("99", "Terry Teacher", role="Instructor"),
    ]


def _status_of(html: str, name: str) -> str:
    row = html[html.index(name) :]
    row = row[: row.index("</tr>")]
    return row


def test_every_learner_with_their_status(app, fake_moodle, nrps, clock, slug):
    token = token_of(app, fake_moodle, clock, slug)
    _course(app, clock, slug, nrps)
    page = get(app, token)
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert "Passed" in _status_of(html, "Ana Passed") and "100 %" in _status_of(html, "Ana Passed")
    assert "Not passed yet" in _status_of(html, "Bruno Failed")
    assert "In progress" in _status_of(html, "Bea Busy")
    assert "Not started" in _status_of(html, "Nadia Never")
    assert "Terry Teacher" not in html.split('id="roster-table"')[1]
    assert sum(1 for url in nrps.calls if "memberships" in url) == 2  # both pages


def test_cached_until_refreshed(app, fake_moodle, nrps, clock, slug):
    token = token_of(app, fake_moodle, clock, slug)
    nrps.members = [member("1", "Ana"), member("2", "Bruno")]
    assert "Ana" in get(app, token).get_data(as_text=True)
    nrps.members.append(member("3", "Carla"))
    asked = len(nrps.calls)
    assert "Carla" not in get(app, token).get_data(as_text=True)
    assert len(nrps.calls) == asked
    clock.advance(seconds=31)
    refreshed = app.test_client().post("/instructor/roster/refresh", data={"lt": token})
    assert refreshed.status_code == 303
    assert "Carla" in get(app, token).get_data(as_text=True)
    nrps.members.append(member("4", "Dario"))
    app.test_client().post("/instructor/roster/refresh", data={"lt": token})
    assert "Dario" not in get(app, token).get_data(as_text=True)  # refreshed seconds ago
    clock.advance(seconds=31)
    app.test_client().post("/instructor/roster/refresh", data={"lt": token})
    assert "Dario" in get(app, token).get_data(as_text=True)


def test_without_the_service_the_learners_who_launched(app, fake_moodle, nrps, clock, slug):
    token = token_of(app, fake_moodle, clock, slug, url=None)
    token_of(app, fake_moodle, clock, slug, role="Learner", sub="4")
    html = get(app, token).get_data(as_text=True)
    assert 'id="roster-not-offered"' in html and "Sam Student" in html
    assert nrps.calls == []


def test_platform_failures_say_what_to_do(app, fake_moodle, nrps, clock, slug):
    nrps.status = 403
    token = token_of(app, fake_moodle, clock, slug)
    page = get(app, token)
    assert page.status_code == 502
    assert "Names and Role Provisioning" in page.get_data(as_text=True)
    elsewhere = token_of(app, fake_moodle, clock, slug, url="https://elsewhere.example/members")
    asked = len(nrps.calls)
    page = get(app, elsewhere)
    assert page.status_code == 502 and len(nrps.calls) == asked


def test_a_learner_gets_403(app, fake_moodle, nrps, clock, slug):
    token = token_of(app, fake_moodle, clock, slug, role="Learner", sub="4")
    assert get(app, token).status_code == 403
    assert (
        app.test_client().post("/instructor/roster/refresh", data={"lt": token}).status_code == 403
    )
    assert nrps.calls == []


def test_roster_is_linked_from_the_placement_page(app, fake_moodle, nrps, clock, slug):
    token = token_of(app, fake_moodle, clock, slug)
    html = get(app, token, "/instructor").get_data(as_text=True)
    assert 'id="roster-link"' in html and 'id="item-analysis-link"' in html


def _cached_roster(app) -> str | None:
    with app.app_context(), db.session_scope() as session:
        placement_id = session.scalars(select(Placement.id)).one()
    return app.extensions["emm_services"].store.get(f"roster:{placement_id}")


def test_a_cut_list_says_so_even_from_the_cache(app, fake_moodle, nrps, clock, slug, monkeypatch):
    monkeypatch.setattr(nrps_module, "MAX_MEMBERS", 3)
    token = token_of(app, fake_moodle, clock, slug)
    nrps.members = [member(str(n), f"Person {n}") for n in range(1, 5)]
    html = get(app, token).get_data(as_text=True)
    assert 'id="roster-cut"' in html and "more than 3 course members" in html
    assert "Person 3" in html and "Person 4" not in html
    asked = len(nrps.calls)
    assert 'id="roster-cut"' in get(app, token).get_data(as_text=True)
    assert len(nrps.calls) == asked and 'id="roster-not-cached"' not in html


def test_a_roster_too_large_is_not_cached(app, fake_moodle, nrps, clock, slug, monkeypatch):
    token = token_of(app, fake_moodle, clock, slug)
    nrps.members = [member("1", "Ana"), member("2", "Bruno")]
    assert "Ana" in get(app, token).get_data(as_text=True) and _cached_roster(app) is not None
    monkeypatch.setattr(service, "MAX_CACHED_BYTES", 200)
    clock.advance(seconds=31)
    app.test_client().post("/instructor/roster/refresh", data={"lt": token})
    assert _cached_roster(app) is None  # nor the older, smaller list
    asked = len(nrps.calls)
    html = get(app, token).get_data(as_text=True)
    assert 'id="roster-not-cached"' in html and "Bruno" in html
    assert len(nrps.calls) > asked  # asked again: nothing kept
