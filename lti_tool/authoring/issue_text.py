"""What the item bank tells an author, in the interface language: a Message (item_bank.messages)
is translated from its msgid, values that are messages too; marshmallow's own messages arrive
as plain English text and are recognised here; anything else stays English, and says so."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from flask_babel import get_locale, get_translations

from item_bank.messages import Message, msg

# marshmallow's default messages (marshmallow 4) that the authoring schemas can produce.
# Listed with `msg` only so that Babel extracts them; the item bank never sends these objects.
_FIXED = (
    msg("Missing data for required field."),
    msg("Field may not be null."),
    msg("Invalid value."),
    msg("Invalid type."),
    msg("Invalid input."),
    msg("Invalid input type."),
    msg("Unknown field."),
    msg("Not a valid string."),
    msg("Not a valid utf-8 string."),
    msg("Not a valid integer."),
    msg("Not a valid number."),
    msg("Number too large."),
    msg("Special numeric values (nan or infinity) are not permitted."),
    msg("Not a valid boolean."),
    msg("Not a valid list."),
    msg("Not a valid mapping type."),
    msg("String does not match expected pattern."),
)
# Those with a value in them (validate.Range, Length, OneOf), as templates whose placeholders
# match the value marshmallow wrote.
_VARIABLE = (
    msg("Must be greater than or equal to %(min)s."),
    msg("Must be greater than %(min)s."),
    msg("Must be less than or equal to %(max)s."),
    msg("Must be less than %(max)s."),
    msg("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    msg("Must be greater than or equal to %(min)s and less than %(max)s."),
    msg("Must be greater than %(min)s and less than or equal to %(max)s."),
    msg("Must be greater than %(min)s and less than %(max)s."),
    msg("Shorter than minimum length %(min)s."),
    msg("Longer than maximum length %(max)s."),
    msg("Length must be between %(min)s and %(max)s."),
    msg("Length must be %(equal)s."),
    msg("Must be one of: %(choices)s."),
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def issue_text(message: str) -> tuple[str, str]:
    """(text, its language) for an issue's message: the interface language when a
    translation exists, else the English text and "en" (for the element's `lang`)."""
    language = str(get_locale() or "en")
    try:
        if isinstance(message, Message):
            return translate(message), _shown_in(message.template, language)
        if message in _FIXED:
            return _gettext(message), _shown_in(message, language)
        for template, pattern in _variable_patterns():
            found = pattern.fullmatch(message)
            if found:
                return _gettext(template) % found.groupdict(), language
    except (KeyError, ValueError, TypeError):  # a catalog entry whose placeholders do not fit
        pass
    return str(message), "en"


def translate(message: Message) -> str:
    """`message` in the interface language, its Message values translated too."""
    params: dict[str, Any] = {
        key: translate(value) if isinstance(value, Message) else value
        for key, value in message.params.items()
    }
    text = _gettext(message.template)
    if params:
        text = text % params
    return text.rstrip(".") if message.trimmed else text


def _shown_in(msgid: str, language: str) -> str:
    """The language of the text shown: English when the catalog has no entry for it."""
    return language if language == "en" or _gettext(msgid) != msgid else "en"


def _gettext(msgid: str) -> str:
    return get_translations().gettext(msgid)


@cache
def _variable_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each variable template with the pattern that reads its values back out of English."""
    patterns = []
    # Longest first: "Must be greater than %(min)s." would also match the text of
    # "Must be greater than %(min)s and less than %(max)s.", taking "1 and less than 5" as min.
    for template in sorted(_VARIABLE, key=len, reverse=True):
        parts = _PLACEHOLDER.split(template.template)
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
            for index, part in enumerate(parts)
        )
        patterns.append((template.template, re.compile(regex)))
    return tuple(patterns)
