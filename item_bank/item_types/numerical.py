"""numerical: a number, right when |value - answer| <= tolerance; all or nothing. Learners may
write a decimal comma."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from marshmallow import validate

from item_bank.exporters.moodle_xml_writer import QuestionWriter, number
from item_bank.item_types.base import (
    Content,
    ContentContext,
    ItemType,
    Response,
    Translate,
    only_keys,
    parse_number,
)
from item_bank.messages import msg
from item_bank.parsers.gift_text import GiftProblem, GiftQuestion, split_feedback, unescape, weight
from item_bank.parsers.moodle_xml_reader import (
    InvalidQuestion,
    MoodleReader,
    child_text,
    fraction,
    set_feedback,
)
from item_bank.schemas import FiniteFloat, ItemBaseSchema

NUMERICAL = "numerical"


class NumericalItemSchema(ItemBaseSchema):
    answer = FiniteFloat(required=True)
    tolerance = FiniteFloat(load_default=0, validate=validate.Range(min=0))


class Numerical(ItemType):
    name = NUMERICAL
    schema = NumericalItemSchema
    answer_template = "attempts/items/numerical.html"
    review_template = "attempts/items/numerical_review.html"
    moodle_qtype = "numerical"
    moodle_import_qtypes = ("numerical",)
    gift_order = 10  # `{#...}` first: its values may contain '=' and '~'

    def build_content(self, data: Mapping[str, Any], ctx: ContentContext) -> dict[str, Any]:
        return {"answer": float(data["answer"]), "tolerance": float(data["tolerance"])}

    def normalise_response(self, content: Content, response: Response) -> dict[str, Any]:
        only_keys(response, {"value"})
        value = response.get("value")
        if value is None or (isinstance(value, str) and not value.strip()):
            return {"value": None}
        parse_number(value)
        return {"value": value.strip() if isinstance(value, str) else value}

    def score(self, content: Content, points: float, response: Response) -> float:
        value = response.get("value")
        if value is None:
            return 0.0
        answer = float(content["answer"])
        # A relative epsilon absorbs binary rounding (0.1 + 0.2) without widening real tolerances.
        slack = float(content.get("tolerance", 0)) + 1e-9 * max(1.0, abs(answer))
        return points if abs(parse_number(value) - answer) <= slack else 0.0

    def present(self, content: Content, order: list[str], t: Translate) -> dict[str, Any]:
        return {"input": "number"}

    def correct_response(self, content: Content, locale: str, default: str) -> dict[str, Any]:
        return {"value": content["answer"], "tolerance": content.get("tolerance", 0.0)}

    def to_moodle_xml(self, content: Content, writer: QuestionWriter) -> None:
        tolerance = f"      <tolerance>{number(content.get('tolerance', 0))}</tolerance>\n"
        feedback = writer.feedback
        correct = feedback.get("correct")
        writer.answer(
            "100", number(content["answer"]), correct, fmt="moodle_auto_format", extra=tolerance
        )
        if feedback.get("incorrect"):
            zero = "      <tolerance>0</tolerance>\n"
            writer.answer("0", "*", feedback["incorrect"], fmt="moodle_auto_format", extra=zero)
        writer.line("<unitgradingtype>0</unitgradingtype>")
        writer.line("<unitpenalty>0.1000000</unitpenalty>")
        writer.line("<showunits>3</showunits>")
        writer.line("<unitsleft>0</unitsleft>")

    def from_moodle_xml(
        self,
        reader: MoodleReader,
        question: ET.Element,
        item: dict[str, Any],
        meta: Mapping[str, Any],
    ) -> None:
        item["type"] = NUMERICAL
        chosen = False
        for position, answer in enumerate(question.findall("answer")):
            text = child_text(answer, "text") or (answer.text or "").strip()
            answer_fraction = fraction(answer)
            feedback = reader.text_of(
                answer.find("feedback"), item["id"], f"answer[{position}].feedback"
            )
            if text in ("*", ""):
                set_feedback(item, "incorrect", feedback)
            elif answer_fraction >= 99.99 and not chosen:
                item["answer"] = text
                item["tolerance"] = child_text(answer, "tolerance", default="0") or "0"
                set_feedback(item, "correct", feedback)
                chosen = True
            elif answer_fraction >= 99.99:
                reader.note(
                    msg(
                        "Only one right value is supported; the extra right value "
                        "%(value)r is not kept.",
                        value=text,
                    ),
                    item["id"],
                    "answer",
                )
            elif answer_fraction > 0:
                reader.note(
                    msg(
                        "Value %(value)r gave %(weight)s%% partial credit in Moodle; "
                        "it is not kept.",
                        value=text,
                        weight=f"{answer_fraction:g}",
                    ),
                    item["id"],
                    "answer",
                )
        if not chosen:
            raise InvalidQuestion(msg("no right value (an <answer> with fraction 100) is given"))
        if question.findall("units/unit"):
            reader.note(
                msg("Units are not supported: the learner answers the number only."),
                item["id"],
                "units",
            )

    def gift_accepts(self, answer_text: str) -> bool:
        return answer_text.startswith("#")

    def from_gift(self, question: GiftQuestion, answer_text: str, item: dict[str, Any]) -> None:
        item["type"] = NUMERICAL
        answer_text = answer_text[1:]
        wrong_at = answer_text.find("~")
        if wrong_at != -1:
            _, wrong_feedback = split_feedback(answer_text[wrong_at + 1 :])
            answer_text = answer_text[:wrong_at]
            if wrong_feedback:
                question.feedback["incorrect"] = question.feedback_text(
                    wrong_feedback, "feedback.incorrect"
                )
        answers = [a.strip() for a in answer_text.split("=") if a.strip()]
        if not answers:
            raise GiftProblem(msg("a numerical question needs an answer"))
        chosen = False
        for answer in answers:
            answer_weight, answer = weight(answer)
            value, answer_feedback = split_feedback(answer)
            value = unescape(value)
            right = answer_weight is None or answer_weight >= 99.99
            if right and not chosen:
                item["answer"], item["tolerance"] = _gift_value(value)
                if answer_feedback:
                    question.feedback["correct"] = question.feedback_text(
                        answer_feedback, "feedback.correct"
                    )
                chosen = True
            elif answer_weight is not None and 0 < answer_weight < 99.99:
                question.note(
                    msg(
                        "Value %(value)r gave %(weight)s%% partial credit; it is not kept.",
                        value=value,
                        weight=f"{answer_weight:g}",
                    ),
                    "answer",
                )
            elif right:
                question.note(
                    msg("Only one right value is supported; %(value)r is not kept.", value=value),
                    "answer",
                )


def _gift_value(value: str) -> tuple[Any, Any]:
    """GIFT's `low..high`, `answer:tolerance` or `answer` -> (answer, tolerance)."""
    answer_value: Any
    tolerance: Any
    if "..." not in value and ".." in value:
        low, _, high = value.partition("..")
        try:
            lo, hi = float(low), float(high)
            answer_value, tolerance = (lo + hi) / 2, (hi - lo) / 2
        except ValueError:
            answer_value, tolerance = value, 0
    elif ":" in value:
        answer_value, _, tolerance = value.partition(":")
    else:
        answer_value, tolerance = value, 0
    return (
        answer_value.strip() if isinstance(answer_value, str) else answer_value,
        tolerance.strip() if isinstance(tolerance, str) else tolerance,
    )
