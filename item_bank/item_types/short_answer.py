"""short_answer: typed text, all or nothing. The text matches an accepted answer of any
language after trimming and collapsing whitespace (and case folding unless case_sensitive).
"""

from __future__ import annotations

import html
import unicodedata
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
from item_bank.languages import SUPPORTED_LANGUAGES, resolve_language
from item_bank.messages import Message, msg
from item_bank.parsers.gift_text import GiftProblem, GiftQuestion, split_feedback, unescape, weight
from item_bank.parsers.moodle_xml_reader import (
    MoodleReader,
    SkipQuestion,
    child_text,
    fraction,
    set_feedback,
)
from item_bank.reports import SKIPPED
from item_bank.sanitize import plain_text
from item_bank.schemas import AcceptedAnswers, ItemBaseSchema

SHORT_ANSWER = "short_answer"
MAX_TEXT_LENGTH = 1000


class ShortAnswerItemSchema(ItemBaseSchema):
    accepted = AcceptedAnswers(required=True)
    case_sensitive = fields.Boolean(load_default=False)


def normalise_text(text: str, case_sensitive: bool) -> str:
    collapsed = " ".join(unicodedata.normalize("NFC", text).split())
    if case_sensitive:
        return collapsed
    # Turkish has dotted and dotless i in both cases (İ i / I ı); Unicode case folding is not
    # locale-aware, so "ISTANBUL" would never match "İstanbul". Ignoring case therefore also
    # ignores the dot of i.
    folded = (
        unicodedata.normalize("NFD", collapsed.casefold()).replace("\u0307", "").replace("ı", "i")
    )
    return unicodedata.normalize("NFC", folded)


class ShortAnswer(ItemType):
    name = SHORT_ANSWER
    schema = ShortAnswerItemSchema
    answer_template = "attempts/items/short_answer.html"
    review_template = "attempts/items/short_answer_review.html"
    moodle_qtype = "shortanswer"
    moodle_import_qtypes = ("shortanswer",)
    gift_order = 90  # anything else in braces is a list of accepted answers

    def build_content(self, data: Mapping[str, Any], ctx: ContentContext) -> dict[str, Any]:
        accepted: dict[str, list[str]] = {}
        for lang, answers_raw in data["accepted"].items():
            lang = ctx.language if lang == "_default" else lang
            cleaned = [plain_text(answer) for answer in answers_raw]
            if any(not answer for answer in cleaned):
                ctx.report(
                    msg("An accepted answer is empty once HTML is removed."), f"accepted.{lang}"
                )
            accepted.setdefault(lang, [])
            accepted[lang] = list(dict.fromkeys([*accepted[lang], *cleaned]))
        ctx.require_fallback(accepted, "accepted")
        return {
            "accepted": {lang: accepted[lang] for lang in SUPPORTED_LANGUAGES if lang in accepted},
            "case_sensitive": bool(data["case_sensitive"]),
        }

    def normalise_response(self, content: Content, response: Response) -> dict[str, Any]:
        only_keys(response, {"text"})
        text = response.get("text")
        if text is None:
            return {"text": None}
        if not isinstance(text, str):
            raise InvalidResponse("'text' must be text.", "wrong_shape")
        if len(text) > MAX_TEXT_LENGTH:
            raise InvalidResponse(
                f"The answer is longer than {MAX_TEXT_LENGTH} characters.", "too_long"
            )
        return {"text": text.strip() or None}

    def score(self, content: Content, points: float, response: Response) -> float:
        text = response.get("text")
        if not text:
            return 0.0
        case_sensitive = bool(content.get("case_sensitive"))
        accepted = {
            normalise_text(a, case_sensitive)
            for answers in content["accepted"].values()
            for a in answers
        }
        return points if normalise_text(text, case_sensitive) in accepted else 0.0

    def present(self, content: Content, order: list[str], t: Translate) -> dict[str, Any]:
        return {"input": "text"}

    def correct_response(self, content: Content, locale: str, default: str) -> dict[str, Any]:
        """The accepted texts in the locale, as HTML."""
        accepted = content["accepted"]
        language = resolve_language(accepted, locale, default)
        return {"texts": [html.escape(a, quote=False) for a in accepted.get(language or "", [])]}

    def to_moodle_xml(self, content: Content, writer: QuestionWriter) -> None:
        accepted = content["accepted"]
        writer.meta["accepted"] = accepted
        writer.line(f"<usecase>{1 if content.get('case_sensitive') else 0}</usecase>")
        seen: list[str] = []
        for answers in accepted.values():
            seen += [a for a in answers if a not in seen]
        for text in seen:
            writer.answer("100", text, writer.feedback.get("correct"), fmt="moodle_auto_format")
        if writer.feedback.get("incorrect"):
            writer.answer("0", "*", writer.feedback["incorrect"], fmt="moodle_auto_format")

    def from_moodle_xml(
        self,
        reader: MoodleReader,
        question: ET.Element,
        item: dict[str, Any],
        meta: Mapping[str, Any],
    ) -> None:
        item["type"] = SHORT_ANSWER
        item["case_sensitive"] = child_text(question, "usecase", default="0") == "1"
        accepted: dict[str, list[str]] = {}
        right_feedback: dict[str, str] = {}
        for position, answer in enumerate(question.findall("answer")):
            text = child_text(answer, "text")
            answer_fraction = fraction(answer)
            feedback = reader.text_of(
                answer.find("feedback"), item["id"], f"accepted[{position}].feedback"
            )
            if text == "*":
                set_feedback(item, "incorrect", feedback)
            elif answer_fraction >= 99.99:
                if "*" in text:
                    raise SkipQuestion(_wildcard(text))
                for lang, value in reader.translations(
                    text, "plain_text", item["id"], "accepted", html_field=False
                ).items():
                    accepted.setdefault(lang, []).append(html.unescape(value))
                right_feedback = right_feedback or feedback
            else:
                _note_moodle_wrong_answer(reader, item["id"], text, answer_fraction, feedback)
        meta_accepted = meta.get("accepted")
        if isinstance(meta_accepted, dict) and _same_answers(meta_accepted, accepted):
            accepted = meta_accepted  # the languages each answer belongs to, from our own export
        item["accepted"] = accepted
        set_feedback(item, "correct", right_feedback)

    def from_gift(self, question: GiftQuestion, answer_text: str, item: dict[str, Any]) -> None:
        item["type"] = SHORT_ANSWER
        accepted: list[str] = []
        for answer in (a.strip() for a in answer_text.split("=") if a.strip()):
            answer_weight, answer = weight(answer)
            text, answer_feedback = split_feedback(answer)
            text = unescape(text)
            if answer_weight is None or answer_weight >= 99.99:
                if "*" in text:
                    raise GiftProblem(_wildcard(text), SKIPPED)
                accepted.append(text)
                if answer_feedback and "correct" not in question.feedback:
                    question.feedback["correct"] = question.feedback_text(
                        answer_feedback, "feedback.correct"
                    )
            elif answer_weight > 0:
                question.note(
                    msg(
                        "Answer %(answer)r gave %(weight)s%% partial credit; it is not accepted "
                        "here.",
                        answer=text,
                        weight=f"{answer_weight:g}",
                    ),
                    "accepted",
                )
        item["accepted"] = {question.language: accepted} if accepted else {}

    def gift_accepts(self, answer_text: str) -> bool:
        return True


def _note_moodle_wrong_answer(
    reader: MoodleReader, item_id: str, text: str, answer_fraction: float, feedback: dict[str, str]
) -> None:
    if answer_fraction > 0:
        reader.note(
            msg(
                "Answer %(answer)r gave %(weight)s%% partial credit in Moodle; it is not "
                "accepted here.",
                answer=text,
                weight=f"{answer_fraction:g}",
            ),
            item_id,
            "accepted",
        )
    elif feedback:
        reader.note(
            msg(
                "Wrong answer %(answer)r had its own feedback in Moodle; it is not kept.",
                answer=text,
            ),
            item_id,
            "accepted",
        )


def _same_answers(left: dict[str, Any], right: dict[str, list[str]]) -> bool:
    def flat(value: dict[str, Any]) -> set[str]:
        return {str(a) for answers in value.values() if isinstance(answers, list) for a in answers}

    return flat(left) == flat(right)


def _wildcard(text: str) -> Message:
    return msg("the answer %(answer)r uses a * wildcard, which is not supported", answer=text)
