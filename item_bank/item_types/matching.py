"""matching: prompts, each matched to its own answer; distractors are extra answers that match
no prompt (ids d1, d2, ... in authored order). points/n for each of the n prompts matched to
its own answer, no penalty.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, validate

from item_bank.exporters.moodle_xml_writer import QuestionWriter, text_element
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
from item_bank.parsers.gift_text import GiftProblem, GiftQuestion
from item_bank.parsers.moodle_xml_reader import MoodleReader, child_text
from item_bank.parsers.multilang import join_multilang
from item_bank.sanitize import html_to_text, plain_text
from item_bank.schemas import ID_PATTERN, ItemBaseSchema
from item_bank.schemas import Translations as TranslationsField

MATCHING = "matching"
_DISTRACTOR_ID = re.compile(r"^d\d+$")


def distractor_id(index: int) -> str:
    """Matching distractors have no author id: d1, d2, ... in authored order."""
    return f"d{index + 1}"


class PairSchema(Schema):
    id = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=50),
            validate.Regexp(ID_PATTERN, error=msg("Use letters, digits and . _ : - only.")),
        ],
    )
    prompt = TranslationsField(required=True)
    answer = TranslationsField(required=True)


class MatchingItemSchema(ItemBaseSchema):
    pairs = fields.List(
        fields.Nested(PairSchema),
        required=True,
        validate=validate.Length(min=2, error=msg("At least two pairs are needed.")),
    )
    distractors = fields.List(TranslationsField(), load_default=list)


class Matching(ItemType):
    name = MATCHING
    schema = MatchingItemSchema
    answer_template = "attempts/items/matching.html"
    review_template = "attempts/items/matching_review.html"
    moodle_qtype = "matching"
    moodle_import_qtypes = ("matching", "match")
    gift_order = 30
    shuffles_options = True

    def build_content(self, data: Mapping[str, Any], ctx: ContentContext) -> dict[str, Any]:
        ids = [pair["id"] for pair in data["pairs"]]
        for dup in duplicates(ids):
            ctx.report(msg("Duplicate pair id %(id)r.", id=dup), "pairs")
        for index, pair_id in enumerate(ids):
            if _DISTRACTOR_ID.match(pair_id):
                ctx.report(
                    msg("Pair id %(id)r is reserved for distractors (d1, d2, ...).", id=pair_id),
                    f"pairs[{index}].id",
                )
        pairs = [
            {
                "id": pair["id"],
                "prompt": ctx.html(pair["prompt"], f"pairs[{index}].prompt"),
                "answer": ctx.html(pair["answer"], f"pairs[{index}].answer"),
            }
            for index, pair in enumerate(data["pairs"])
        ]
        distractors = [
            {"id": distractor_id(index), "text": ctx.html(text, f"distractors[{index}]")}
            for index, text in enumerate(data["distractors"])
        ]
        answers = [(pair["answer"], f"pairs[{i}].answer") for i, pair in enumerate(pairs)]
        answers += [(d["text"], f"distractors[{i}]") for i, d in enumerate(distractors)]
        _check_answers_distinct(answers, ctx)
        return {"pairs": pairs, "distractors": distractors}

    def learner_texts(self, content: Content) -> list[Translations]:
        texts: list[Translations] = []
        for pair in content["pairs"]:
            texts += [pair["prompt"], pair["answer"]]
        return texts + [d["text"] for d in content.get("distractors", [])]

    def option_ids(self, content: Content) -> list[str]:
        return [pair["id"] for pair in content["pairs"]] + [
            d["id"] for d in content.get("distractors", [])
        ]

    def normalise_response(self, content: Content, response: Response) -> dict[str, Any]:
        only_keys(response, {"pairs"})
        pairs = response.get("pairs")
        if pairs is None:
            return {"pairs": {}}
        if not isinstance(pairs, Mapping):
            raise InvalidResponse("'pairs' must map prompt ids to answer ids.", "wrong_shape")
        prompts = [pair["id"] for pair in content["pairs"]]
        answers = set(prompts) | {d["id"] for d in content.get("distractors", [])}
        result: dict[str, str] = {}
        for prompt, answer in pairs.items():
            if prompt not in prompts:
                raise InvalidResponse(f"Unknown prompt id {prompt!r}.", "unknown_option")
            if answer is None:
                continue
            if not isinstance(answer, str):
                raise InvalidResponse("Each answer must be an answer id (text).", "wrong_shape")
            if answer not in answers:
                raise InvalidResponse(f"Unknown answer id {answer!r}.", "unknown_option")
            result[prompt] = answer
        return {"pairs": {prompt: result[prompt] for prompt in prompts if prompt in result}}

    def score(self, content: Content, points: float, response: Response) -> float:
        pairs = content["pairs"]
        chosen = response.get("pairs") or {}
        matched = sum(1 for pair in pairs if chosen.get(pair["id"]) == pair["id"])
        return clamp(points * matched / len(pairs), points)

    def present(self, content: Content, order: list[str], t: Translate) -> dict[str, Any]:
        answers = {pair["id"]: pair["answer"] for pair in content["pairs"]}
        answers.update({d["id"]: d["text"] for d in content.get("distractors", [])})
        return {
            "prompts": [{"id": pair["id"], "text": t(pair["prompt"])} for pair in content["pairs"]],
            "answers": [{"id": aid, "text": t(answers[aid])} for aid in order],
        }

    def correct_response(self, content: Content, locale: str, default: str) -> dict[str, Any]:
        return {"pairs": {pair["id"]: pair["id"] for pair in content["pairs"]}}

    def to_moodle_xml(self, content: Content, writer: QuestionWriter) -> None:
        language = writer.language
        writer.meta["pair_ids"] = [pair["id"] for pair in content["pairs"]]
        writer.line("<shuffleanswers>true</shuffleanswers>")
        writer.combined_feedback()
        subquestions = [(pair["prompt"], pair["answer"]) for pair in content["pairs"]]
        subquestions += [({}, d["text"]) for d in content.get("distractors", [])]
        for prompt, target in subquestions:
            plain_target = join_multilang({k: html_to_text(v) for k, v in target.items()}, language)
            writer.body.append(
                '    <subquestion format="html">\n'
                + text_element(join_multilang(prompt, language), 3)
                + "      <answer>\n"
                + text_element(plain_target, 4)
                + "      </answer>\n"
                + "    </subquestion>\n"
            )

    def from_moodle_xml(
        self,
        reader: MoodleReader,
        question: ET.Element,
        item: dict[str, Any],
        meta: Mapping[str, Any],
    ) -> None:
        item["type"] = MATCHING
        pairs, distractors = [], []
        subquestions = question.findall("subquestion")
        prompts = [(sub, reader.text_of(sub, item["id"], "pairs")) for sub in subquestions]
        real = [entry for entry in prompts if entry[1]]
        meta_ids = meta.get("pair_ids")
        ids = (
            [str(x) for x in meta_ids]
            if isinstance(meta_ids, list) and len(meta_ids) == len(real)
            else [f"p{i + 1}" for i in range(len(real))]
        )
        id_iter = iter(ids)
        for sub, prompt in prompts:
            answer_text = child_text(sub, "answer", "text")
            answer = reader.translations(
                answer_text, "plain_text", item["id"], "pairs.answer", html_field=False
            )
            if prompt:
                pairs.append({"id": next(id_iter), "prompt": prompt, "answer": answer})
            elif answer:
                distractors.append(answer)
        item["pairs"] = pairs
        if distractors:
            item["distractors"] = distractors
        reader.combined_feedback(question, item, partial=True)

    def gift_accepts(self, answer_text: str) -> bool:
        return "=" in answer_text and "->" in answer_text

    def from_gift(self, question: GiftQuestion, answer_text: str, item: dict[str, Any]) -> None:
        item["type"] = MATCHING
        pairs: list[dict[str, Any]] = []
        distractors: list[dict[str, str]] = []
        for position, answer in enumerate(a.strip() for a in answer_text.split("=") if a.strip()):
            if "->" not in answer:
                raise GiftProblem(msg("matching answer %(answer)r has no '->'", answer=answer))
            prompt, _, target = answer.partition("->")
            target_text = question.plain(target, f"pairs[{position}].answer")
            answer_html = {
                lang: html.escape(value, quote=False) for lang, value in target_text.items()
            }
            if prompt.strip():
                pairs.append(
                    {
                        "id": f"p{len(pairs) + 1}",
                        "prompt": question.text(prompt, f"pairs[{position}].prompt"),
                        "answer": answer_html,
                    }
                )
            else:
                distractors.append(answer_html)
        item["pairs"] = pairs
        if distractors:
            item["distractors"] = distractors


def _check_answers_distinct(answers: list[tuple[Translations, str]], ctx: ContentContext) -> None:
    """Two answers with the same text (in one language) could not be told apart."""
    for lang in {lang for translations, _ in answers for lang in translations}:
        seen: dict[str, str] = {}
        for translations, path in answers:
            text = translations.get(lang)
            if text is None:
                continue
            key = plain_text(text).casefold()
            if key in seen:
                ctx.report(
                    msg(
                        "Same answer text as %(other)s (%(lang)s): "
                        "learners could not tell them apart.",
                        other=seen[key],
                        lang=lang,
                    ),
                    f"{path}.{lang}",
                )
            seen[key] = path
