"""single_choice and multiple_response: options with ids, some marked right.

They share a schema and both formats' syntax (Moodle's `multichoice` with <single>, GIFT's
`~` answers with or without a `=`), so one module holds both; the readers of both formats are
registered on single_choice and decide between the two types.

Scoring: single_choice is all or nothing. multiple_response with k right options: each right
option chosen earns points/k, each wrong option chosen costs points/k; the total is floored at 0.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, validate

from item_bank.exporters.moodle_xml_writer import QuestionWriter, number
from item_bank.item_types.base import (
    Content,
    ContentContext,
    InvalidResponse,
    ItemType,
    Response,
    Translate,
    Translations,
    clamp,
    duplicates,
    only_keys,
)
from item_bank.messages import msg
from item_bank.parsers.gift_text import GiftProblem, GiftQuestion, split_feedback, weight
from item_bank.parsers.moodle_xml_reader import MoodleReader, child_text, fraction, option_ids
from item_bank.parsers.multilang import join_multilang
from item_bank.schemas import ID_PATTERN, ItemBaseSchema
from item_bank.schemas import Translations as TranslationsField

SINGLE_CHOICE = "single_choice"
MULTIPLE_RESPONSE = "multiple_response"


class OptionSchema(Schema):
    id = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=50),
            validate.Regexp(ID_PATTERN, error=msg("Use letters, digits and . _ : - only.")),
        ],
    )
    text = TranslationsField(required=True)
    correct = fields.Boolean(load_default=False)
    feedback = TranslationsField(load_default=None)


class ChoiceItemSchema(ItemBaseSchema):
    options = fields.List(
        fields.Nested(OptionSchema),
        required=True,
        validate=validate.Length(min=2, error=msg("At least two options are needed.")),
    )


def _right_ids(content: Content) -> list[str]:
    return [option["id"] for option in content["options"] if option["correct"]]


class _Choice(ItemType):
    schema = ChoiceItemSchema
    moodle_qtype = "multichoice"
    shuffles_options = True

    def build_content(self, data: Mapping[str, Any], ctx: ContentContext) -> dict[str, Any]:
        ids = [option["id"] for option in data["options"]]
        for dup in duplicates(ids):
            ctx.report(msg("Duplicate option id %(id)r.", id=dup), "options")
        options = []
        for index, option in enumerate(data["options"]):
            entry: dict[str, Any] = {
                "id": option["id"],
                "text": ctx.html(option["text"], f"options[{index}].text"),
                "correct": bool(option["correct"]),
            }
            if option["feedback"]:
                entry["feedback"] = ctx.html(option["feedback"], f"options[{index}].feedback")
            options.append(entry)
        self.check_right_count(sum(1 for option in options if option["correct"]), ctx)
        return {"options": options}

    def check_right_count(self, right: int, ctx: ContentContext) -> None:
        raise NotImplementedError

    def learner_texts(self, content: Content) -> list[Translations]:
        return [option["text"] for option in content["options"]]

    def option_ids(self, content: Content) -> list[str]:
        return [option["id"] for option in content["options"]]

    def present(self, content: Content, order: list[str], t: Translate) -> dict[str, Any]:
        by_id = {option["id"]: option for option in content["options"]}
        return {
            "options": [{"id": oid, "text": t(by_id[oid]["text"])} for oid in order],
            "multiple": self.name != SINGLE_CHOICE,
        }

    def mark_review(self, view: dict[str, Any], content: Content) -> None:
        right = set(_right_ids(content))
        view["options"] = [
            {**option, "correct": option["id"] in right} for option in view["options"]
        ]

    def to_moodle_xml(self, content: Content, writer: QuestionWriter) -> None:
        single = self.name == SINGLE_CHOICE
        options = content["options"]
        k = sum(1 for o in options if o["correct"])
        right = "100" if single else number(round(100 / k, 5))
        wrong = "0" if single else number(round(-100 / k, 5))
        writer.meta["option_ids"] = [o["id"] for o in options]
        writer.line(f"<single>{'true' if single else 'false'}</single>")
        writer.line("<shuffleanswers>true</shuffleanswers>")
        writer.line("<answernumbering>abc</answernumbering>")
        writer.line("<showstandardinstruction>0</showstandardinstruction>")
        writer.combined_feedback()
        for o in options:
            text = join_multilang(o["text"], writer.language)
            writer.answer(right if o["correct"] else wrong, text, o.get("feedback"))


class SingleChoice(_Choice):
    name = SINGLE_CHOICE
    answer_template = "attempts/items/single_choice.html"
    review_template = "attempts/items/single_choice_review.html"
    moodle_import_qtypes = ("multichoice",)
    gift_order = 20

    def check_right_count(self, right: int, ctx: ContentContext) -> None:
        if right != 1:
            ctx.report(
                msg(
                    "A single-choice question needs exactly one right option (correct: true); "
                    "found %(found)s.",
                    found=right,
                ),
                "options",
            )

    def normalise_response(self, content: Content, response: Response) -> dict[str, Any]:
        only_keys(response, {"choice"})
        choice = response.get("choice")
        if choice is None:
            return {"choice": None}
        if not isinstance(choice, str):
            raise InvalidResponse("'choice' must be an option id (text).", "wrong_shape")
        if choice not in self.option_ids(content):
            raise InvalidResponse(f"Unknown option id {choice!r}.", "unknown_option")
        return {"choice": choice}

    def score(self, content: Content, points: float, response: Response) -> float:
        right = next(option["id"] for option in content["options"] if option["correct"])
        return points if response.get("choice") == right else 0.0

    def correct_response(self, content: Content, locale: str, default: str) -> dict[str, Any]:
        return {"choice": _right_ids(content)[0]}

    def from_moodle_xml(
        self,
        reader: MoodleReader,
        question: ET.Element,
        item: dict[str, Any],
        meta: Mapping[str, Any],
    ) -> None:
        _choice_from_moodle_xml(reader, question, item, meta)

    def gift_accepts(self, answer_text: str) -> bool:
        return "~" in answer_text

    def from_gift(self, question: GiftQuestion, answer_text: str, item: dict[str, Any]) -> None:
        _choice_from_gift(question, answer_text, item)


class MultipleResponse(_Choice):
    name = MULTIPLE_RESPONSE
    answer_template = "attempts/items/multiple_response.html"
    review_template = "attempts/items/multiple_response_review.html"

    def check_right_count(self, right: int, ctx: ContentContext) -> None:
        if right < 1:
            ctx.report(
                msg(
                    "A multiple-response question needs at least one right option (correct: true)."
                ),
                "options",
            )

    def normalise_response(self, content: Content, response: Response) -> dict[str, Any]:
        only_keys(response, {"choices"})
        choices = response.get("choices")
        if choices is None:
            return {"choices": []}
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise InvalidResponse("'choices' must be a list of option ids.", "wrong_shape")
        known = self.option_ids(content)
        unknown = [c for c in choices if c not in known]
        if unknown:
            raise InvalidResponse(f"Unknown option id(s) {unknown}.", "unknown_option")
        if len(set(choices)) != len(choices):
            raise InvalidResponse("An option is chosen more than once.", "duplicate_choice")
        return {"choices": sorted(choices, key=known.index)}

    def score(self, content: Content, points: float, response: Response) -> float:
        right = set(_right_ids(content))
        chosen = set(response.get("choices") or ())
        net = len(chosen & right) - len(chosen - right)
        return clamp(points * net / len(right), points)

    def correct_response(self, content: Content, locale: str, default: str) -> dict[str, Any]:
        return {"choices": _right_ids(content)}


def _choice_from_gift(question: GiftQuestion, answer_text: str, item: dict[str, Any]) -> None:
    single = "=" in answer_text
    answers = [a.strip() for a in answer_text.replace("=", "~=").split("~")]
    answers = [a for a in answers if a]
    if len(answers) < 2:
        raise GiftProblem(msg("a choice question needs at least two answers"))
    item["type"] = SINGLE_CHOICE if single else MULTIPLE_RESPONSE
    options = []
    for position, (answer, option_id) in enumerate(
        zip(answers, option_ids(len(answers)), strict=True)
    ):
        answer_weight: float | None
        if answer.startswith("="):
            answer_weight, answer = 100.0, answer[1:]
        else:
            answer_weight, answer = weight(answer)
        text, option_feedback = split_feedback(answer)
        answer_weight = answer_weight or 0.0
        option: dict[str, Any] = {
            "id": option_id,
            "text": question.text(text, f"options[{position}].text"),
            "correct": answer_weight >= 99.99 if single else answer_weight > 0,
        }
        if option_feedback:
            option["feedback"] = question.feedback_text(
                option_feedback, f"options[{position}].feedback"
            )
        if single and 0 < answer_weight < 99.99:
            question.note(
                msg(
                    "Option %(id)r gave %(weight)s%% partial credit; here it scores as wrong.",
                    id=option_id,
                    weight=f"{answer_weight:g}",
                ),
                f"options[{position}]",
            )
        options.append(option)
    item["options"] = options


def _choice_from_moodle_xml(
    reader: MoodleReader, question: ET.Element, item: dict[str, Any], meta: Mapping[str, Any]
) -> None:
    single = child_text(question, "single", default="true").lower() not in ("false", "0", "")
    answers = question.findall("answer")
    meta_ids = meta.get("option_ids")
    ids = (
        meta_ids
        if isinstance(meta_ids, list) and len(meta_ids) == len(answers)
        else option_ids(len(answers))
    )
    item["type"] = SINGLE_CHOICE if single else MULTIPLE_RESPONSE
    options = []
    fractions = []
    for position, (answer, option_id) in enumerate(zip(answers, ids, strict=True)):
        answer_fraction = fraction(answer)
        fractions.append(answer_fraction)
        option: dict[str, Any] = {
            "id": str(option_id),
            "text": reader.text_of(answer, item["id"], f"options[{position}].text"),
            "correct": answer_fraction >= 99.99 if single else answer_fraction > 0,
        }
        feedback = reader.text_of(
            answer.find("feedback"), item["id"], f"options[{position}].feedback"
        )
        if feedback:
            option["feedback"] = feedback
        options.append(option)
        if single and 0 < answer_fraction < 99.99:
            reader.note(
                msg(
                    "Option %(id)r gave %(weight)s%% partial credit in Moodle; "
                    "here it scores as wrong.",
                    id=option_id,
                    weight=f"{answer_fraction:g}",
                ),
                item["id"],
                f"options[{position}]",
            )
    _note_moodle_marks(reader, item["id"], fractions, single)
    item["options"] = options
    reader.combined_feedback(question, item, partial=not single)


def _note_moodle_marks(
    reader: MoodleReader, item_id: str, fractions: list[float], single: bool
) -> None:
    """Say where Moodle's marks differ from this tool's scoring rule."""
    if single and any(f < 0 for f in fractions):
        reader.note(
            msg(
                "Negative marks of wrong options are not used for single choice (a wrong choice "
                "scores 0)."
            ),
            item_id,
            "options",
        )
    if single:
        return
    right = [f for f in fractions if f > 0]
    wrong = [f for f in fractions if f <= 0]
    k = len(right)
    if k and (
        any(abs(f - 100 / k) > 0.01 for f in right) or any(abs(f + 100 / k) > 0.01 for f in wrong)
    ):
        reader.note(
            msg(
                "Moodle grades differ from this tool's partial-credit rule: each right option "
                "chosen earns points/%(k)s, each wrong option chosen costs points/%(k)s, "
                "floored at 0.",
                k=k,
            ),
            item_id,
            "options",
        )
