"""Small response matrices written out by hand, and a synthetic one for the language tests."""

from __future__ import annotations

import math
from collections.abc import Sequence

from lti_tool.analysis.matrix import AttemptFacts, ItemColumn, MatrixBuilder, ResponseMatrix
from tests.support.item_responses import rasch_answers

NaN = math.nan


def column(i: int, *, points: float = 1.0, options: str = "", keyed: str = "") -> ItemColumn:
    return ItemColumn(
        item_version_id=100 + i,
        uid=f"item-{i}",
        version=1,
        type="single_choice" if options else "short_answer",
        points=points,
        options=tuple(options),
        keyed=frozenset(keyed),
    )


def matrix(
    rows: Sequence[Sequence[float]],
    *,
    items: Sequence[ItemColumn] | None = None,
    learners: Sequence[int] | None = None,
    numbers: Sequence[int] | None = None,
    languages: Sequence[str] | None = None,
    chosen: Sequence[Sequence[str]] | None = None,
    pass_mark: float = 50.0,
) -> ResponseMatrix:
    """One row of fractions per attempt (NaN: not drawn); totals follow from the cells."""
    items = list(items or [column(i) for i in range(len(rows[0]))])
    builder = MatrixBuilder(items)
    for r, fractions in enumerate(rows):
        drawn = [(i, f) for i, f in enumerate(fractions) if not math.isnan(f)]
        points = sum(f * items[i].points for i, f in drawn)
        maximum = sum(items[i].points for i, _f in drawn)
        row = builder.add_attempt(
            AttemptFacts(
                attempt_id=r + 1,
                learner=learners[r] if learners else r + 1,
                number=numbers[r] if numbers else 1,
                language=languages[r] if languages else "en",
                points=points,
                max_points=maximum,
                passed=points / maximum * 100 >= pass_mark,
            )
        )
        for i, f in drawn:
            builder.add_cell(row, items[i].item_version_id, f, chosen[r] if chosen else ())
    return builder.build()


def two_languages(per_language: int, *, harder_in_spanish: int | None, seed: int = 7):
    """Ten items answered in en and es (tests.support.item_responses); item
    `harder_in_spanish` is harder for the es learners only."""
    answers = rasch_answers(per_language, harder_item=harder_in_spanish, seed=seed)
    return matrix(
        [[float(right) for right in row] for _language, row in answers],
        languages=[language for language, _row in answers],
    )
