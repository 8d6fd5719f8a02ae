"""The outbound client against real local servers: refused destinations, pinned connections
(no DNS rebinding, TLS still checked for the host name), no redirects, a whole-call deadline
against answers that drip, a size cap against huge answers, and no thread left behind."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lti_tool.outbound import (
    DeadlineExceeded,
    DestinationRefused,
    OutboundClient,
    OutboundPolicy,
    ResponseTooLarge,
    Unreachable,
    parse_allowlist,
)
from lti_tool.outbound.policy import system_resolver
from tests.integration.outbound.servers import (
    drip_body,
    drip_head,
    huge_body,
    respond,
    serve_raw,
)

# How late a loaded machine may wake the deadline's watchdog and the test: generous, since a
# call the deadline failed to stop would drip on for hours.
LATE_WAKE = 10.0
DEADLINE = 0.5  # seconds: short, so the slow cases stay fast
LOOPBACK = parse_allowlist(["127.0.0.1", "::1"])


def client(allow=LOOPBACK, **policy) -> OutboundClient:
    return OutboundClient(OutboundPolicy(allow=allow, deadline_seconds=DEADLINE, **policy))


def deadline_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "outbound-deadline"]


def no_deadline_thread_left() -> bool:
    for thread in deadline_threads():
        thread.join(timeout=1)  # a cancelled timer ends at once
    return not deadline_threads()


# --- destinations ---------------------------------------------------------------------------------


def test_loopback_is_refused_unless_allowed_and_nothing_is_sent():
    with serve_raw(respond(200, b'{"keys": []}')) as server:
        with pytest.raises(DestinationRefused, match="loopback"):
            client(allow=()).get(server.url + "/jwks")
        assert server.heads == []
        assert client().get(server.url + "/jwks").json() == {"keys": []}
        assert len(server.heads) == 1


def test_ipv6_loopback_is_refused_unless_allowed():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server_context = serve_raw(respond(200, b"{}"), host="::1")
        server = server_context.__enter__()
    except OSError:
        pytest.skip("no ::1 on this machine")
    try:
        with pytest.raises(DestinationRefused, match="loopback"):
            client(allow=parse_allowlist(["127.0.0.1"])).get(server.url + "/")
        assert client().get(server.url + "/").status_code == 200
    finally:
        server_context.__exit__(None, None, None)


def test_a_name_resolving_to_a_forbidden_address_is_refused_after_resolution():
    for address in ("10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1", "100.64.0.1", "0.0.0.0"):
        policy = dict(resolve=lambda host, port, a=address: [a])
        with pytest.raises(DestinationRefused, match="resolves to"):
            client(allow=(), **policy).get("http://platform.example.org/jwks")


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    """DNS rebinding: the name answers an allowed address for the check and would answer a
    forbidden one a moment later. The name is resolved once, by the policy, and the socket
    opened to that very address; Host still names the host."""
    answers = iter([["127.0.0.1"], ["10.0.0.1"], ["10.0.0.1"]])
    resolved = []

    def rebinding(host, port):
        resolved.append(host)
        return next(answers)

    real_getaddrinfo = socket.getaddrinfo

    def no_other_lookup(host, *args, **kwargs):  # only the policy may resolve the name
        assert host != "rebind.example.org", "resolved outside the policy"
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_other_lookup)
    with serve_raw(respond(200, b'{"ok": true}')) as server:
        allow = parse_allowlist([f"127.0.0.1:{server.port}"])
        answer = client(allow=allow, resolve=rebinding).get(
            f"http://rebind.example.org:{server.port}/x"
        )
        assert answer.json() == {"ok": True}
        assert resolved == ["rebind.example.org"]
        assert f"Host: rebind.example.org:{server.port}".encode() in server.heads[0]


@pytest.fixture(scope="module")
def platform_tls(tmp_path_factory):
    """A CA and a server certificate for platform.example.org (what a real Moodle has)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "platform")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("platform.example.org")]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder


def test_tls_keeps_the_host_name_for_sni_and_the_certificate_check(platform_tls):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(platform_tls / "server.pem")
    to_loopback = dict(resolve=lambda host, port: ["127.0.0.1"])
    with serve_raw(respond(200, b'{"keys": []}'), tls=context) as server:
        https = OutboundClient(
            OutboundPolicy(allow=LOOPBACK, deadline_seconds=DEADLINE, **to_loopback),
            verify=str(platform_tls / "ca.pem"),
        )
        answer = https.get(f"https://platform.example.org:{server.port}/jwks")
        assert answer.json() == {"keys": []}
        assert server.sni == ["platform.example.org"]
        assert f"Host: platform.example.org:{server.port}".encode() in server.heads[0]
        # Same address, another name: the certificate does not match, nothing is read.
        with pytest.raises(Unreachable, match=r"certificate|hostname"):
            https.get(f"https://impostor.example.org:{server.port}/jwks")
    assert no_deadline_thread_left()


def test_redirects_are_answers_never_followed():
    with serve_raw(respond(200, b"{}")) as target:
        with serve_raw(
            respond(
                302, b"", content_type="text/html", headers={"Location": target.url + "/secret"}
            )
        ) as moving:
            answer = client().get(moving.url + "/jwks")
        assert (answer.status_code, answer.ok) == (302, False)
        assert answer.summary() == "HTTP 302 (redirects are not followed)"
        assert target.heads == []


def test_production_refuses_plain_http_even_to_an_allowed_host():
    with serve_raw(respond(200, b"{}")) as server:
        with pytest.raises(DestinationRefused, match="only https"):
            client(https_only=True).get(server.url + "/")
        assert server.heads == []


# --- deadline and size ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [drip_head(every=0.05), drip_body(every=0.05)],
    ids=["dripping headers", "dripping body"],
)
def test_an_answer_that_drips_fails_at_the_deadline(answer):
    with serve_raw(answer) as server:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match=r"0\.5 s"):
            client().get(server.url + "/jwks")
        took = time.monotonic() - started
    # Each read was quick (a byte every 50 ms): only a whole-call deadline stops this.
    assert DEADLINE <= took < DEADLINE + LATE_WAKE
    assert no_deadline_thread_left()


def test_five_dripping_platforms_hold_no_thread_beyond_the_deadline():
    """What stopped the embedded server: five such requests at once. Each ends at its
    deadline and gives its thread back."""
    with serve_raw(drip_body(every=0.05)) as server:
        started = time.monotonic()
        with ThreadPoolExecutor(5) as pool:
            calls = [pool.submit(client().get, f"{server.url}/{n}") for n in range(5)]
            errors = [call.exception(timeout=60) for call in calls]
        took = time.monotonic() - started
    assert all(isinstance(error, DeadlineExceeded) for error in errors), errors
    assert took < DEADLINE + LATE_WAKE
    assert no_deadline_thread_left()


def test_a_huge_announced_answer_is_refused_before_reading():
    with (
        serve_raw(huge_body(64 * 1024 * 1024, announce=True)) as server,
        pytest.raises(ResponseTooLarge, match="announces"),
    ):
        client(max_response_bytes=1024 * 1024).get(server.url + "/results")


def test_a_huge_unannounced_answer_stops_at_the_cap_without_filling_memory():
    with serve_raw(huge_body(64 * 1024 * 1024, announce=False)) as server:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLarge, match="larger than"):
                client(max_response_bytes=1024 * 1024).get(server.url + "/results")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # a 64 MB answer; the cap is 1 MB


def test_an_unreachable_platform_is_reported_fast():
    with serve_raw(respond(200)) as server:
        url = server.url
    with pytest.raises(Unreachable):
        client().get(url + "/gone")


def test_the_system_resolver_answers_every_address_once():
    assert system_resolver("127.0.0.1", 80) == ["127.0.0.1"]
    assert all(ipaddress.ip_address(a) for a in system_resolver("localhost", 80))


def test_a_url_requests_cannot_send_is_refused_not_crashed():
    with pytest.raises(DestinationRefused, match="not a valid URL"):
        client().get("http://bad host.example.org/jwks")
    assert no_deadline_thread_left()
