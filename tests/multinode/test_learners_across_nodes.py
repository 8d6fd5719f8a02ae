"""Learners whose every request lands on another node (nginx round-robin over three gunicorn
nodes, PostgreSQL and Redis shared): the real LTI launch, start, answers, heartbeats, submit,
result and certificate (its PDF); every acknowledged answer is in the database."""

from __future__ import annotations

import itertools

import pytest
import requests

from tests.multinode.conftest import committed, right_answers
from tests.multinode.learners import Learner

pytestmark = [
    pytest.mark.multinode,
    pytest.mark.xdist_group("multinode"),
    pytest.mark.timeout(1200),
]

LEARNERS = 6


def test_learners_hop_from_node_to_node_and_lose_nothing(stack, platform, slug, numbers):
    learners = [Learner(sub=str(100 + n), proxy=stack.proxy.url) for n in range(LEARNERS)]
    # One learner at a time, so that round-robin sends each of their requests to the node after
    # the one that answered the request before.
    for learner in learners:
        learner.launch(platform, slug)
        learner.start()
        for position, answer in right_answers(stack, learner.attempt_id).items():
            assert learner.save(position, answer).status_code == 200
            assert learner.heartbeat().status_code == 200
        assert learner.page_once(1).status_code == 200
        assert learner.submit().status_code == 303
        assert learner.result().status_code == 200
        pdf = learner.certificate()
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.status_code

    nodes_seen = set()
    acknowledged = found = 0
    for learner in learners:
        hops = learner.nodes_in_a_row()
        nodes_seen |= set(hops)
        assert all(a != b for a, b in itertools.pairwise(hops)), hops
        status, saved, right = committed(stack, learner.attempt_id)
        assert status == "submitted"
        acknowledged += len(learner.acknowledged)
        for position in learner.acknowledged:
            assert saved[position] == right[position], (learner.sub, position)
            found += 1
        assert all(call.status < 500 for call in learner.calls), learner.calls
    assert nodes_seen == {node.address for node in stack.nodes}
    requests_sent = sum(len(learner.calls) for learner in learners)

    # Each node's /metrics (gunicorn, multiprocess mode) counted what that node served.
    saved = launched = 0.0
    for node in stack.nodes:
        samples = scrape(node.url)
        saved += samples.get(("emm_answer_saves_total", (("outcome", "saved"),)), 0.0)
        launched += samples.get(
            ("emm_launches_total", (("outcome", "accepted"), ("reason", ""))), 0.0
        )
        assert samples[("emm_attempts_submitted_total", ())] == LEARNERS  # from the database
        assert samples[("emm_certificates_issued_total", ())] == LEARNERS  # all passed
    assert (saved, launched) == (acknowledged, LEARNERS)
    numbers(
        f"{LEARNERS} learners, {requests_sent} requests over {len(nodes_seen)} nodes, "
        f"{acknowledged} answers acknowledged, {found} found in the database, "
        f"{saved:.0f} saves and {launched:.0f} launches counted by the nodes' /metrics, "
        f"{LEARNERS} certificates issued (PDF downloaded)"
    )


def scrape(url: str) -> dict:
    from prometheus_client.parser import text_string_to_metric_families

    response = requests.get(url + "/metrics", timeout=60)  # loopback: allowed without a token
    assert response.status_code == 200, response.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
