"""Change in knowledge, per learner and for the cohort: plain arithmetic on known numbers.

`before` is the entry questionnaire's knowledge score; `after` is the final questionnaire's, or
(when the assessment has no final questionnaire) the learner's best score in the final
assessment. Both are percentages. Cohort figures use only learners who have both (paired), so
people who skipped the entry questionnaire do not shift the averages.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean, median


@dataclass(frozen=True)
class LearnerKnowledge:
    user_id: int
    name: str
    before: float | None
    after: float | None

    @property
    def paired(self) -> bool:
        return self.before is not None and self.after is not None

    @property
    def change(self) -> float | None:
        """Percentage points gained (negative: lost)."""
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 2)

    @property
    def normalised_gain(self) -> float | None:
        """Share of the possible gain achieved (Hake's g): (after - before) / (100 - before)."""
        if self.before is None or self.after is None or self.before >= 100:
            return None
        return round((self.after - self.before) / (100 - self.before), 3)


@dataclass(frozen=True)
class CohortKnowledge:
    learners: int
    with_before: int
    with_after: int
    paired: int
    mean_before: float | None  # paired learners only, like every figure below
    mean_after: float | None
    mean_change: float | None
    median_change: float | None
    mean_normalised_gain: float | None
    improved: int
    unchanged: int
    declined: int


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def cohort_knowledge(rows: list[LearnerKnowledge]) -> CohortKnowledge:
    paired = [r for r in rows if r.paired]
    changes = [r.change for r in paired if r.change is not None]
    gains = [r.normalised_gain for r in paired if r.normalised_gain is not None]
    befores = [r.before for r in paired if r.before is not None]  # paired: both are set
    afters = [r.after for r in paired if r.after is not None]
    return CohortKnowledge(
        learners=len(rows),
        with_before=sum(1 for r in rows if r.before is not None),
        with_after=sum(1 for r in rows if r.after is not None),
        paired=len(paired),
        mean_before=_round(mean(befores)) if befores else None,
        mean_after=_round(mean(afters)) if afters else None,
        mean_change=_round(mean(changes)) if changes else None,
        median_change=_round(median(changes)) if changes else None,
        mean_normalised_gain=_round(mean(gains), 2) if gains else None,
        improved=sum(1 for c in changes if c > 0),
        unchanged=sum(1 for c in changes if c == 0),
        declined=sum(1 for c in changes if c < 0),
    )
