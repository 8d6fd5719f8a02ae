"""The knowledge-change arithmetic on known numbers."""

from __future__ import annotations

import pytest

from lti_tool.forms.knowledge import LearnerKnowledge, cohort_knowledge


def test_per_learner_change_and_normalised_gain():
    row = LearnerKnowledge(1, "Ana", before=40.0, after=85.0)
    assert row.change == 45.0
    assert row.normalised_gain == pytest.approx(0.75)  # 45 of the 60 points that were left
    assert LearnerKnowledge(2, "Ben", before=None, after=90.0).change is None
    assert LearnerKnowledge(3, "Cem", before=100.0, after=100.0).normalised_gain is None
    assert LearnerKnowledge(4, "Dewi", before=60.0, after=50.0).change == -10.0


def test_cohort_figures_use_paired_learners_only():
    rows = [
        LearnerKnowledge(1, "Ana", 40.0, 85.0),  # +45, g = 0.75
        LearnerKnowledge(2, "Ben", 50.0, 70.0),  # +20, g = 0.4
        LearnerKnowledge(3, "Cem", 80.0, 80.0),  # 0,   g = 0
        LearnerKnowledge(4, "Dewi", 60.0, 50.0),  # -10, g = -0.25
        LearnerKnowledge(5, "Eve", None, 100.0),  # no entry questionnaire: not in the averages
        LearnerKnowledge(6, "Fer", 10.0, None),  # no final result yet
    ]
    cohort = cohort_knowledge(rows)
    assert (cohort.learners, cohort.with_before, cohort.with_after, cohort.paired) == (6, 5, 5, 4)
    assert cohort.mean_before == 57.5  # (40 + 50 + 80 + 60) / 4
    assert cohort.mean_after == 71.2  # (85 + 70 + 80 + 50) / 4 = 71.25 -> 71.2 (half to even)
    assert cohort.mean_change == 13.8  # (45 + 20 + 0 - 10) / 4 = 13.75
    assert cohort.median_change == 10.0  # (0 + 20) / 2
    assert cohort.mean_normalised_gain == pytest.approx(0.23)  # (0.75 + 0.4 + 0 - 0.25) / 4 = 0.225
    assert (cohort.improved, cohort.unchanged, cohort.declined) == (2, 1, 1)


def test_an_empty_cohort_has_no_averages():
    cohort = cohort_knowledge([LearnerKnowledge(1, "Ana", None, 90.0)])
    assert cohort.paired == 0
    assert (
        cohort.mean_before is None and cohort.mean_change is None and cohort.median_change is None
    )
