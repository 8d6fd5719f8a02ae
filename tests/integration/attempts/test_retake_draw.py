"""A retake over HTTP draws the questions the learner has not seen first (issue 16, bug 7):
after a void, two attempts share only the questions the pool's size forces them to share."""

from __future__ import annotations

import copy
import itertools

import pytest
import yaml

from item_bank.catalog import latest_version
from item_bank.drawing import draw_questions
from item_bank.loading import import_files
from lti_tool import db
from tests.integration.attempts.conftest import attempt_rows
from tests.support.attempt_content import assessment_yaml

_slugs = itertools.count(1)


def _publish_one_pool(app, tmp_path, clock, *, size: int, draw: int) -> str:
    """An assessment of one single-choice pool: `draw` questions out of `size`."""
    slug = f"retake-{next(_slugs)}"
    doc = assessment_yaml(slug)
    template = doc["pools"][0]["items"][0]
    # Deep copies: shared dicts would be dumped as YAML anchors, which the loader refuses.
    items = [{**copy.deepcopy(template), "id": f"{slug}-q{n}"} for n in range(size)]
    doc["pools"] = [{"id": "all", "title": {"en": "All"}, "draw": draw, "items": items}]
    path = tmp_path / f"{slug}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with app.app_context(), db.session_scope() as session:
        report = import_files(session, [path], now=clock.now())
        assert report.validation.ok, [str(i) for i in report.validation.issues]
    return slug


def _uids(app, attempt_id: int) -> set[str]:
    return {q.item_version.item_uid for q in attempt_rows(app, attempt_id).questions}


def _walk_away_and_restart(person, clock) -> None:
    clock.advance(minutes=10, seconds=1)  # past the inactivity allowance: the attempt is void
    assert person.heartbeat().status_code == 410
    person.start()


@pytest.mark.parametrize(("size", "draw", "forced_repeats"), [(30, 20, 10), (40, 20, 0)])
def test_a_retake_repeats_only_what_the_pool_size_forces(
    app, tmp_path, clock, learner_of, size, draw, forced_repeats
):
    ana = learner_of(_publish_one_pool(app, tmp_path, clock, size=size, draw=draw))
    ana.start()
    first = ana.attempt_id
    _walk_away_and_restart(ana, clock)
    second = ana.attempt_id

    assert second != first and attempt_rows(app, first).status == "void"
    assert len(_uids(app, first)) == len(_uids(app, second)) == draw
    assert len(_uids(app, first) & _uids(app, second)) == forced_repeats


def test_a_third_attempt_takes_the_questions_seen_least(app, tmp_path, clock, learner_of):
    ana = learner_of(_publish_one_pool(app, tmp_path, clock, size=30, draw=20))
    ana.start()
    first = ana.attempt_id
    _walk_away_and_restart(ana, clock)
    second = ana.attempt_id
    _walk_away_and_restart(ana, clock)

    twice = _uids(app, first) & _uids(app, second)  # 10 questions already shown two times
    assert len(twice) == 10 and not twice & _uids(app, ana.attempt_id)


def test_another_learner_is_not_steered_by_someone_elses_attempts(app, tmp_path, clock, learner_of):
    slug = _publish_one_pool(app, tmp_path, clock, size=30, draw=20)
    ana = learner_of(slug, sub="4")
    ana.start()
    ben = learner_of(slug, sub="5")
    ben.start()
    bens = attempt_rows(app, ben.attempt_id)

    with app.app_context(), db.session_scope() as session:
        version = latest_version(session, slug)
        assert version is not None
        plain = [q.item_version_id for q in draw_questions(version, bens.seed)]
    assert [q.item_version_id for q in bens.questions] == plain  # a first attempt's plain draw
