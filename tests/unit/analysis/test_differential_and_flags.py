"""Language differential (Mantel-Haenszel, Holm) and the flag rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lti_tool.analysis import flags
from lti_tool.analysis.differential import holm, language_differences, mantel_haenszel
from lti_tool.analysis.statistics import ItemStats, OptionCount
from tests.unit.analysis.matrices import column, two_languages


def test_mantel_haenszel_on_one_stratum():
    # Reference: 20 right, 10 wrong; focal: 10 right, 20 wrong.
    right = np.array([True] * 20 + [False] * 10 + [True] * 10 + [False] * 20)
    focal = np.array([False] * 30 + [True] * 30)
    chi_square, delta = mantel_haenszel(right, focal, np.zeros(60))
    variance = 30 * 30 * 30 * 30 / (60 * 60 * 59)
    assert chi_square == pytest.approx((abs(20 - 15) - 0.5) ** 2 / variance)
    assert delta == pytest.approx(-2.35 * math.log(4))  # odds ratio (20*20)/(10*10)


def test_mantel_haenszel_without_an_informative_stratum():
    assert mantel_haenszel(np.array([True, True]), np.array([True, False]), np.zeros(2)) == (
        None,
        None,
    )


def test_holm_adjustment():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([]) == []


def test_only_the_item_harder_in_spanish_is_flagged():
    differences = language_differences(two_languages(150, harder_in_spanish=3))
    flagged = {(d.column, d.language) for d in differences if d.flagged}
    assert {c for c, _language in flagged} == {3}
    spanish = next(d for d in differences if d.column == 3 and d.language == "es")
    assert spanish.delta is not None and spanish.delta < -1.0  # harder in es
    assert spanish.facility_focal < spanish.facility_reference


def test_no_differential_without_one():
    assert not any(
        d.flagged for d in language_differences(two_languages(150, harder_in_spanish=None))
    )


def test_small_groups_are_not_tested():
    differences = language_differences(two_languages(10, harder_in_spanish=3))
    assert differences and not any(d.tested or d.flagged for d in differences)


def test_one_language_has_nothing_to_compare():
    m = two_languages(40, harder_in_spanish=None)
    assert language_differences(m.in_language("en")) == []


def _stats(n: int, facility: float, discrimination: float | None, shares=()) -> ItemStats:
    options = tuple(OptionCount(o, 0, s, o == "a") for o, s in shares)
    return ItemStats(column(0), n, facility, 0.3, discrimination, None, options, 0)


@pytest.mark.parametrize(
    ("facility", "discrimination", "codes"),
    [
        (0.19, 0.5, [flags.TOO_HARD]),
        (0.2, 0.5, []),
        (0.96, 0.5, [flags.TOO_EASY]),
        (0.95, 0.19, [flags.WEAK_DISCRIMINATION]),
        (0.5, None, []),
    ],
)
def test_flag_rules(facility, discrimination, codes):
    assert [f.code for f in flags.item_flags(_stats(30, facility, discrimination))] == codes


def test_rare_distractors_are_named_and_small_samples_flag_nothing():
    shares = (("a", 0.7), ("b", 0.26), ("c", 0.04))
    found = flags.item_flags(_stats(30, 0.7, 0.4, shares))
    assert found == [flags.Flag(flags.RARE_DISTRACTOR, ("c",))]
    assert flags.item_flags(_stats(29, 0.05, 0.0, shares)) == []
