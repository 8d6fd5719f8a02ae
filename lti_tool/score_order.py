"""Which of two scores is higher: one comparison for the attempt engine and the grade outbox.

Scores are compared as exact fractions (given / maximum) of the floats stored, with no
tolerance: an epsilon would let two places disagree about a score a hair above the best (one
calls it a new best, the other "never lower" refuses it). Percentages are rounded to two
decimals before they are stored, so float noise never reaches this comparison.
"""

from __future__ import annotations

from fractions import Fraction


def score_fraction(given: float, maximum: float) -> Fraction:
    """`given / maximum`, exactly; `maximum` must be positive."""
    if not maximum > 0:
        raise ValueError("the maximum score must be positive")
    return Fraction(given) / Fraction(maximum)


def is_higher(given: float, maximum: float, than_given: float, than_maximum: float) -> bool:
    """True when `given / maximum` is strictly above `than_given / than_maximum`: an equal
    score is not higher (the attempt that reached it first keeps it)."""
    return score_fraction(given, maximum) > score_fraction(than_given, than_maximum)
