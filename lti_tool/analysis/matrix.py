"""The response matrix: one row per submitted attempt, one column per item version, each cell
the fraction of the item's points the attempt earned (NaN where the attempt did not draw the
item) and, for choice items, which options were chosen. Pure: no database, no Flask.

Built from a flat stream of cells (`MatrixBuilder`), so that 50,000 attempts x 20 items fill
two numpy arrays instead of a million Python objects (bench/bench_item_statistics.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FIRST, BEST, ALL = "first", "best", "all"
SELECTIONS = (FIRST, BEST, ALL)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Strings = npt.NDArray[np.str_]


@dataclass(frozen=True)
class ItemColumn:
    """One item version as the analysis sees it. `options` is empty for items without options
    to count (short answer, numerical, matching); `keyed` holds the right option ids."""

    item_version_id: int
    uid: str
    version: int
    type: str
    points: float
    options: tuple[str, ...] = ()
    keyed: frozenset[str] = frozenset()

    @property
    def has_options(self) -> bool:
        return bool(self.options)

    def option_mask(self, chosen: Sequence[str]) -> int:
        """The chosen options as bits (bit j = options[j]); unknown ids are ignored."""
        mask = 0
        for option in chosen:
            if option in self.options:
                mask |= 1 << self.options.index(option)
        return mask


@dataclass(frozen=True)
class AttemptFacts:
    attempt_id: int
    learner: int  # the tool's user id; pseudonymised before it leaves the service
    number: int
    language: str
    points: float
    max_points: float
    passed: bool


@dataclass(frozen=True)
class ResponseMatrix:
    items: tuple[ItemColumn, ...]
    attempt_ids: Ints
    learners: Ints
    numbers: Ints
    languages: Strings
    points: Floats
    max_points: Floats
    passed: Bools
    scores: Floats  # (attempts, items) fraction of the item's points; NaN = not drawn
    choices: Ints  # (attempts, items) bit mask of the options chosen; 0 = none

    @property
    def n_attempts(self) -> int:
        return int(self.attempt_ids.shape[0])

    @property
    def score_percent(self) -> Floats:
        return np.asarray(self.points / self.max_points * 100.0, dtype=np.float64)

    def where(self, rows: Bools | Ints) -> ResponseMatrix:
        """The attempts `rows` selects (a boolean mask or row indexes), same columns."""
        return ResponseMatrix(
            self.items,
            self.attempt_ids[rows],
            self.learners[rows],
            self.numbers[rows],
            self.languages[rows],
            self.points[rows],
            self.max_points[rows],
            self.passed[rows],
            self.scores[rows],
            self.choices[rows],
        )

    def in_language(self, language: str | None) -> ResponseMatrix:
        return self if language is None else self.where(self.languages == language)

    def language_list(self) -> list[str]:
        return sorted({str(code) for code in self.languages})


def select(matrix: ResponseMatrix, selection: str) -> ResponseMatrix:
    """First attempt of each learner, their best (highest score, the earliest of equals: the
    one the tool retains), or all attempts. Rows keep the order of the matrix."""
    if selection == ALL or matrix.n_attempts == 0:
        return matrix
    if selection == FIRST:
        order = np.lexsort((matrix.numbers, matrix.learners))
    elif selection == BEST:
        order = np.lexsort((matrix.numbers, -matrix.score_percent, matrix.learners))
    else:
        raise ValueError(f"unknown selection {selection!r}")
    ordered = matrix.learners[order]
    leading = np.ones(ordered.shape[0], dtype=bool)
    leading[1:] = ordered[1:] != ordered[:-1]
    return matrix.where(np.sort(order[leading]))


@dataclass
class MatrixBuilder:
    """Collects attempts and their cells, then builds the arrays in one go."""

    items: Sequence[ItemColumn]
    _facts: list[AttemptFacts] = field(default_factory=list)
    _rows: list[int] = field(default_factory=list)
    _cols: list[int] = field(default_factory=list)
    _fractions: list[float] = field(default_factory=list)
    _masks: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._column = {item.item_version_id: i for i, item in enumerate(self.items)}

    def add_attempt(self, facts: AttemptFacts) -> int:
        self._facts.append(facts)
        return len(self._facts) - 1

    def add_cell(
        self, row: int, item_version_id: int, fraction: float, chosen: Sequence[str] = ()
    ) -> None:
        """One drawn item of attempt `row`: the fraction of its points earned, options chosen."""
        col = self._column[item_version_id]
        self._rows.append(row)
        self._cols.append(col)
        self._fractions.append(fraction)
        self._masks.append(self.items[col].option_mask(chosen) if chosen else 0)

    def build(self) -> ResponseMatrix:
        n, k = len(self._facts), len(self.items)
        scores = np.full((n, k), np.nan)
        choices = np.zeros((n, k), dtype=np.int64)
        rows = np.asarray(self._rows, dtype=np.int64)
        cols = np.asarray(self._cols, dtype=np.int64)
        scores[rows, cols] = np.asarray(self._fractions, dtype=np.float64)
        choices[rows, cols] = np.asarray(self._masks, dtype=np.int64)
        facts = self._facts
        return ResponseMatrix(
            tuple(self.items),
            np.asarray([f.attempt_id for f in facts], dtype=np.int64),
            np.asarray([f.learner for f in facts], dtype=np.int64),
            np.asarray([f.number for f in facts], dtype=np.int64),
            np.asarray([f.language for f in facts], dtype=np.str_),
            np.asarray([f.points for f in facts], dtype=np.float64),
            np.asarray([f.max_points for f in facts], dtype=np.float64),
            np.asarray([f.passed for f in facts], dtype=np.bool_),
            scores,
            choices,
        )
