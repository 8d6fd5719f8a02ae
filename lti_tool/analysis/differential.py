"""Language differential item functioning: does an item behave differently in one language
than in the others, for learners who did equally well on the rest of the assessment?

The test (docs/statistics.md, ADR 0020): for each item and each language (the focal group)
against all other languages together (the reference group), the Mantel-Haenszel chi-square with
continuity correction over strata of the rest score (the attempt's score without the item, in
bands of 10 percentage points); an item counts as right when it earned all its points. The
p-values of all the tests of one analysis are Holm-corrected together. A language is flagged on
an item when the corrected p < 0.05 and the effect is at least moderate on the ETS delta scale
(|delta MH| >= 1.0, delta MH = -2.35 ln alpha MH); a group of fewer than MIN_GROUP attempts that
drew the item is not tested at all (no flag, whatever the numbers look like).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from lti_tool.analysis.matrix import ResponseMatrix
from lti_tool.analysis.statistics import rest_percent

MIN_GROUP = 30  # attempts that drew the item, in the language and in the others
ALPHA = 0.05
MIN_DELTA = 1.0  # ETS: below 1.0 is negligible (category A)
BAND_WIDTH = 10.0  # percentage points of rest score per stratum
RIGHT = 1.0 - 1e-9


@dataclass(frozen=True)
class LanguageDifference:
    column: int
    language: str
    n_focal: int
    n_reference: int
    facility_focal: float
    facility_reference: float
    delta: float | None  # ETS delta MH; negative: harder in `language` at equal rest score
    chi_square: float | None
    p_value: float | None  # None: not tested (a group too small, or no informative stratum)
    p_holm: float | None = None
    flagged: bool = False

    @property
    def tested(self) -> bool:
        return self.p_value is not None


def _chi_square_p(chi_square: float) -> float:
    """Upper tail of chi-square with one degree of freedom."""
    return math.erfc(math.sqrt(chi_square / 2.0))


def mantel_haenszel(
    right: np.ndarray, focal: np.ndarray, strata: np.ndarray
) -> tuple[float | None, float | None]:
    """(chi-square, delta MH) over the strata; (None, None) when no stratum informs."""
    sum_a = sum_expected = sum_variance = odds_top = odds_bottom = 0.0
    for stratum in np.unique(strata):
        here = strata == stratum
        total = int(here.sum())
        if total < 2:
            continue
        a = float((right & ~focal & here).sum())  # reference, right
        b = float((~right & ~focal & here).sum())  # reference, wrong
        c = float((right & focal & here).sum())  # focal, right
        d = float((~right & focal & here).sum())  # focal, wrong
        n_ref, n_foc, m_right, m_wrong = a + b, c + d, a + c, b + d
        sum_a += a
        sum_expected += n_ref * m_right / total
        sum_variance += n_ref * n_foc * m_right * m_wrong / (total * total * (total - 1))
        odds_top += a * d / total
        odds_bottom += b * c / total
    if sum_variance <= 0:
        return None, None
    chi_square = max(0.0, abs(sum_a - sum_expected) - 0.5) ** 2 / sum_variance
    if odds_top > 0 and odds_bottom > 0:
        delta: float | None = -2.35 * math.log(odds_top / odds_bottom)
    else:
        delta = None  # one group right (or wrong) throughout: the effect is unbounded
    return chi_square, delta


def holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given."""
    m = len(p_values)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _difference(matrix: ResponseMatrix, column: int, language: str) -> LanguageDifference:
    drawn = ~np.isnan(matrix.scores[:, column])
    rest = rest_percent(matrix, column)
    usable = drawn & ~np.isnan(rest)
    x = matrix.scores[usable, column]
    focal = matrix.languages[usable] == language
    n_focal, n_reference = int(focal.sum()), int((~focal).sum())
    facility_focal = float(x[focal].mean()) if n_focal else math.nan
    facility_reference = float(x[~focal].mean()) if n_reference else math.nan
    base = LanguageDifference(
        column, language, n_focal, n_reference, facility_focal, facility_reference, None, None, None
    )
    if n_focal < MIN_GROUP or n_reference < MIN_GROUP:
        return base
    strata = np.minimum(rest[usable] // BAND_WIDTH, 100 // BAND_WIDTH - 1)
    chi_square, delta = mantel_haenszel(x >= RIGHT, focal, strata)
    if chi_square is None:
        return base
    return LanguageDifference(
        column,
        language,
        n_focal,
        n_reference,
        facility_focal,
        facility_reference,
        delta,
        chi_square,
        _chi_square_p(chi_square),
    )


def language_differences(matrix: ResponseMatrix) -> list[LanguageDifference]:
    """Every (item, language) comparison of the matrix, tested ones Holm-corrected together
    and flagged by the rule above. Nothing to compare with one language only."""
    languages = matrix.language_list()
    if len(languages) < 2:
        return []
    found = [
        _difference(matrix, column, language)
        for column in range(len(matrix.items))
        for language in languages
    ]
    tested = [d for d in found if d.p_value is not None]
    adjusted = dict(zip(map(id, tested), holm([d.p_value or 0.0 for d in tested]), strict=True))
    result = []
    for d in found:
        p_holm = adjusted.get(id(d))
        large = d.delta is None or abs(d.delta) >= MIN_DELTA
        flagged = p_holm is not None and p_holm < ALPHA and large
        result.append(replace(d, p_holm=p_holm, flagged=flagged))
    return result
