"""What every item type provides, and the small tools its hooks share.

An item type is one `ItemType` subclass in one module of this package (as CTFd registers its
challenge types): its YAML schema, how it builds stored content, the responses it accepts and
how it scores them, what a learner sees, and how it is read from and written to Moodle's
formats. `item_bank.item_types` registers the instances; the rest of the bank looks types up
there instead of switching on the type name.

This module imports no other part of the bank except leaf modules (languages, sanitize,
media.references), so the type modules can be imported by every reader, writer and service
without a cycle.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

from item_bank.languages import FALLBACK_LANGUAGE
from item_bank.media.references import images_without_alt
from item_bank.messages import msg
from item_bank.sanitize import sanitize_html

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from item_bank.exporters.moodle_xml_writer import QuestionWriter
    from item_bank.parsers.gift_text import GiftQuestion
    from item_bank.parsers.moodle_xml_reader import MoodleReader
    from item_bank.schemas import ItemBaseSchema

Translations = Mapping[str, str]
Content = Mapping[str, Any]
Response = Mapping[str, Any]
Translate = Callable[[Translations | None], str]


# --------------------------------------------------------------------------- responses
class InvalidResponse(ValueError):
    """A response that does not fit the item; `code` is stable for programs, `message` for
    people."""

    def __init__(self, message: str, code: str = "invalid_response") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def only_keys(response: Response, allowed: set[str]) -> None:
    extra = set(response) - allowed
    if extra:
        raise InvalidResponse(
            f"Unexpected field(s) {sorted(extra)}; expected only {sorted(allowed)}.",
            "unexpected_field",
        )


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def parse_number(value: Any) -> float:
    """A learner's number: int/float, or text with '.' or one ',' as decimal separator."""
    if isinstance(value, bool):
        raise InvalidResponse("'value' must be a number.", "not_a_number")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u2212", "-").replace(" ", "").replace("\u00a0", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not _NUMBER.match(text):
            raise InvalidResponse(f"{value!r} is not a number.", "not_a_number")
        try:
            number = float(Decimal(text))
        except (InvalidOperation, OverflowError):
            raise InvalidResponse(f"{value!r} is not a number.", "not_a_number") from None
    else:
        raise InvalidResponse("'value' must be a number or text.", "wrong_shape")
    if not math.isfinite(number):
        raise InvalidResponse("The number is out of range.", "not_a_number")
    return number


def clamp(value: float, points: float) -> float:
    return min(max(value, 0.0), points)


# --------------------------------------------------------------------------- validation
@dataclass
class ContentContext:
    """What a type's `build_content` may use: the document's default language, a way to
    report a problem at a field path of the item, and the checks every text goes through."""

    language: str
    report: Callable[[str, str], None]  # (message, field path)

    def require_fallback(self, translations: Mapping[str, Any], path: str) -> None:
        if self.language not in translations and FALLBACK_LANGUAGE not in translations:
            self.report(
                msg(
                    "Needs the default language %(language)r (or %(fallback)r) "
                    "so every locale has a fallback.",
                    language=self.language,
                    fallback=FALLBACK_LANGUAGE,
                ),
                path,
            )

    def sanitized(self, translations: Translations, path: str) -> dict[str, str]:
        result: dict[str, str] = {}
        for lang, text in translations.items():
            cleaned = sanitize_html(text)
            if not cleaned:
                self.report(msg("Is empty once unsafe HTML is removed."), f"{path}.{lang}")
            elif "<img" in cleaned and images_without_alt(cleaned):
                self.report(
                    msg(
                        "A picture has no text alternative (alt text): describe it for learners "
                        "who cannot see it (in Moodle's editor: Image description)."
                    ),
                    f"{path}.{lang}",
                )
            result[lang] = cleaned
        return result

    def html(self, translations: Translations, path: str) -> dict[str, str]:
        """A learner-facing text: it needs a fallback language and is sanitised HTML."""
        self.require_fallback(translations, path)
        return self.sanitized(translations, path)


def duplicates(values: list[str]) -> list[str]:
    seen: set[str] = set()
    dups: list[str] = []
    for value in values:
        if value in seen and value not in dups:
            dups.append(value)
        seen.add(value)
    return dups


# --------------------------------------------------------------------------- the type
class ItemType:
    """One item type. Subclasses set the class attributes and override the hooks."""

    name: ClassVar[str]
    schema: ClassVar[type[ItemBaseSchema]]
    # Templates of the tool (lti_tool/templates/) for this type's answer controls and its
    # review; strings because the bank never imports the tool. The tool's question and result
    # pages include them by type (lti_tool.web.item_templates), and a test renders every
    # registered type's pair, so a type without its templates fails.
    answer_template: ClassVar[str]
    review_template: ClassVar[str]
    # Moodle: the question type written on export, and the ones read on import.
    moodle_qtype: ClassVar[str]
    moodle_import_qtypes: ClassVar[tuple[str, ...]] = ()
    # GIFT has no type keyword: readers try types by ascending `gift_order` (lowest first).
    gift_order: ClassVar[int | None] = None
    shuffles_options: ClassVar[bool] = False  # drawing shuffles `option_ids` per attempt

    # -- authoring ------------------------------------------------------------------------
    def build_content(self, data: Mapping[str, Any], ctx: ContentContext) -> dict[str, Any]:
        """The type's own keys of the stored content, from schema-loaded `data`."""
        raise NotImplementedError

    def learner_texts(self, content: Content) -> list[Translations]:
        """Texts besides the stem a learner must read to answer (language coverage)."""
        return []

    # -- attempts -------------------------------------------------------------------------
    def option_ids(self, content: Content) -> list[str]:
        """The ids an attempt's `option_order` permutes, in authored order."""
        return []

    def normalise_response(self, content: Content, response: Response) -> dict[str, Any]:
        raise NotImplementedError

    def score(self, content: Content, points: float, response: Response) -> float:
        """Points in [0, points] for a normalised response."""
        raise NotImplementedError

    def present(self, content: Content, order: list[str], t: Translate) -> dict[str, Any]:
        """The type's own keys of the learner-safe view (no answer keys)."""
        return {}

    def correct_response(self, content: Content, locale: str, default: str) -> dict[str, Any]:
        """The right answer in response shape."""
        raise NotImplementedError

    def mark_review(self, view: dict[str, Any], content: Content) -> None:
        """Full review: add what the type shows of the right answer beyond `correct`."""

    # -- formats --------------------------------------------------------------------------
    def to_moodle_xml(self, content: Content, writer: QuestionWriter) -> None:
        """Append this type's elements to a Moodle XML <question>."""
        raise NotImplementedError

    def from_moodle_xml(
        self,
        reader: MoodleReader,
        question: ET.Element,
        item: dict[str, Any],
        meta: Mapping[str, Any],
    ) -> None:
        """Fill `item` (id, stem, points... already set) from a Moodle XML <question>; `meta`
        is what our own exporter wrote in its `emm-item:` comment (empty for Moodle's files)."""
        raise NotImplementedError

    def gift_accepts(self, answer_text: str) -> bool:
        """Whether a GIFT answer block `{...}` is of this type."""
        return False

    def from_gift(self, question: GiftQuestion, answer_text: str, item: dict[str, Any]) -> None:
        """Fill `item` from a GIFT answer block (the stem is already set)."""
        raise NotImplementedError
