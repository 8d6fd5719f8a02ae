"""The flags of an item, each with its rule (the page writes the rule next to the flag, in the
reader's language: lti_tool.analysis.wording). No flag is raised on fewer than MIN_ITEM_N
attempts that drew the item: a facility of 0.1 from five attempts says nothing about the item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lti_tool.analysis.differential import LanguageDifference
from lti_tool.analysis.statistics import ItemStats

MIN_ITEM_N = 30
TOO_HARD_BELOW = 0.2  # facility
TOO_EASY_ABOVE = 0.95
WEAK_DISCRIMINATION_BELOW = 0.2
RARE_DISTRACTOR_BELOW = 0.05  # share of the attempts that drew the item

TOO_HARD = "too_hard"
TOO_EASY = "too_easy"
WEAK_DISCRIMINATION = "weak_discrimination"
RARE_DISTRACTOR = "rare_distractor"
LANGUAGE_DIFFERENTIAL = "language_differential"
FLAG_CODES = (TOO_HARD, TOO_EASY, WEAK_DISCRIMINATION, RARE_DISTRACTOR, LANGUAGE_DIFFERENTIAL)


@dataclass(frozen=True)
class Flag:
    code: str
    subjects: tuple[str, ...] = ()  # the distractors or languages concerned


def item_flags(stats: ItemStats, differences: Iterable[LanguageDifference] = ()) -> list[Flag]:
    flags = []
    if stats.n >= MIN_ITEM_N and stats.facility is not None:
        if stats.facility < TOO_HARD_BELOW:
            flags.append(Flag(TOO_HARD))
        if stats.facility > TOO_EASY_ABOVE:
            flags.append(Flag(TOO_EASY))
        if stats.discrimination is not None and stats.discrimination < WEAK_DISCRIMINATION_BELOW:
            flags.append(Flag(WEAK_DISCRIMINATION))
        rare = tuple(
            o.option for o in stats.options if not o.keyed and o.share < RARE_DISTRACTOR_BELOW
        )
        if rare:
            flags.append(Flag(RARE_DISTRACTOR, rare))
    languages = tuple(d.language for d in differences if d.flagged)
    if languages:
        flags.append(Flag(LANGUAGE_DIFFERENTIAL, languages))
    return flags
