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


def language_name(code: str, *, capital: bool = True) -> str:
    """The language's name in the reader's language; `capital=False` inside a sentence
    ("plus difficile en espagnol"), as the reader's language writes it there."""
    if code == UNKNOWN_LANGUAGE:
        return _("Unknown language")
    try:
        name = Locale.parse(code).get_display_name(get_locale() or "en") or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:] if capital else name


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


def flag_brief(flag: flags.Flag) -> str:
    """The flag and its rule in a few words, for the item table (the full rules are below it)."""
    if flag.code == flags.TOO_HARD:
        return _("Too hard (facility < %(limit)s)", limit=number(flags.TOO_HARD_BELOW))
    if flag.code == flags.TOO_EASY:
        return _("Too easy (facility > %(limit)s)", limit=number(flags.TOO_EASY_ABOVE))
    if flag.code == flags.WEAK_DISCRIMINATION:
        return _("Weak discrimination (< %(limit)s)", limit=number(flags.WEAK_DISCRIMINATION_BELOW))
    if flag.code == flags.RARE_DISTRACTOR:
        return _(
            "Distractor rarely chosen (< %(limit)s): %(options)s",
            limit=share(flags.RARE_DISTRACTOR_BELOW),
            options=", ".join(flag.subjects),
        )
    return _(
        "Differs by language: %(languages)s (Mantel-Haenszel)",
        languages=", ".join(language_name(code) for code in flag.subjects),
    )


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
        languages=", ".join(language_name(code, capital=False) for code in flag.subjects),
        alpha=number(differential.ALPHA),
        delta=number(differential.MIN_DELTA, 1),
    )


def all_rules() -> list[tuple[str, str]]:
    """(flag name, rule) of every flag, for the legend under the item table."""
    examples = [
        flags.Flag(flags.TOO_HARD),
        flags.Flag(flags.TOO_EASY),
        flags.Flag(flags.WEAK_DISCRIMINATION),
    ]
    rules = [(flag_name(f), flag_rule(f)) for f in examples]
    rules.append(
        (
            flag_name(flags.Flag(flags.RARE_DISTRACTOR)),
            _(
                "A wrong option chosen by fewer than %(limit)s of the attempts that drew the item.",
                limit=share(flags.RARE_DISTRACTOR_BELOW),
            ),
        )
    )
    rules.append(
        (
            flag_name(flags.Flag(flags.LANGUAGE_DIFFERENTIAL)),
            _(
                "Harder or easier in one language than in the others for learners with the same "
                "score on the rest of the assessment (Mantel-Haenszel test, Holm-corrected "
                "p < %(alpha)s, effect of at least %(delta)s on the ETS delta scale).",
                alpha=number(differential.ALPHA),
                delta=number(differential.MIN_DELTA, 1),
            ),
        )
    )
    return rules


def minimum_samples_note() -> str:
    return _(
        "No flag is raised on an item drawn by fewer than %(items)d attempts, and languages "
        "are compared only where each side has at least %(group)d attempts that drew the item.",
        items=flags.MIN_ITEM_N,
        group=differential.MIN_GROUP,
    )
