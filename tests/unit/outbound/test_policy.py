"""The outbound policy without a network: which URLs and which resolved addresses a call to a
platform may use, the allowlist, and what a page may show of an answer."""

from __future__ import annotations

import pytest

from config.settings import Settings
from lti_tool.outbound import DestinationRefused, OutboundPolicy, Unreachable, parse_allowlist
from lti_tool.outbound.addresses import parse_address, refusal_reason
from lti_tool.outbound.policy import parse_allow_rule
from lti_tool.outbound.summary import answer_summary, body_description


def resolving(table: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        name = host.lower().rstrip(".")  # as DNS does
        if name not in table:
            raise OSError("no such host")
        return table[name]

    return resolve


@pytest.mark.parametrize(
    "address, reason",
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("fc00::1", "private"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("233.1.1.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),
        ("255.255.255.255", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("168.63.129.16", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        # IPv4 inside IPv6 is judged as the IPv4 host it reaches
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("64:ff9b::7f00:1", "loopback"),
        ("2002:7f00:1::", "loopback"),
        ("2002:a00:1::", "private"),
        ("::7f00:1", "loopback"),
        ("198.18.0.1", "private"),
        ("192.0.2.1", "private"),  # benchmarking, documentation
    ],
)
def test_addresses_a_platform_call_must_not_reach(address, reason):
    assert refusal_reason(parse_address(address)) == reason


@pytest.mark.parametrize(
    "address",
    ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:93.184.215.14", "2002:5db8:d70e::"],
)
def test_public_addresses_are_fine(address):
    assert refusal_reason(parse_address(address)) is None


def test_every_resolved_address_is_checked_and_one_bad_one_refuses_the_host():
    policy = OutboundPolicy(
        resolve=resolving(
            {
                "moodle.example.org": ["93.184.215.14", "2606:4700::1111"],
                "mixed.example.org": ["93.184.215.14", "10.0.0.5"],
                "metadata.example.org": ["169.254.169.254"],
                "mapped.example.org": ["::ffff:127.0.0.1"],
            }
        )
    )
    assert policy.addresses("moodle.example.org", 443) == ["93.184.215.14", "2606:4700::1111"]
    for host, address in (
        ("mixed.example.org", "10.0.0.5"),
        ("metadata.example.org", "169.254.169.254"),
        ("mapped.example.org", "::ffff:127.0.0.1"),
    ):
        with pytest.raises(DestinationRefused, match=address):
            policy.addresses(host, 443)
    with pytest.raises(Unreachable, match="could not be resolved"):
        policy.addresses("nowhere.example.org", 443)


def test_the_allowlist_takes_hosts_host_ports_addresses_and_cidrs():
    rules = parse_allowlist(
        [
            "moodle.internal",
            "lms.internal:8443",
            "10.20.0.0/16",
            "192.168.5.5:8080",
            "[fd00::7]:443",
            "::1",
            " ",
        ]
    )
    policy = OutboundPolicy(
        allow=rules,
        resolve=resolving(
            {
                "moodle.internal": ["10.99.0.1"],
                "lms.internal": ["10.99.0.2"],
                "other.internal": ["10.20.3.4"],
                "box.internal": ["192.168.5.5"],
                "v6.internal": ["fd00::7"],
                "localhost": ["::1", "127.0.0.1"],
            }
        ),
    )
    assert policy.addresses("Moodle.Internal.", 443) == ["10.99.0.1"]  # any port
    assert policy.addresses("lms.internal", 8443) == ["10.99.0.2"]
    with pytest.raises(DestinationRefused):
        policy.addresses("lms.internal", 443)  # only that port
    assert policy.addresses("other.internal", 80) == ["10.20.3.4"]  # inside the CIDR
    assert policy.addresses("box.internal", 8080) == ["192.168.5.5"]
    with pytest.raises(DestinationRefused):
        policy.addresses("box.internal", 22)
    assert policy.addresses("v6.internal", 443) == ["fd00::7"]
    with pytest.raises(DestinationRefused, match=r"127\.0\.0\.1"):
        policy.addresses("localhost", 80)  # ::1 is allowed, 127.0.0.1 is not


def test_cloud_metadata_stays_refused_whatever_the_allowlist_says():
    policy = OutboundPolicy(
        allow=parse_allowlist(["169.254.0.0/16", "0.0.0.0/0", "metadata.google.internal"]),
        resolve=resolving(
            {"metadata.google.internal": ["169.254.169.254"], "x.test": ["::ffff:169.254.169.254"]}
        ),
    )
    for host in ("metadata.google.internal", "x.test"):
        with pytest.raises(DestinationRefused, match="never allowed"):
            policy.addresses(host, 80)


@pytest.mark.parametrize(
    "entry",
    [
        "",
        "moodle.internal:http",
        "10.0.0.0/33",
        "a b",
        "10.0.0.1:0",
        "[::1",
        "*.example.org",
        "host:99999",
    ],
)
def test_bad_allowlist_entries_are_refused_with_a_message(entry):
    with pytest.raises(ValueError, match="EMM_OUTBOUND_ALLOW"):
        parse_allow_rule(entry)


@pytest.mark.parametrize(
    "url, problem",
    [
        ("file:///etc/passwd", "only http"),
        ("gopher://x.test/", "only http"),
        ("ftp://x.test/", "only http"),
        ("//x.test/", "only http"),
        ("http:///path", "no host"),
        ("https://user:pw@moodle.example.org/", "user name"),
        ("https://moodle.example.org:99999/", "not a valid URL"),
    ],
)
def test_urls_that_are_never_fetched(url, problem):
    with pytest.raises(DestinationRefused, match=problem):
        OutboundPolicy().check_url(url)


def test_production_fetches_https_only():
    OutboundPolicy().check_url("http://moodle.example.org/jwks")
    with pytest.raises(DestinationRefused, match="only https"):
        OutboundPolicy(https_only=True).check_url("http://moodle.example.org/jwks")
    target = OutboundPolicy(https_only=True).check_url("https://Moodle.example.org/x")
    assert (target.scheme, target.host, target.port) == ("https", "moodle.example.org", 443)


def test_settings_allow_loopback_by_default_outside_production_only():
    development = OutboundPolicy.from_settings(Settings())
    assert not development.https_only
    assert development.refusal("localhost", parse_address("127.0.0.1"), 5000) is None
    assert development.refusal("localhost", parse_address("::1"), 5000) is None
    assert development.refusal("db", parse_address("10.0.0.2"), 5432) is not None

    production = OutboundPolicy.from_settings(Settings(environment="production"))
    assert production.https_only
    assert production.refusal("localhost", parse_address("127.0.0.1"), 443) is not None

    nothing = Settings.from_env({"EMM_OUTBOUND_ALLOW": ""})
    assert nothing.outbound_allowlist == ()
    chosen = Settings.from_env(
        {
            "EMM_OUTBOUND_ALLOW": "moodle.internal, 10.0.0.0/8",
            "EMM_OUTBOUND_MAX_BYTES": "1000",
            "EMM_HTTP_TIMEOUT_SECONDS": "2.5",
        }
    )
    policy = OutboundPolicy.from_settings(chosen)
    assert [rule.text for rule in policy.allow] == ["moodle.internal", "10.0.0.0/8"]
    assert (policy.max_response_bytes, policy.deadline_seconds) == (1000, 2.5)


def test_a_bad_allowlist_stops_the_app_from_starting(tmp_path):
    from lti_tool import create_app

    with pytest.raises(ValueError, match="EMM_OUTBOUND_ALLOW"):
        create_app(
            Settings(secret_key="s" * 40, data_dir=tmp_path, outbound_allow=("moodle internal",))
        )


@pytest.mark.parametrize(
    "status, content_type, body, shown",
    [
        (
            401,
            "application/json",
            b'{"error": "invalid_client", "error_description": "bad jwt"}',
            "HTTP 401: invalid_client: bad jwt",
        ),
        (
            400,
            "text/plain; charset=utf-8",
            b"User not enrolled\nstack trace...",
            "HTTP 400: User not enrolled",
        ),
        (
            500,
            "text/html",
            b"<html><script>alert(1)</script>secret</html>",
            "HTTP 500: 44 bytes of text/html",
        ),
        (
            302,
            "text/html",
            b"<a href='http://169.254.169.254/'>moved</a>",
            "HTTP 302 (redirects are not followed)",
        ),
        (
            503,
            "application/json",
            b'{"keys": ["internal data"]}',
            "HTTP 503: 27 bytes of application/json",
        ),
        (404, "", b"", "HTTP 404"),
    ],
)
def test_a_page_sees_a_short_summary_never_the_body(status, content_type, body, shown):
    assert answer_summary(status, content_type, body) == shown


def test_summaries_are_short_and_single_line():
    words = body_description("application/json", b'{"error": "' + b"x\x1b[31m" * 200 + b'\\nnext"}')
    assert len(words) <= 200 and "\x1b" not in words and "\n" not in words
