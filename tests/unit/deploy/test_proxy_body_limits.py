"""Request bodies at the proxies: 2m everywhere, as the app's MAX_CONTENT_LENGTH, but 32m for
the authoring upload alone, so a Moodle XML file with pictures reaches the app instead of a
proxy's 413."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
NGINX_CONF = ROOT / "deploy/nginx/emm.conf"
UPLOAD_PATH = "/authoring/uploads"
ANNOTATION = "nginx.ingress.kubernetes.io/proxy-body-size"


def _locations(conf: str) -> dict[str, str]:
    """Each location's match (`= /path`, `/`) with its block (nginx's are not nested here)."""
    found = re.finditer(r"location\s+([^{]+?)\s*\{([^}]*)\}", re.sub(r"#[^\n]*", "", conf))
    return {match.group(1): match.group(2) for match in found}


def test_nginx_takes_large_bodies_on_the_upload_path_only():
    conf = NGINX_CONF.read_text()
    server_wide = re.findall(r"(?m)^    client_max_body_size\s+(\S+);", conf)
    assert server_wide == ["2m"]
    locations = _locations(conf)
    upload = locations[f"= {UPLOAD_PATH}"]
    assert re.search(r"client_max_body_size\s+32m;", upload)
    assert "proxy_pass http://emm_web;" in upload  # a location does not inherit proxy_pass
    others = [block for match, block in locations.items() if match != f"= {UPLOAD_PATH}"]
    assert not any("client_max_body_size" in block for block in others)


def _rendered_ingresses() -> dict[str, dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is missing (it renders deploy/kubernetes): install Debian's kubectl")
    overlay = ROOT / "deploy/kubernetes/overlays/example"
    done = subprocess.run(
        [kubectl, "kustomize", str(overlay)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    docs = [doc for doc in yaml.safe_load_all(done.stdout) if doc and doc["kind"] == "Ingress"]
    return {doc["metadata"]["name"]: doc for doc in docs}


def test_the_ingress_takes_large_bodies_on_the_upload_path_only():
    ingresses = _rendered_ingresses()
    assert set(ingresses) == {"emm-web", "emm-web-uploads"}
    main, uploads = ingresses["emm-web"], ingresses["emm-web-uploads"]
    assert main["metadata"]["annotations"][ANNOTATION] == "2m"
    assert uploads["metadata"]["annotations"][ANNOTATION] == "32m"
    (rule,) = uploads["spec"]["rules"]
    assert [(p["path"], p["pathType"]) for p in rule["http"]["paths"]] == [(UPLOAD_PATH, "Exact")]
    # The overlay's host and certificate reach both, or the upload path would serve another host.
    assert rule["host"] == main["spec"]["rules"][0]["host"] != "assessment.example.org"
    assert uploads["spec"]["tls"] == main["spec"]["tls"]


def test_the_proxies_limits_are_the_apps():
    """Read as text: a change of either limit must change the proxies too."""
    factory = (ROOT / "lti_tool/__init__.py").read_text()
    assert "MAX_CONTENT_LENGTH=2 * 1024 * 1024," in factory
    authoring = ROOT / "lti_tool/authoring/service.py"
    if not authoring.exists():
        pytest.skip("the authoring upload is not in this tree")
    assert "UPLOAD_MAX_BYTES = 32 * 1024 * 1024\n" in authoring.read_text()
