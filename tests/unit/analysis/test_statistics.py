"""Each statistic against values worked out by hand (docs/statistics.md shows the first one)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lti_tool.analysis.matrix import ALL, BEST, FIRST, select
from lti_tool.analysis.statistics import (
    assessment_stats,
    cronbach_alpha,
    item_stats,
    language_facilities,
    score_histogram,
)
from tests.unit.analysis.matrices import NaN, column, matrix

# Four attempts, three one-point items; the third is right in every attempt (constant).
SMALL = [
    [1, 1, 1],
    [1, 0, 1],
    [0, 0, 1],
    [0, 0, 1],
]


def test_assessment_figures_of_the_small_matrix():
    stats = assessment_stats(matrix(SMALL))
    assert stats.attempts == 4 and stats.learners == 4
    assert stats.mean == pytest.approx(175 / 3)  # 100, 66.7, 33.3, 33.3
    assert stats.median == pytest.approx(50)
    assert stats.sd == pytest.approx(100 / 3 * math.sqrt(11 / 12))
    assert stats.pass_rate == pytest.approx(0.5)  # pass mark 50 %
    # Item variances 1/3, 1/4, 0; total variance 11/12: alpha = 3/2 (1 - (7/12)/(11/12)).
    assert stats.alpha == pytest.approx(6 / 11)
    assert stats.sem == pytest.approx(100 / 3 * math.sqrt(5 / 12))  # sd * sqrt(1 - alpha)


def test_item_figures_of_the_small_matrix():
    first, second, constant = item_stats(matrix(SMALL))
    assert (first.n, first.facility) == (4, 0.5)
    assert first.sd == pytest.approx(math.sqrt(1 / 3))
    # Against the rest score 100, 50, 50, 50 %: r = 25 / sqrt(1 * 1875).
    assert first.discrimination == pytest.approx(1 / math.sqrt(3))
    assert first.efficiency == pytest.approx(1.0)
    assert second.facility == pytest.approx(0.25)
    assert second.discrimination == pytest.approx(1 / math.sqrt(3))
    assert (constant.facility, constant.sd) == (1.0, 0.0)
    assert constant.discrimination is None and constant.efficiency is None


def test_discriminative_efficiency_below_one():
    # Item 0 right in attempts 2 and 4; the 3-point item 1 gives rest scores 0, 1/3, 2/3, 1.
    items = [column(0), column(1, points=3)]
    stats = item_stats(matrix([[0, 0], [1, 1 / 3], [0, 2 / 3], [1, 1]], items=items))[0]
    assert stats.discrimination == pytest.approx(1 / math.sqrt(5))
    assert stats.efficiency == pytest.approx(0.5)  # covariance 1 of the 2 sorted pairs give


def test_a_single_learner_has_no_spread():
    stats = assessment_stats(matrix([[1, 0, 1]]))
    assert (stats.attempts, stats.learners) == (1, 1)
    assert stats.mean == pytest.approx(200 / 3) and stats.median == pytest.approx(200 / 3)
    assert stats.sd is None and stats.alpha is None and stats.sem is None
    item = item_stats(matrix([[1, 0, 1]]))[0]
    assert (item.n, item.facility, item.sd, item.discrimination) == (1, 1.0, None, None)


def test_pool_draws_leave_cells_missing():
    # Six attempts draw two of three items; each pair is drawn together by two attempts.
    rows = [
        [1, 1, NaN],
        [1, NaN, 1],
        [NaN, 1, 0],
        [0, 0, NaN],
        [NaN, 0, 1],
        [0, NaN, 0],
    ]
    m = matrix(rows)
    # Item variances 1/3 each; pair covariances 1/2, 1/2, -1/2 (mean 1/6); k = 2:
    # alpha = 2 (1/6) / (1/3 + 1/6) = 2/3.
    assert cronbach_alpha(m) == pytest.approx(2 / 3)
    stats = item_stats(m)
    assert [s.n for s in stats] == [4, 4, 4]
    assert [s.facility for s in stats] == [0.5, 0.5, 0.5]
    assert assessment_stats(m).mean == pytest.approx(50)


def test_alpha_is_the_textbook_formula_on_a_complete_matrix():
    scores = (np.random.default_rng(3).random((40, 6)) < 0.6).astype(float)
    k = scores.shape[1]
    textbook = k / (k - 1) * (1 - scores.var(axis=0, ddof=1).sum() / scores.sum(1).var(ddof=1))
    assert cronbach_alpha(matrix(scores.tolist())) == pytest.approx(textbook)


def test_option_counts_mark_the_key():
    items = [column(0, options="abcd", keyed="a")]
    m = matrix([[1], [1], [0], [0]], items=items, chosen=[["a"], ["a"], ["b"], []])
    stats = item_stats(m)[0]
    assert [(o.option, o.count, o.share, o.keyed) for o in stats.options] == [
        ("a", 2, 0.5, True),
        ("b", 1, 0.25, False),
        ("c", 0, 0.0, False),
        ("d", 0, 0.0, False),
    ]
    assert stats.no_answer == 1


def test_first_best_and_all_attempts():
    # Learner 1: 0 %, 100 %, 100 % (the earlier 100 % is the best); learner 2: 50 %.
    m = matrix([[0, 0], [1, 1], [1, 1], [1, 0]], learners=[1, 1, 1, 2], numbers=[1, 2, 3, 1])
    assert select(m, FIRST).attempt_ids.tolist() == [1, 4]
    assert select(m, BEST).attempt_ids.tolist() == [2, 4]
    assert select(m, ALL).attempt_ids.tolist() == [1, 2, 3, 4]
    assert assessment_stats(select(m, BEST)).learners == 2
    with pytest.raises(ValueError):
        select(m, "latest")


def test_facility_per_language_and_histogram():
    m = matrix([[1], [0], [1], [1]], languages=["en", "es", "es", "en"])
    assert language_facilities(m, 0) == [("en", 2, 1.0), ("es", 2, 0.5)]
    assert m.in_language("es").attempt_ids.tolist() == [2, 3]
    assert score_histogram(np.array([0.0, 9.9, 10.0, 55.0, 100.0])) == [
        2,
        1,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        1,
    ]


def test_an_empty_matrix_has_no_figures():
    m = matrix([[1]]).where(np.zeros(1, dtype=bool))
    stats = assessment_stats(m)
    assert stats.attempts == 0 and stats.mean is None and stats.pass_rate is None
    assert item_stats(m)[0].facility is None


def test_the_cache_forgets_what_older_data_made():
    from lti_tool.analysis.caching import LruCache

    cache = LruCache(max_entries=3)
    assert cache.get_or_make((1, 2, "old"), lambda: "a") == "a"
    assert cache.get_or_make((1, 2, "old", "first"), lambda: "b") == "b"
    assert cache.get_or_make((1, 2, "old"), lambda: "never") == "a" and cache.misses == 2
    cache.drop_other_stamps((1, 2), "new")
    assert cache.get_or_make((1, 2, "old"), lambda: "again") == "again"
    for n in range(4):
        cache.get_or_make((9, n), lambda n=n: n)
    assert cache.get_or_make((9, 0), lambda: "evicted") == "evicted"  # least recently used


def test_negative_figures_stay_numbers_in_csv_and_text_is_still_defused():
    from lti_tool.web.csv_export import csv_cell

    assert csv_cell(-0.25) == "-0.25" and csv_cell(-3) == "-3"
    assert csv_cell("-0.25") == "'-0.25" and csv_cell("=1+1") == "'=1+1"
    assert csv_cell(True) == "True"
