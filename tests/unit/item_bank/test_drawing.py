"""Drawing questions is reproducible from the seed and respects each pool's draw count."""

from __future__ import annotations

from item_bank.drawing import draw_questions
from item_bank.models import AssessmentVersion, Pool, PoolItem
from tests.unit.item_bank.helpers import choice, item_version, matching


def _version() -> AssessmentVersion:
    version = AssessmentVersion(id=1)
    next_id = iter(range(1, 100))
    for position, (draw, size) in enumerate([(2, 5), (1, 3)]):
        pool = Pool(key=f"pool{position}", position=position, draw_count=draw, title={})
        for index in range(size):
            raw = choice(ids="abcdef") if index % 2 == 0 else matching()
            raw["id"] = f"q{position}-{index}"
            pool.members.append(
                PoolItem(position=index, item_version=item_version(raw, id=next(next_id)))
            )
        version.pools.append(pool)
    return version


def test_same_seed_same_questions_and_orders():
    version = _version()

    assert draw_questions(version, 1234) == draw_questions(version, 1234)


def test_draw_counts_per_pool_and_no_repeats():
    version = _version()
    pool_of = {m.item_version.id: p.key for p in version.pools for m in p.members}

    for seed in range(50):
        drawn = draw_questions(version, seed)
        ids = [q.item_version_id for q in drawn]
        assert len(ids) == len(set(ids)) == 3
        assert [pool_of[i] for i in ids] == ["pool0", "pool0", "pool1"]  # pools keep their order


def test_different_seeds_vary_questions_and_option_orders():
    version = _version()

    draws = {
        tuple((q.item_version_id, tuple(q.option_order)) for q in draw_questions(version, seed))
        for seed in range(30)
    }

    assert len(draws) > 20


def test_option_order_is_a_permutation_of_the_item_options():
    version = _version()
    items = {m.item_version.id: m.item_version for p in version.pools for m in p.members}

    for question in draw_questions(version, 7):
        item = items[question.item_version_id]
        if item.type == "matching":
            assert sorted(question.option_order) == ["d1", "p1", "p2", "p3"]
        else:
            assert sorted(question.option_order) == list("abcdef")


def test_drawing_does_not_touch_the_global_random_state():
    import random

    random.seed(5)
    expected = random.random()
    random.seed(5)
    draw_questions(_version(), 99)

    assert random.random() == expected
