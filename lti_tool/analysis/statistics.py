"""Classical test statistics over a response matrix (docs/statistics.md has each formula and a
worked example). A figure that is not defined for the data (one attempt, a constant item) is
None, never NaN: pages show a dash and CSVs an empty cell.

Standard deviations are sample ones (n - 1). Cronbach's alpha allows pool draws: with every
item in every attempt it is the textbook k/(k-1) (1 - sum of item variances / total variance);
with attempts drawing k items from a larger pool it is the same coefficient written with the
mean item variance and the mean covariance of the item pairs drawn together, k c / (v + (k-1) c),
which is what the textbook formula gives when there is nothing missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lti_tool.analysis.matrix import Floats, ItemColumn, ResponseMatrix

MIN_CORRELATION_N = 3  # a correlation of two points is always +1 or -1: not worth showing


@dataclass(frozen=True)
class AssessmentStats:
    attempts: int
    learners: int
    mean: float | None  # score percent
    median: float | None
    sd: float | None
    pass_rate: float | None  # 0..1
    alpha: float | None
    sem: float | None  # score percent


@dataclass(frozen=True)
class OptionCount:
    option: str
    count: int
    share: float  # of the attempts that drew the item
    keyed: bool


@dataclass(frozen=True)
class ItemStats:
    item: ItemColumn
    n: int  # attempts that drew it
    facility: float | None  # mean fraction of its points, 0..1
    sd: float | None
    discrimination: float | None  # corrected item-total (rest score) point-biserial
    efficiency: float | None  # discriminative efficiency
    options: tuple[OptionCount, ...]
    no_answer: int  # choice items: attempts that drew it and chose nothing


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _sd(values: Floats) -> float | None:
    return _finite(float(np.std(values, ddof=1))) if values.size >= 2 else None


def cronbach_alpha(matrix: ResponseMatrix) -> float | None:
    """k c / (v + (k - 1) c) in points: k the mean number of items an attempt drew, v the mean
    item variance, c the mean covariance over item pairs drawn together by 2+ attempts."""
    drawn = ~np.isnan(matrix.scores)
    k = float(drawn.sum(axis=1).mean()) if matrix.n_attempts else 0.0
    if matrix.n_attempts < 2 or k < 2:
        return None
    points = np.asarray([item.points for item in matrix.items], dtype=np.float64)
    x = np.where(drawn, matrix.scores * points, 0.0)
    d = drawn.astype(np.float64)
    pair_n = d.T @ d  # attempts that drew both i and j
    sum_i_given_j = x.T @ d  # [i, j]: sum of item i over the attempts that drew j too
    products = x.T @ x
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = (products - sum_i_given_j * sum_i_given_j.T / pair_n) / (pair_n - 1)
    usable = pair_n >= 2
    diagonal = np.eye(len(matrix.items), dtype=bool)
    variances, covariances = cov[usable & diagonal], cov[usable & ~diagonal]
    if variances.size == 0 or covariances.size == 0:
        return None
    v, c = float(variances.mean()), float(covariances.mean())
    denominator = v + (k - 1) * c
    return _finite(k * c / denominator) if denominator > 0 else None


def assessment_stats(matrix: ResponseMatrix) -> AssessmentStats:
    percent = matrix.score_percent
    n = matrix.n_attempts
    sd = _sd(percent)
    alpha = cronbach_alpha(matrix)
    sem = None
    if sd is not None and alpha is not None and alpha <= 1:
        sem = sd * math.sqrt(1 - alpha)
    return AssessmentStats(
        attempts=n,
        learners=int(np.unique(matrix.learners).size),
        mean=float(percent.mean()) if n else None,
        median=float(np.median(percent)) if n else None,
        sd=sd,
        pass_rate=float(matrix.passed.mean()) if n else None,
        alpha=alpha,
        sem=sem,
    )


def rest_percent(matrix: ResponseMatrix, column: int) -> Floats:
    """Each attempt's score without item `column`, in percent of what remained to earn (NaN
    where the attempt did not draw the item or nothing else was asked)."""
    item_points = matrix.items[column].points
    earned = matrix.scores[:, column] * item_points
    remaining = matrix.max_points - item_points
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = (matrix.points - earned) / remaining * 100.0
    return np.asarray(np.where(remaining > 0, rest, np.nan), dtype=np.float64)


def _correlation(x: Floats, y: Floats) -> float | None:
    if x.size < MIN_CORRELATION_N:
        return None
    dx, dy = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(dx @ dx) * float(dy @ dy))
    return _finite(float(dx @ dy) / denominator) if denominator > 0 else None


def _efficiency(x: Floats, y: Floats) -> float | None:
    """Covariance of (x, y) over the largest covariance their values allow (both sorted
    together): how much of the discrimination the item's difficulty leaves possible."""
    if x.size < MIN_CORRELATION_N:
        return None
    actual = float((x - x.mean()) @ (y - y.mean()))
    xs, ys = np.sort(x), np.sort(y)
    best = float((xs - xs.mean()) @ (ys - ys.mean()))
    return _finite(actual / best) if best > 1e-12 else None


def _options(item: ItemColumn, masks: np.ndarray, n: int) -> tuple[tuple[OptionCount, ...], int]:
    if not item.has_options:
        return (), 0
    counts = []
    for j, option in enumerate(item.options):
        count = int(((masks >> j) & 1).sum())
        counts.append(OptionCount(option, count, count / n if n else 0.0, option in item.keyed))
    return tuple(counts), int((masks == 0).sum())


def item_stats(matrix: ResponseMatrix) -> list[ItemStats]:
    result = []
    for column, item in enumerate(matrix.items):
        drawn = ~np.isnan(matrix.scores[:, column])
        x = matrix.scores[drawn, column]
        rest = rest_percent(matrix, column)[drawn]
        paired = ~np.isnan(rest)
        options, no_answer = _options(item, matrix.choices[drawn, column], int(x.size))
        result.append(
            ItemStats(
                item=item,
                n=int(x.size),
                facility=float(x.mean()) if x.size else None,
                sd=_sd(x),
                discrimination=_correlation(x[paired], rest[paired]),
                efficiency=_efficiency(x[paired], rest[paired]),
                options=options,
                no_answer=no_answer,
            )
        )
    return result


def language_facilities(matrix: ResponseMatrix, column: int) -> list[tuple[str, int, float]]:
    """(language, attempts that drew the item, facility) for each language with any."""
    rows = []
    for language in matrix.language_list():
        x = matrix.scores[matrix.languages == language, column]
        x = x[~np.isnan(x)]
        if x.size:
            rows.append((language, int(x.size), float(x.mean())))
    return rows


def score_histogram(percent: Floats, bins: int = 10) -> list[int]:
    """Attempts per band of 100/bins percentage points; 100 % falls in the top band."""
    if percent.size == 0:
        return [0] * bins
    band = np.clip((percent // (100 / bins)).astype(np.int64), 0, bins - 1)
    return [int(c) for c in np.bincount(band, minlength=bins)]
