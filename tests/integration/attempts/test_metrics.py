"""`/metrics` over HTTP, on both backends: who may read it, and that a learner's launch,
answers, heartbeat and submission move the counters an operator watches (issue 10)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from lti_tool.observability.request_hooks import endpoint_group
from tests.integration.attempts.conftest import attempt_rows
from tests.support.attempt_content import right_response
from tests.support.signed_launches import ISSUER, launch

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_learners_sitting_moves_the_counters(
    app, client, moodle, clock, make_assessment, learner_of
):
    before = scrape(client)
    refused, _token = launch(client, moodle, clock.now().timestamp(), state="not-the-state")
    assert refused.status_code >= 400
    ana = learner_of(make_assessment())
    ana.start()
    for question in attempt_rows(app, ana.attempt_id).questions:
        assert ana.save(question.position, right_response(question.item_version)).status_code == 200
    assert ana.heartbeat().status_code == 200
    assert ana.submit().status_code == 303
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("emm_launches_total", outcome="accepted", reason="") == 1
    refusals = {
        key: v - before.get(key, 0.0)
        for key, v in after.items()
        if key[0] == "emm_launches_total" and ("outcome", "refused") in key[1]
    }
    assert sum(refusals.values()) == 1
    assert moved("emm_answer_saves_total", outcome="saved") == 4
    assert moved("emm_heartbeats_total", outcome="ok") == 1
    assert moved("emm_attempt_requests_total", action="start", outcome="ok") == 1
    assert moved("emm_attempt_requests_total", action="submit", outcome="ok") == 1
    assert moved("emm_http_request_duration_seconds_count", group="answer_save") == 4
    # From the database: the same on every node, whichever process did the work.
    assert value(after, "emm_attempts_started_total") == 1
    assert value(after, "emm_attempts_submitted_total") == 1
    assert value(after, "emm_attempts_in_progress") == 0
    assert value(after, "emm_grade_outbox_pending") == 1
    assert value(after, "emm_grade_outbox_rows", state="pending", platform=ISSUER) == 1
    assert value(after, "emm_grade_outbox_oldest_pending_seconds") >= 0


def test_metrics_are_not_public(app, client):
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    elsewhere = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert elsewhere.status_code == 404
    assert b"emm_" not in elsewhere.data


def test_metrics_token_opens_metrics_to_its_bearer_only(app, client):
    from dataclasses import replace

    token = "m" * 40
    app.config["EMM_SETTINGS"] = replace(app.config["EMM_SETTINGS"], metrics_token=token)
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/metrics", environ_base=remote).status_code == 404
    wrong = {"Authorization": "Bearer " + "x" * 40}
    assert client.get("/metrics", environ_base=remote, headers=wrong).status_code == 404
    # With a token, even a loopback client needs it.
    assert client.get("/metrics").status_code == 404
    right = {"Authorization": f"Bearer {token}"}
    response = client.get("/metrics", environ_base=remote, headers=right)
    assert response.status_code == 200 and b"emm_attempts_started_total" in response.data


def test_endpoint_groups_never_use_the_path():
    assert endpoint_group(None) == "unmatched"
    assert endpoint_group("attempts.answer_json") == "answer_save"
    assert endpoint_group("certificates.forms.show") == "certificates"
    assert endpoint_group("health.healthz") == "health"
