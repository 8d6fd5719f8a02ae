"""Course members from NRPS: Moodle's shape, paging through Link rel="next", a 401 retried with
a fresh token, the URLs the client refuses to send the platform's token to, and the bounds of a
listing (members, bytes, pages, time) a hostile platform's endless pages run into."""

from __future__ import annotations

import json

import pytest
from werkzeug.wrappers import Response

from lti_tool.grades import failures
from lti_tool.grades.ags_errors import AgsError
from lti_tool.roster import nrps as nrps_module
from lti_tool.roster.members import MAX_ROLES, Member, member_from, members_from
from lti_tool.roster.nrps import MEMBERSHIPS_MEDIA_TYPE, NrpsClient
from tests.support.http_stub import serve
from tests.unit.grades.test_ags_client import KEY, LOOPBACK, access, token_route

MOODLE_MEMBERS = [  # as Moodle 4.5 answers (a captured membership container)
    {
        "status": "Active",
        "roles": ["Learner"],
        "user_id": "4",
        "name": "Sam Student",
        "given_name": "Sam",
        "family_name": "Student",
        "email": "student1@example.com",
    },
    {"status": "Active", "roles": ["Instructor"], "user_id": "3", "name": "Terry Teacher"},
]


def client(clock) -> NrpsClient:
    return NrpsClient(
        LOOPBACK, clock, timeout=2.0, signing_key=lambda: KEY, client_id_holders=lambda a: [a]
    )


def container(members, next_url=None, status=200):
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    body = {"id": "x", "context": {"id": "2"}, "members": members}
    return Response(
        json.dumps(body), status=status, mimetype=MEMBERSHIPS_MEDIA_TYPE, headers=headers
    )


def test_members_in_moodles_shape():
    members = members_from(MOODLE_MEMBERS)
    assert [(m.user_id, m.is_learner, m.is_active) for m in members] == [
        ("4", True, True),
        ("3", False, True),
    ]
    assert members[0].display_name == "Sam Student"


def test_full_role_uris_missing_ids_and_repeats():
    uri = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
    assert member_from({"user_id": 9, "roles": [uri], "given_name": "Ana"}).is_learner
    assert member_from({"roles": ["Learner"]}) is None
    assert member_from("junk") is None
    twice = members_from([{"user_id": "1", "name": "A"}, {"user_id": "1", "name": "B"}])
    assert [m.name for m in twice] == ["B"]
    inactive = member_from({"user_id": "2", "status": "Inactive", "roles": ["Learner"]})
    assert inactive.is_learner and not inactive.is_active


def test_pages_are_followed_with_one_token(clock):
    tokens = []

    def first(request, stub):
        assert request.headers["Accept"] == MEMBERSHIPS_MEDIA_TYPE
        return container(MOODLE_MEMBERS[:1], next_url=stub.url + "/memberships/2?p=2")

    def second(request, stub):
        return container(MOODLE_MEMBERS[1:])

    routes = {
        ("POST", "/mod/lti/token.php"): token_route(tokens),
        ("GET", "/memberships"): first,
        ("GET", "/memberships/2"): second,
    }
    with serve(routes) as stub:
        found = client(clock).memberships(access(stub.url), stub.url + "/memberships")
    assert [m.user_id for m in found.members] == ["4", "3"] and found.cut is None
    assert len(tokens) == 1 and tokens[0]["scope"].endswith("contextmembership.readonly")
    auth = [headers["Authorization"] for _m, path, headers, _b in stub.requests if "member" in path]
    assert auth == ["Bearer tok1", "Bearer tok1"]


def test_a_refused_token_is_replaced_once(clock):
    tokens, calls = [], []

    def members(request, stub):
        calls.append(request.headers["Authorization"])
        return container(MOODLE_MEMBERS) if len(calls) > 1 else Response("", status=401)

    routes = {("POST", "/mod/lti/token.php"): token_route(tokens), ("GET", "/m"): members}
    with serve(routes) as stub:
        assert len(client(clock).memberships(access(stub.url), stub.url + "/m").members) == 2
    assert calls == ["Bearer tok1", "Bearer tok2"]


def test_no_token_leaves_for_another_origin(clock):
    tokens = []

    def elsewhere(request, stub):
        return container(MOODLE_MEMBERS, next_url="http://127.0.0.2:9/steal")

    routes = {("POST", "/mod/lti/token.php"): token_route(tokens), ("GET", "/m"): elsewhere}
    with serve(routes) as stub:
        nrps = client(clock)
        with pytest.raises(AgsError) as refused:
            nrps.memberships(access(stub.url), "http://127.0.0.2:9/m")
        assert refused.value.code == failures.DESTINATION_REFUSED and tokens == []
        with pytest.raises(AgsError) as next_refused:
            nrps.memberships(access(stub.url), stub.url + "/m")
        assert next_refused.value.code == failures.DESTINATION_REFUSED


def test_an_answer_that_is_not_a_membership_container(clock):
    routes = {
        ("POST", "/mod/lti/token.php"): token_route([]),
        ("GET", "/m"): lambda request, stub: Response("[]", mimetype="application/json"),
        ("GET", "/gone"): lambda request, stub: Response("", status=403),
    }
    with serve(routes) as stub:
        nrps = client(clock)
        with pytest.raises(AgsError) as bad:
            nrps.memberships(access(stub.url), stub.url + "/m")
        assert bad.value.code == failures.REJECTED
        with pytest.raises(AgsError) as forbidden:
            nrps.memberships(access(stub.url), stub.url + "/gone")
        assert forbidden.value.code == failures.FORBIDDEN


def endless(routes_extra=None, *, per_page=3, on_page=None, pad=0):
    """A platform whose every page names a next page on its own origin, with new members."""
    asked = []

    def page(request, stub):
        asked.append(request.url)
        if on_page is not None:
            on_page()
        n = len(asked)
        members = [
            {"user_id": f"{n}-{i}", "roles": ["Learner"], "name": "x" * pad}
            for i in range(per_page)
        ]
        return container(members, next_url=f"{stub.url}/m?page={n + 1}")

    routes = {("POST", "/mod/lti/token.php"): token_route([]), ("GET", "/m"): page}
    return routes, asked


def test_endless_pages_stop_at_the_member_bound(clock, monkeypatch):
    monkeypatch.setattr(nrps_module, "MAX_MEMBERS", 5)
    routes, asked = endless(per_page=3)
    with serve(routes) as stub:
        found = client(clock).memberships(access(stub.url), stub.url + "/m")
    assert found.cut == nrps_module.CUT_MEMBERS
    assert [m.user_id for m in found.members] == ["1-0", "1-1", "1-2", "2-0", "2-1"]
    assert all(isinstance(m, Member) for m in found.members)  # parsed, not raw pages
    assert len(asked) == 2


def test_a_list_of_exactly_the_bound_is_whole(clock, monkeypatch):
    monkeypatch.setattr(nrps_module, "MAX_MEMBERS", 2)
    routes = {
        ("POST", "/mod/lti/token.php"): token_route([]),
        ("GET", "/m"): lambda request, stub: container(MOODLE_MEMBERS + MOODLE_MEMBERS[:1]),
    }
    with serve(routes) as stub:
        found = client(clock).memberships(access(stub.url), stub.url + "/m")
    assert found.cut is None and len(found.members) == 2  # a repeated id is not a new member


def test_endless_pages_stop_at_the_byte_bound(clock, monkeypatch):
    monkeypatch.setattr(nrps_module, "MAX_LISTING_BYTES", 1500)
    routes, asked = endless(per_page=1, pad=1000)  # about 1.1 kB a page
    with serve(routes) as stub:
        found = client(clock).memberships(access(stub.url), stub.url + "/m")
    assert found.cut == nrps_module.CUT_BYTES
    assert len(asked) == 2 and len(found.members) == 2


def test_endless_pages_stop_at_the_page_bound_keeping_what_came(clock, monkeypatch):
    monkeypatch.setattr(nrps_module, "MAX_PAGES", 3)
    routes, asked = endless(per_page=1)
    with serve(routes) as stub:
        found = client(clock).memberships(access(stub.url), stub.url + "/m")
    assert found.cut == nrps_module.CUT_PAGES
    assert len(asked) == 3 and len(found.members) == 3


def test_a_slow_platform_meets_the_listing_deadline(clock):
    routes, asked = endless(per_page=1, on_page=lambda: clock.advance(seconds=20))
    with serve(routes) as stub:
        found = client(clock).memberships(access(stub.url), stub.url + "/m")
    assert found.cut == nrps_module.CUT_TIME  # 30 s: no third page after 2 x 20 s
    assert len(asked) == 2 and len(found.members) == 2


def test_a_members_roles_are_bounded():
    many = member_from({"user_id": "1", "roles": ["Learner"] * 10_000})
    assert len(many.roles) == MAX_ROLES
