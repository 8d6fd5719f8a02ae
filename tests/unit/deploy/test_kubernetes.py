"""The Kubernetes manifests: rendered by `kubectl kustomize`, validated against the Kubernetes
schemas (kubernetes-validate, strict: an unknown field is a typo), and held to the rules the
operations guide promises (probes, resources, non-root, secrets from a Secret, network policy)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
OVERLAY = ROOT / "deploy/kubernetes/overlays/example"
K8S_VERSION = "1.32.0"


def _render(path: Path) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is missing (it renders deploy/kubernetes): install Debian's kubectl")
    done = subprocess.run(
        [kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    return _render(OVERLAY)


def _of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def _validate(doc: dict) -> None:
    import kubernetes_validate

    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_every_manifest_matches_the_kubernetes_schema(rendered):
    kinds = {doc["kind"] for doc in rendered}
    assert {
        "Deployment",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
        "NetworkPolicy",
        "Secret",
        "ConfigMap",
    } <= kinds
    for doc in rendered:
        _validate(doc)


def test_a_typo_fails_validation(rendered):
    import kubernetes_validate

    web = yaml.safe_load(yaml.safe_dump(_of_kind(rendered, "Deployment")["emm-web"]))
    container = web["spec"]["template"]["spec"]["containers"][0]
    container["readinessprobe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(web)


def test_web_probes_resources_and_disruption_rules(rendered):
    deployments = _of_kind(rendered, "Deployment")
    assert {"emm-web", "emm-grades", "emm-sweeper"} <= set(deployments)
    web = deployments["emm-web"]["spec"]
    container = web["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    hpa = _of_kind(rendered, "HorizontalPodAutoscaler")["emm-web"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "emm-web" and hpa["minReplicas"] >= 2
    assert _of_kind(rendered, "PodDisruptionBudget")["emm-web"]["spec"]["maxUnavailable"] == 1
    assert deployments["emm-grades"]["spec"]["replicas"] >= 2  # delivery survives a restart


def _pod_specs(rendered: list[dict]) -> dict[str, dict]:
    specs = {}
    for doc in rendered:
        if doc["kind"] in ("Deployment", "Job"):
            specs[doc["metadata"]["name"]] = doc["spec"]["template"]["spec"]
    return specs


def test_every_pod_is_locked_down_and_takes_its_secrets_from_a_secret(rendered):
    secret_names = set(_of_kind(rendered, "Secret"))
    for name, spec in _pod_specs(rendered).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            assert container["resources"]["requests"]["cpu"], name
            assert container["resources"]["limits"]["memory"], name
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] and not context["allowPrivilegeEscalation"]
            assert context["capabilities"]["drop"] == ["ALL"], name
            refs = {ref["secretRef"]["name"] for ref in container["envFrom"] if "secretRef" in ref}
            assert refs and refs <= secret_names, name
            assert not [e for e in container.get("env", []) if "SECRET" in e["name"]], name
    config = _of_kind(rendered, "ConfigMap")["emm-settings"]["data"]
    assert not {"EMM_SECRET_KEY", "EMM_DATABASE_URL", "EMM_REDIS_URL"} & set(config)
    assert config["EMM_ENV"] == "production" and config["EMM_TRUSTED_PROXIES"] == "1"


def test_the_example_secret_holds_placeholders_the_service_refuses(rendered):
    from config.settings import Settings

    secret = _of_kind(rendered, "Secret")["emm-secrets"]["stringData"]
    assert all("REPLACE-ME" in value for value in secret.values())
    config = _of_kind(rendered, "ConfigMap")["emm-settings"]["data"]
    problems = Settings.from_env({**config, **secret}).production_problems()
    assert any("EMM_SECRET_KEY" in p for p in problems)
    assert any("EMM_METRICS_TOKEN" in p for p in problems)


def test_network_policy_denies_by_default_and_opens_web_to_the_ingress_only(rendered):
    policies = _of_kind(rendered, "NetworkPolicy")
    deny = policies["emm-default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    web_in = policies["emm-web-ingress"]["spec"]
    assert web_in["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"
    assert [p["port"] for rule in web_in["ingress"] for p in rule["ports"]] == [8000]
    platforms = [r for r in policies["emm-egress"]["spec"]["egress"] if "to" in r]
    (rule,) = platforms
    assert rule["to"][0]["ipBlock"]["cidr"] == "0.0.0.0/0"
    assert "169.254.0.0/16" in rule["to"][0]["ipBlock"]["except"]  # no cloud metadata
    assert [p["port"] for p in rule["ports"]] == [443]


def test_ingress_has_tls_and_the_migration_job_runs_setup(rendered):
    ingress = _of_kind(rendered, "Ingress")["emm-web"]["spec"]
    assert ingress["tls"][0]["secretName"] and ingress["tls"][0]["hosts"]
    (job,) = _of_kind(rendered, "Job").values()
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[-1] == "setup" and job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_the_base_renders_alone():
    docs = _render(ROOT / "deploy/kubernetes/base")
    assert "emm-web" in _of_kind(docs, "Deployment")
