"""How the analysis reads on the pages, in the reader's language: flags with their rules,
language names, the attempt selections, and numbers (a dash where a figure is not defined)."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.numbers import format_percent
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from lti_tool.analysis import differential, flags
from lti_tool.analysis.matrix import ALL, BEST, FIRST
from lti_tool.analysis.reading import UNKNOWN_LANGUAGE

DASH = "—"


def number(value: float | None, digits: int = 2) -> str:
    return DASH if value is None else str(format_decimal(value, format="0." + "0" * digits))


def share(value: float | None) -> str:
    """0.25 -> '25%' / '25 %' (as the reader's language writes it), one decimal at most."""
    if value is None:
        return DASH
    return format_percent(round(value, 3), locale=get_locale() or "en", decimal_quantization=False)


def score(value: float | None) -> str:
    """A score already in percent (0..100)."""
    return DASH if value is None else share(value / 100)


def language_name(code: str) -> str:
    if code == UNKNOWN_LANGUAGE:
        return _("Unknown language")
    try:
        name = Locale.parse(code).get_display_name(get_locale() or "en")
    except (ValueError, UnknownLocaleError):
        return code
    return (name or code)[:1].upper() + (name or code)[1:]


def selection_label(selection: str) -> str:
    return {
        FIRST: _("First attempt of each learner"),
        BEST: _("Best attempt of each learner"),
        ALL: _("All submitted attempts"),
    }[selection]


def flag_name(flag: flags.Flag) -> str:
    return {
        flags.TOO_HARD: _("Too hard"),
        flags.TOO_EASY: _("Too easy"),
        flags.WEAK_DISCRIMINATION: _("Weak discrimination"),
        flags.RARE_DISTRACTOR: _("Distractor rarely chosen"),
        flags.LANGUAGE_DIFFERENTIAL: _("Differs by language"),
    }[flag.code]


def flag_rule(flag: flags.Flag) -> str:
    """The rule that raised the flag, with what it concerns."""
    if flag.code == flags.TOO_HARD:
        return _("Facility below %(limit)s.", limit=number(flags.TOO_HARD_BELOW))
    if flag.code == flags.TOO_EASY:
        return _("Facility above %(limit)s.", limit=number(flags.TOO_EASY_ABOVE))
    if flag.code == flags.WEAK_DISCRIMINATION:
        return _("Discrimination below %(limit)s.", limit=number(flags.WEAK_DISCRIMINATION_BELOW))
    if flag.code == flags.RARE_DISTRACTOR:
        return _(
            "Wrong options chosen by fewer than %(limit)s of the attempts: %(options)s.",
            limit=share(flags.RARE_DISTRACTOR_BELOW),
            options=", ".join(flag.subjects),
        )
    return _(
        "Harder or easier in %(languages)s than in the other languages for learners with the "
        "same score on the rest of the assessment (Mantel-Haenszel test, Holm-corrected "
        "p < %(alpha)s, effect of at least %(delta)s on the ETS delta scale).",
        languages=", ".join(language_name(code) for code in flag.subjects),
        alpha=number(differential.ALPHA),
        delta=number(differential.MIN_DELTA, 1),
    )


def minimum_samples_note() -> str:
    return _(
        "No flag is raised on an item drawn by fewer than %(items)d attempts, and languages "
        "are compared only where each side has at least %(group)d attempts that drew the item.",
        items=flags.MIN_ITEM_N,
        group=differential.MIN_GROUP,
    )
