"""The reverse proxies never log launch tokens: they travel in query strings (`?lt=`, ADR 0002)
and in the Referer of the page's own requests, so no log format may hold the request line, the
query string or the Referer."""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
NGINX_CONF = ROOT / "deploy/nginx/emm.conf"
# $request is the request line with its query string; $request_method, $request_id and
# $request_time are safe (the word boundary keeps them out).
TOKEN_CARRIERS = re.compile(r"\$(request|request_uri|args|arg_\w+|query_string|http_referer)\b")


def _directives(conf: str, name: str) -> list[str]:
    without_comments = re.sub(r"#[^\n]*", "", conf)
    return [m.group(1) for m in re.finditer(rf"\b{name}\s+([^;]*);", without_comments)]


def test_token_carriers_are_recognised():
    assert TOKEN_CARRIERS.search('"$request" $http_referer') and TOKEN_CARRIERS.search("$args")
    assert not TOKEN_CARRIERS.search("$request_method $request_id $request_time $uri")


def test_nginx_log_format_holds_no_token():
    conf = NGINX_CONF.read_text()
    formats = {f.split()[0]: f for f in _directives(conf, "log_format")}
    assert set(formats) == {"emm"}
    assert not TOKEN_CARRIERS.search(formats["emm"])
    assert "$token_free_uri" in formats["emm"] and "$request_id" in formats["emm"]
    assert re.search(r"map \$uri \$token_free_uri \{\s*~\^/lti/register/\s+/lti/register/-;", conf)


def test_every_nginx_server_logs_in_its_own_format():
    """A server without access_log inherits the image's `main` format ($request, Referer)."""
    conf = NGINX_CONF.read_text()
    servers = len(re.findall(r"^\s*server\s*\{", conf, re.MULTILINE))
    logs = _directives(conf, "access_log")
    assert servers >= 2 and len(logs) == servers
    assert all(log.split()[1:] == ["emm"] or log == "off" for log in logs)


def _nginx() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed")
    return nginx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _nginx_config(tmp_path: Path, http_port: int = 80, https_port: int = 443) -> Path:
    """emm.conf inside an http block like the image's: its stock `main` format logs the request
    line and the Referer, so emm.conf's own access_log must win over it."""
    openssl = shutil.which("openssl")
    assert openssl, "openssl is missing (it makes the test certificate)"
    key, cert = tmp_path / "tls.key", tmp_path / "tls.crt"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    conf = (
        NGINX_CONF.read_text()
        .replace("server web:8000", "server 127.0.0.1:9")  # nothing listens: a quick 502
        .replace("/etc/nginx/tls/tls.crt", str(cert))
        .replace("/etc/nginx/tls/tls.key", str(key))
        .replace("/dev/stdout", str(tmp_path / "access.log"))
        .replace("/var/cache/nginx/emm-media", str(tmp_path / "media-cache"))
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
        # The image's nginx is 1.27; a distribution's may predate `http2 on;` (1.25.1).
        .replace("http2 on;", "")
    )
    (tmp_path / "emm.conf").write_text(conf)
    main = """log_format main '$remote_addr "$request" $status "$http_referer"';"""
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  {main}\n  access_log {tmp_path}/main.log main;\n"
        f"  include {tmp_path}/emm.conf;\n}}\n"
    )
    return tmp_path / "nginx.conf"


def test_nginx_accepts_the_configuration(tmp_path):
    nginx, conf = _nginx(), _nginx_config(tmp_path)
    done = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _get(url: str, referer: str = "") -> int:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    request = urllib.request.Request(url, headers={"Referer": referer} if referer else {})
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context), _NoRedirect()
    )
    try:
        with opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_nginx_logs_requests_without_their_tokens(tmp_path):
    nginx, http_port, https_port = _nginx(), _free_port(), _free_port()
    conf = _nginx_config(tmp_path, http_port, https_port)
    command = [nginx, "-p", str(tmp_path), "-c", str(conf)]
    # Daemonised: nginx returns once its sockets listen, so no waiting for it.
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    try:
        assert _get(f"http://127.0.0.1:{http_port}/attempts/1?lt=TOKEN-A") == 308
        page = f"https://127.0.0.1:{https_port}/attempts/1?lt=TOKEN-B"
        assert _get(f"https://127.0.0.1:{https_port}/static/app.js", referer=page) == 502
        assert _get(page) == 502
        invite = f"https://127.0.0.1:{https_port}/lti/register/INVITE-C?openid_configuration=x"
        assert _get(invite) == 502
        # One worker logs each request before it serves the next one: this one flushes them.
        _get(f"https://127.0.0.1:{https_port}/healthz")
    finally:
        subprocess.run([*command, "-s", "stop"], capture_output=True, timeout=120)
    lines = (tmp_path / "access.log").read_text().splitlines()
    assert '"GET /attempts/1" 308' in lines[0] and '"GET /static/app.js" 502' in lines[1]
    assert '"GET /attempts/1" 502' in lines[2]
    assert '"GET /lti/register/-" 502' in lines[3]
    logged = "\n".join(lines)
    assert "TOKEN" not in logged and "lt=" not in logged and "INVITE" not in logged
    assert (tmp_path / "main.log").read_text() == ""  # the stock format is never used


def _ingresses() -> list[dict]:
    found = []
    for path in sorted((ROOT / "deploy/kubernetes").rglob("*.yaml")):
        docs = yaml.safe_load_all(path.read_text())
        found += [doc for doc in docs if doc and doc.get("kind") == "Ingress"]
    return found


def test_the_ingress_logs_nothing_and_needs_no_snippet():
    """ingress-nginx's default format logs $request and $http_referer; snippet annotations are
    refused by default (allow-snippet-annotations=false), failing the whole deploy."""
    ingresses = _ingresses()
    assert ingresses
    for ingress in ingresses:
        annotations = ingress["metadata"].get("annotations", {})
        assert annotations.get("nginx.ingress.kubernetes.io/enable-access-log") == "false"
        assert not [name for name in annotations if name.endswith("-snippet")]


def test_the_documented_controller_log_format_holds_no_token():
    guide = (ROOT / "docs/operations.md").read_text()
    (line,) = [ln for ln in guide.splitlines() if "log-format-upstream:" in ln]
    assert not TOKEN_CARRIERS.search(line) and "$token_free_uri" in line
    # The invite of a registration URL is masked by a map the same ConfigMap defines.
    assert "map $uri $token_free_uri { ~^/lti/register/ /lti/register/-; default $uri; }" in guide
