from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import jwt
import pytest
from werkzeug.wrappers import Response

from lti_tool.grades import ags_client, failures
from lti_tool.grades.ags_client import (
    SCOPE_SCORE,
    AgsClient,
    AgsError,
    PlatformAccess,
    StaleTimestamp,
    TokenCache,
    parse_retry_after,
    service_url,
)
from lti_tool.outbound import OutboundClient, OutboundPolicy, parse_allowlist
from lti_tool.platforms.keys import SigningKey
from tests.support.http_stub import serve
from tests.support.signed_launches import new_rsa_pem

PEM = new_rsa_pem()
KEY = SigningKey(kid="tool-kid-1", private_pem=PEM)
SCOPES = (SCOPE_SCORE,)


LOOPBACK = OutboundClient(OutboundPolicy(allow=parse_allowlist(["127.0.0.1"])))


def client_for(clock, timeout=2.0, registered=None):
    """A client for the stub platforms on loopback. `registered`: the platforms table; by
    default whichever registration asks holds its client id alone."""

    def holders(access_):
        if registered is None:
            return [access_]
        return [r for r in registered if r.client_id == access_.client_id]

    return AgsClient(
        LOOPBACK, clock, timeout=timeout, signing_key=lambda: KEY, client_id_holders=holders
    )


def access(url):
    return PlatformAccess(
        platform_id=1, issuer=url, client_id="client-1", token_url=url + "/mod/lti/token.php"
    )


def token_route(tokens, expires_in=3600):
    def answer(request, stub):
        tokens.append(request.form.to_dict())
        return Response(
            json.dumps(
                {
                    "access_token": f"tok{len(tokens)}",
                    "token_type": "Bearer",
                    "expires_in": expires_in,
                }
            ),
            mimetype="application/json",
        )

    return answer


def test_service_url_appends_to_the_path_and_keeps_the_query():
    base = "https://m.test/mod/lti/services.php/2/lineitems/2/lineitem?type_id=1"
    assert (
        service_url(base, "/scores")
        == "https://m.test/mod/lti/services.php/2/lineitems/2/lineitem/scores?type_id=1"
    )
    assert (
        service_url(base, "/results", user_id="4")
        == "https://m.test/mod/lti/services.php/2/lineitems/2/lineitem/results?type_id=1&user_id=4"
    )


def test_retry_after_seconds_and_http_date():
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == timedelta(seconds=7)
    assert parse_retry_after("Mon, 23 Nov 2026 09:01:30 GMT", now) == timedelta(seconds=90)
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("999999", now) == timedelta(hours=6)


def test_token_request_is_a_signed_client_credentials_grant_and_is_cached(clock):
    tokens, scores = [], []

    def score(request, stub):
        scores.append(
            (
                request.headers["Authorization"],
                request.content_type,
                request.query_string,
                json.loads(request.data),
            )
        )
        return Response("", status=200)

    routes = {
        ("POST", "/mod/lti/token.php"): token_route(tokens),
        ("POST", "/lineitems/2/lineitem/scores"): score,
    }
    with serve(routes) as stub:
        client = client_for(clock)
        where = access(stub.url)
        for given in (1, 2):
            client.post_score(
                where,
                SCOPES,
                stub.url + "/lineitems/2/lineitem?type_id=1",
                {"userId": "4", "scoreGiven": given},
            )
    assert len(tokens) == 1
    form = tokens[0]
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert form["scope"] == SCOPE_SCORE
    assert jwt.get_unverified_header(form["client_assertion"])["kid"] == "tool-kid-1"
    from cryptography.hazmat.primitives import serialization

    public = serialization.load_pem_private_key(PEM.encode(), None).public_key()
    claims = jwt.decode(
        form["client_assertion"],
        public,
        algorithms=["RS256"],
        audience=where.token_url,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iss"] == claims["sub"] == "client-1" and claims["jti"]
    assert claims["iat"] == int(clock.now().timestamp())
    assert [s[0] for s in scores] == ["Bearer tok1", "Bearer tok1"]
    assert scores[0][1] == "application/vnd.ims.lis.v1.score+json"
    assert scores[0][2] == b"type_id=1"


def test_a_token_is_renewed_shortly_before_it_expires(clock):
    cache = TokenCache(clock)
    where = PlatformAccess(1, "i", "c", "t")
    cache.put(where, SCOPES, "a", 3600)
    clock.advance(seconds=3600 - 61)
    assert cache.get(where, SCOPES) == "a"
    clock.advance(seconds=1)
    assert cache.get(where, SCOPES) is None
    cache.put(where, SCOPES, "short", 10)  # a short-lived token keeps half its life
    clock.advance(seconds=4)
    assert cache.get(where, SCOPES) == "short"
    clock.advance(seconds=1)
    assert cache.get(where, SCOPES) is None


def test_tokens_are_cached_per_scope_set(clock):
    cache = TokenCache(clock)
    where = PlatformAccess(1, "i", "c", "t")
    cache.put(where, ("a", "b"), "ab", 3600)
    assert cache.get(where, ("b", "a")) == "ab"
    assert cache.get(where, ("a",)) is None
    assert cache.get(PlatformAccess(2, "i", "c", "t"), ("a", "b")) is None


def test_a_401_gets_one_fresh_token_and_one_more_try(clock):
    tokens, auth = [], []

    def score(request, stub):
        auth.append(request.headers["Authorization"])
        return Response("", status=401 if len(auth) == 1 else 200)

    routes = {("POST", "/mod/lti/token.php"): token_route(tokens), ("POST", "/li/scores"): score}
    with serve(routes) as stub:
        client_for(clock).post_score(access(stub.url), SCOPES, stub.url + "/li", {})
    assert auth == ["Bearer tok1", "Bearer tok2"]


def test_a_401_twice_is_a_misconfiguration(clock):
    routes = {
        ("POST", "/mod/lti/token.php"): token_route([]),
        ("POST", "/li/scores"): lambda r, s: Response('{"error":"no"}', status=401),
    }
    with serve(routes) as stub, pytest.raises(AgsError) as raised:
        client_for(clock).post_score(access(stub.url), SCOPES, stub.url + "/li", {})
    assert (raised.value.code, raised.value.transient) == (failures.UNAUTHORIZED, False)


@pytest.mark.parametrize(
    "status, headers, code, transient",
    [
        (400, {}, failures.USER_NOT_GRADABLE, False),
        (403, {}, failures.FORBIDDEN, False),
        (404, {}, failures.LINEITEM_GONE, False),
        (422, {}, failures.REJECTED, False),
        (409, {}, failures.STALE_TIMESTAMP, True),
        (500, {}, failures.SERVER_ERROR, True),
        (503, {"Retry-After": "30"}, failures.SERVER_ERROR, True),
        (429, {"Retry-After": "7"}, failures.RATE_LIMITED, True),
    ],
)
def test_score_answers_are_classified(clock, status, headers, code, transient):
    routes = {
        ("POST", "/mod/lti/token.php"): token_route([]),
        ("POST", "/li/scores"): lambda r, s: Response(
            "platform says no", status=status, headers=headers
        ),
    }
    with serve(routes) as stub, pytest.raises(AgsError) as raised:
        client_for(clock).post_score(access(stub.url), SCOPES, stub.url + "/li", {})
    error = raised.value
    assert (error.code, error.transient, error.http_status) == (code, transient, status)
    assert error.detail == "platform says no"
    assert isinstance(error, StaleTimestamp) == (status == 409)
    if "Retry-After" in headers:
        assert error.retry_after == timedelta(seconds=int(headers["Retry-After"]))


@pytest.mark.parametrize(
    "status, code, transient",
    [
        (401, failures.TOKEN_REFUSED, False),
        (400, failures.TOKEN_REFUSED, False),
        (502, failures.SERVER_ERROR, True),
        (429, failures.RATE_LIMITED, True),
    ],
)
def test_token_endpoint_answers_are_classified(clock, status, code, transient):
    routes = {
        ("POST", "/mod/lti/token.php"): lambda r, s: Response(
            '{"error":"invalid_client"}', status=status
        )
    }
    with serve(routes) as stub, pytest.raises(AgsError) as raised:
        client_for(clock).post_score(access(stub.url), SCOPES, stub.url + "/li", {})
    assert (raised.value.code, raised.value.transient) == (code, transient)


def test_unreachable_platform_is_a_network_error(clock):
    with serve({}) as stub:
        url = stub.url
    with pytest.raises(AgsError) as raised:  # the server is gone: connection refused
        client_for(clock).post_score(access(url), SCOPES, url + "/li", {})
    assert (raised.value.code, raised.value.transient) == (failures.NETWORK_ERROR, True)


def test_results_follow_next_links(clock):
    def results(request, stub):
        page = parse_qs(request.query_string.decode()).get("page", ["1"])[0]
        headers = {}
        if page == "1":
            headers["Link"] = f'<{stub.url}/li/results?page=2>; rel="next"'
        body = [{"userId": page, "resultScore": 1, "resultMaximum": 2}]
        return Response(json.dumps(body), mimetype="application/json", headers=headers)

    routes = {("POST", "/mod/lti/token.php"): token_route([]), ("GET", "/li/results"): results}
    with serve(routes) as stub:
        found = client_for(clock).results(access(stub.url), SCOPES, stub.url + "/li")
    assert [r["userId"] for r in found] == ["1", "2"]


def _endless_results(page_body):
    def results(request, stub):
        page = int(parse_qs(request.query_string.decode()).get("page", ["1"])[0])
        headers = {"Link": f'<{stub.url}/li/results?page={page + 1}>; rel="next"'}
        return Response(page_body(page), mimetype="application/json", headers=headers)

    return results


def test_a_listing_ends_when_its_pages_add_up_to_too_many_bytes(clock, monkeypatch):
    monkeypatch.setattr(ags_client, "MAX_LIST_BYTES", 10_000)
    pages = []

    def big_page(page):
        pages.append(page)
        return json.dumps([{"userId": str(page), "comment": "x" * 3_000}])

    routes = {
        ("POST", "/mod/lti/token.php"): token_route([]),
        ("GET", "/li/results"): _endless_results(big_page),
    }
    with serve(routes) as stub, pytest.raises(AgsError) as raised:
        client_for(clock).results(access(stub.url), SCOPES, stub.url + "/li")
    assert raised.value.code == failures.REJECTED
    assert "too large" in str(raised.value)
    assert len(pages) == 4  # 3,000 bytes a page: the fourth passes 10,000


def test_a_listing_ends_when_it_holds_too_many_items(clock, monkeypatch):
    monkeypatch.setattr(ags_client, "MAX_LIST_ITEMS", 25)
    routes = {
        ("POST", "/mod/lti/token.php"): token_route([]),
        ("GET", "/li/results"): _endless_results(
            lambda page: json.dumps([{"userId": f"{page}-{n}"} for n in range(10)])
        ),
    }
    with serve(routes) as stub, pytest.raises(AgsError) as raised:
        client_for(clock).results(access(stub.url), SCOPES, stub.url + "/li")
    assert "too large" in str(raised.value)


def test_a_next_page_on_another_origin_gets_no_token(clock):
    with serve({("GET", "/li/results"): lambda request, stub: Response("[]")}) as elsewhere:
        tokens_seen = []

        def results(request, stub):
            link = f'<{elsewhere.url}/li/results?page=2>; rel="next"'
            return Response("[]", mimetype="application/json", headers={"Link": link})

        routes = {
            ("POST", "/mod/lti/token.php"): token_route(tokens_seen),
            ("GET", "/li/results"): results,
        }
        with serve(routes) as stub, pytest.raises(AgsError) as raised:
            client_for(clock).results(access(stub.url), SCOPES, stub.url + "/li")
    assert "another origin" in str(raised.value)
    assert elsewhere.requests == []


@pytest.mark.parametrize("call", ["post_score", "results", "find_lineitems", "create_lineitem"])
def test_a_service_url_on_another_site_gets_no_token_and_no_request(clock, call):
    """Line item URLs come from launch claims and from the platform's answers: a platform's
    token and its learners' scores go to the platform's own origin only."""
    with serve({}) as elsewhere:
        tokens_seen = []
        with serve({("POST", "/mod/lti/token.php"): token_route(tokens_seen)}) as stub:
            client, url = client_for(clock), elsewhere.url + "/li"
            arguments = {
                "post_score": (url, {"scoreGiven": 1}),
                "results": (url,),
                "find_lineitems": (url, "link-1"),
                "create_lineitem": (url, {"label": "x"}),
            }[call]
            with pytest.raises(AgsError) as raised:
                getattr(client, call)(access(stub.url), SCOPES, *arguments)
    assert raised.value.code == failures.OFF_PLATFORM
    assert tokens_seen == [] and elsewhere.requests == []


# --- client assertions ----------------------------------------------------------------------------


def _claims(assertion: str, audience: str) -> dict:
    from cryptography.hazmat.primitives import serialization

    public = serialization.load_pem_private_key(PEM.encode(), None).public_key()
    return jwt.decode(
        assertion,
        public,
        algorithms=["RS256"],
        audience=audience,
        options={"verify_exp": False, "verify_iat": False},
    )


def test_a_client_assertion_names_the_client_and_the_token_url_and_lives_a_minute(clock):
    where = PlatformAccess(
        platform_id=3,
        issuer="https://m.test",
        client_id="client-9",
        token_url="https://m.test/mod/lti/token.php",
    )
    client = client_for(clock)
    first, second = (client.client_assertion(where, KEY) for _ in range(2))
    claims = _claims(first, where.token_url)
    now = int(clock.now().timestamp())
    assert (claims["iss"], claims["sub"], claims["aud"]) == (
        "client-9",
        "client-9",
        "https://m.test/mod/lti/token.php",
    )
    assert (claims["iat"], claims["exp"]) == (now, now + 60)
    assert len(claims["jti"]) >= 32
    assert _claims(second, where.token_url)["jti"] != claims["jti"]  # never reused


def _token_server_routes(received):
    def token(request, stub):
        received.append(request.form["client_assertion"])
        return Response(
            json.dumps({"access_token": "tok-" + stub.url[-5:], "expires_in": 3600}),
            mimetype="application/json",
        )

    return {("POST", "/token"): token, ("POST", "/li/scores"): lambda r, s: Response("")}


def test_an_assertion_goes_only_to_the_token_url_of_the_registration_holding_the_client_id(clock):
    got_a, got_b = [], []
    with serve(_token_server_routes(got_a)) as a, serve(_token_server_routes(got_b)) as b:
        platform_a = PlatformAccess(1, a.url, "client-a", a.url + "/token")
        platform_b = PlatformAccess(2, b.url, "client-b", b.url + "/token")
        client = client_for(clock, registered=[platform_a, platform_b])
        client.post_score(platform_a, SCOPES, a.url + "/li", {})
        client.post_score(platform_b, SCOPES, b.url + "/li", {})
    assert [_claims(x, a.url + "/token")["sub"] for x in got_a] == ["client-a"]
    assert [_claims(x, b.url + "/token")["sub"] for x in got_b] == ["client-b"]


def test_a_client_id_shared_by_two_platforms_gets_no_assertion_at_all(clock):
    """Defence in depth (registration refuses a Client ID already held by another issuer):
    were B registered with A's client id, B's token URL would receive assertions A accepts.
    Neither gets one; the grade fails with a reason an administrator can act on."""
    got_a, got_b = [], []
    with serve(_token_server_routes(got_a)) as a, serve(_token_server_routes(got_b)) as b:
        platform_a = PlatformAccess(1, a.url, "shared", a.url + "/token")
        platform_b = PlatformAccess(2, b.url, "shared", b.url + "/token")
        client = client_for(clock, registered=[platform_a, platform_b])
        for where, stub in ((platform_a, a), (platform_b, b)):
            with pytest.raises(AgsError) as raised:
                client.post_score(where, SCOPES, stub.url + "/li", {})
            assert (raised.value.code, raised.value.transient) == (failures.CLIENT_ID_SHARED, False)
        # B presenting A's client id while the table gives it to A alone: refused too.
        client = client_for(clock, registered=[platform_a])
        with pytest.raises(AgsError) as raised:
            client.post_score(platform_b, SCOPES, b.url + "/li", {})
        assert raised.value.code == failures.CLIENT_ID_SHARED
    assert got_a == [] and got_b == []


def test_the_token_url_is_the_one_of_the_row_holding_the_client_id(clock):
    """A claim snapshot taken before an admin corrected the token URL: the assertion and the
    request follow the platforms table, not the older copy."""
    got_old, got_new = [], []
    with serve(_token_server_routes(got_old)) as old, serve(_token_server_routes(got_new)) as new:
        snapshot = PlatformAccess(1, old.url, "client-1", old.url + "/token")
        row = PlatformAccess(1, old.url, "client-1", new.url + "/token")
        client_for(clock, registered=[row]).post_score(snapshot, SCOPES, old.url + "/li", {})
    assert got_old == []
    assert _claims(got_new[0], new.url + "/token")["aud"] == new.url + "/token"
