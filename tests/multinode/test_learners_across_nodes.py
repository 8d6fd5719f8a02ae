"""Learners whose every request lands on another node (nginx round-robin over three gunicorn
nodes, PostgreSQL and Redis shared): the real LTI launch, start, answers, heartbeats, submit,
result and certificate; every acknowledged answer is in the database."""

from __future__ import annotations

import itertools

import pytest

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
        assert learner.certificate().status_code == 200

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
    numbers(
        f"{LEARNERS} learners, {requests_sent} requests over {len(nodes_seen)} nodes, "
        f"{acknowledged} answers acknowledged, {found} found in the database"
    )
