"""true_false: a statement that is true or false; all or nothing.

Its options are the fixed ids "true" / "false" (never shuffled: learners expect True first),
labelled by the page in its own language.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from marshmallow import fields

from item_bank.exporters.moodle_xml_writer import QuestionWriter
from item_bank.item_types.base import (
    Content,
    ContentContext,
    InvalidResponse,
    ItemType,
    Response,
    Translate,
    only_keys,
)
from item_bank.messages import msg
from item_bank.parsers.gift_text import GiftQuestion
from item_bank.parsers.moodle_xml_reader import (
    InvalidQuestion,
    MoodleReader,
    child_text,
    fraction,
    set_feedback,
)
from item_bank.schemas import ItemBaseSchema

TRUE_FALSE = "true_false"
TRUE_FALSE_OPTION_IDS: tuple[str, ...] = ("true", "false")
_GIFT_TRUE, _GIFT_FALSE = ("T", "TRUE"), ("F", "FALSE")


class TrueFalseItemSchema(ItemBaseSchema):
    answer = fields.Boolean(required=True)


class TrueFalse(ItemType):
    name = TRUE_FALSE
    schema = TrueFalseItemSchema
    answer_template = "attempts/items/true_false.html"
    review_template = "attempts/items/true_false_review.html"
    moodle_qtype = "truefalse"
    moodle_import_qtypes = ("truefalse",)
    gift_order = 40

    def build_content(self, data: Mapping[str, Any], ctx: ContentContext) -> dict[str, Any]:
        return {"answer": bool(data["answer"])}

    def option_ids(self, content: Content) -> list[str]:
        return list(TRUE_FALSE_OPTION_IDS)

    def normalise_response(self, content: Content, response: Response) -> dict[str, Any]:
        only_keys(response, {"value"})
        value = response.get("value")
        if value is not None and not isinstance(value, bool):
            raise InvalidResponse("'value' must be true or false.", "wrong_shape")
        return {"value": value}

    def score(self, content: Content, points: float, response: Response) -> float:
        value = response.get("value")
        return points if value is not None and value == content["answer"] else 0.0

    def present(self, content: Content, order: list[str], t: Translate) -> dict[str, Any]:
        return {"options": [{"id": oid, "text": None} for oid in TRUE_FALSE_OPTION_IDS]}

    def correct_response(self, content: Content, locale: str, default: str) -> dict[str, Any]:
        return {"value": content["answer"]}

    def to_moodle_xml(self, content: Content, writer: QuestionWriter) -> None:
        truth = bool(content["answer"])
        for value in (True, False):
            is_right = value == truth
            writer.answer(
                "100" if is_right else "0",
                "true" if value else "false",
                writer.feedback.get("correct" if is_right else "incorrect"),
                fmt="moodle_auto_format",
            )

    def from_moodle_xml(
        self,
        reader: MoodleReader,
        question: ET.Element,
        item: dict[str, Any],
        meta: Mapping[str, Any],
    ) -> None:
        item["type"] = TRUE_FALSE
        feedback: dict[bool, dict[str, str]] = {}
        answer_value: bool | None = None
        for position, answer in enumerate(question.findall("answer")[:2]):
            label = child_text(answer, "text").lower()
            value = {"true": True, "false": False}.get(
                label, position == 0
            )  # old files: true first
            feedback[value] = reader.text_of(answer.find("feedback"), item["id"], "feedback")
            if fraction(answer) >= 99.99:
                answer_value = value
        if answer_value is None:
            raise InvalidQuestion(msg("neither answer is marked right (fraction 100)"))
        item["answer"] = answer_value
        set_feedback(item, "correct", feedback.get(answer_value, {}))
        set_feedback(item, "incorrect", feedback.get(not answer_value, {}))

    def gift_accepts(self, answer_text: str) -> bool:
        return answer_text.split("#", 1)[0].strip() in (*_GIFT_TRUE, *_GIFT_FALSE)

    def from_gift(self, question: GiftQuestion, answer_text: str, item: dict[str, Any]) -> None:
        item["type"] = TRUE_FALSE
        bits = answer_text.split("#", 2)
        item["answer"] = bits[0].strip() in _GIFT_TRUE
        if len(bits) > 1 and bits[1].strip():
            question.feedback["incorrect"] = question.feedback_text(
                bits[1].strip(), "feedback.incorrect"
            )
        if len(bits) > 2 and bits[2].strip():
            question.feedback["correct"] = question.feedback_text(
                bits[2].strip(), "feedback.correct"
            )
