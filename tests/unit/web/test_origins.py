"""origin_of(): the one check an issuer passes before its origin may enter a header."""

from __future__ import annotations

import pytest

from lti_tool.web.origins import InvalidOrigin, origin_of, valid_origins
from lti_tool.web.security import content_security_policy


@pytest.mark.parametrize(
    "url, origin",
    [
        ("https://moodle.example.org", "https://moodle.example.org"),
        ("https://Moodle.Example.ORG/", "https://moodle.example.org"),
        ("HTTPS://moodle.example.org", "https://moodle.example.org"),
        ("https://moodle.example.org/campus/moodle", "https://moodle.example.org"),
        ("https://moodle.example.org:443", "https://moodle.example.org"),
        ("http://moodle.example.org:80/", "http://moodle.example.org"),
        ("https://moodle.example.org:8443", "https://moodle.example.org:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:5000/demo", "http://localhost:5000"),
    ],
)
def test_plain_http_urls_give_their_normal_origin(url, origin):
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example; frame-ancestors *",
        "https://evil.example 'unsafe-inline'",
        "https://evil.example,https://other.example",
        'https://evil.example"',
        "https://evil.example'",
        "https://evil.example\tx",
        "https://evil.example\r\nSet-Cookie: a=b",
        "https://evil.example/path;x",
        "https://évil.example",
        "https://user:pass@moodle.example.org",
        "https://user@moodle.example.org",
        "https://moodle.example.org?x=1",
        "https://moodle.example.org#top",
        "ftp://moodle.example.org",
        "javascript:alert(1)",
        "moodle.example.org",
        "https://",
        "https://[::1]:8080",
        "https://[abc",
        "https://moodle_example.org",
        "https://-moodle.example.org",
        "https://moodle.example.org:0",
        "https://moodle.example.org:65536",
        "https://moodle.example.org:port",
        "https://" + "a" * 64 + ".example.org",
        "https://" + ".".join(["a" * 60] * 5) + ".org",
        "https://moodle.example.org/" + "p" * 500,
        "",
    ],
)
def test_anything_else_is_refused_with_a_reason(url):
    with pytest.raises(InvalidOrigin) as refused:
        origin_of(url)
    assert str(refused.value)


def test_policies_leave_unusable_origins_out_instead_of_writing_them():
    assert valid_origins(
        ["https://a.example/x", "https://evil.example; frame-ancestors *", "https://A.example"]
    ) == ["https://a.example"]
    policy = content_security_policy(
        ["https://evil.example; frame-ancestors *", "http://127.0.0.1:8080"]
    )
    assert "frame-ancestors 'self' http://127.0.0.1:8080" in policy
    assert "form-action 'self' http://127.0.0.1:8080" in policy
    assert "evil" not in policy and policy.count("frame-ancestors") == 1
