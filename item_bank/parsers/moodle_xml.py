"""Moodle XML (question/format/xml) -> raw authoring-format document.

Mapping: each <question type="category"> starts a pool (its idnumber, else its last path
segment, is the pool id); multichoice (single / multiple), truefalse, matching, shortanswer and
numerical become items; Moodle multilang markup becomes translations. Everything that cannot be
represented is reported (skipped question or warning), never dropped silently.

Moodle has no place for assessment settings, pool draw counts or our option ids, so our exporter
writes them as XML comments (`<!-- emm-assessment: {json} -->` in <quiz>, `<!-- emm-item: {json}
-->` in a question) that Moodle ignores and this reader uses when they agree with the XML.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from item_bank.item_types import (
    MATCHING,
    MULTIPLE_RESPONSE,
    NUMERICAL,
    SHORT_ANSWER,
    SINGLE_CHOICE,
    TRUE_FALSE,
)
from item_bank.parsers.base import IssueCollector, ParsedFile, slugify, unreadable
from item_bank.parsers.multilang import dominant_language, join_multilang, split_multilang
from item_bank.parsers.safe_xml import MalformedXml, UnsafeXml, parse_xml
from item_bank.reports import ERROR, SKIPPED, WARNING

FORMAT = "moodle-xml"
ASSESSMENT_META = "emm-assessment:"
ITEM_META = "emm-item:"
DEFAULT_POOL = "default"

UNSUPPORTED_REASONS = {
    "essay": "essay questions need manual grading, which this tool does not do",
    "calculated": "calculated questions use random datasets and formulas",
    "calculatedsimple": "calculated questions use random datasets and formulas",
    "calculatedmulti": "calculated questions use random datasets and formulas",
    "cloze": "embedded-answers (cloze) questions are not supported",
    "multianswer": "embedded-answers (cloze) questions are not supported",
    "ddwtos": "drag-and-drop into text is not supported",
    "gapselect": "select-missing-words is not supported",
    "ddimageortext": "drag-and-drop onto image is not supported",
    "ddmarker": "drag-and-drop markers are not supported",
    "randomsamatch": "random short-answer matching is not supported",
    "ordering": "ordering questions are not supported",
    "description": "a description is not a question (no answer to score)",
}
_OPTION_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_CATEGORY_SPLIT = re.compile(r"(?<!/)/(?!/)")


def option_ids(count: int) -> list[str]:
    return [_OPTION_LETTERS[i] if i < 26 else f"o{i + 1}" for i in range(count)]


class _Skip(Exception):
    """This question cannot be represented; the reason goes in the report."""


class _Invalid(Exception):
    """This question is broken: the file must not be imported."""


@dataclass
class _Pool:
    key: str
    title: dict[str, str]
    name: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    random_count: int = 0


class _Reader(IssueCollector):
    # -- text helpers -------------------------------------------------------------------------
    def text_of(
        self, element: ET.Element | None, item: str | None, path: str, *, html_field: bool = True
    ) -> dict[str, str]:
        """A Moodle text field (<x format="..."><text>...</text><file/></x>) -> translations."""
        if element is None:
            return {}
        if element.find("file") is not None:
            raise _Skip("embedded files (images, media) are not supported")
        node = element.find("text")
        raw = (node.text if node is not None else element.text) or ""
        return self.translations(
            raw, element.get("format", "html"), item, path, html_field=html_field
        )

    def translations(
        self, raw: str, fmt: str, item: str | None, path: str, *, html_field: bool = True
    ) -> dict[str, str]:
        raw = raw.strip()
        if not raw:
            return {}
        if "@@PLUGINFILE@@" in raw:
            raise _Skip("embedded files (images, media) are not supported")
        result, notes = split_multilang(raw, self.language)
        for message in notes:
            self.note(message, item, path)
        if fmt == "markdown":
            self.note("markdown text imported as plain text", item, path)
        if fmt in ("plain_text", "markdown") or not html_field:
            result = {lang: html.escape(text, quote=False) for lang, text in result.items()}
        elif fmt == "moodle_auto_format" and "<" not in raw:
            result = {lang: text.replace("\n", "<br>") for lang, text in result.items()}
        return result


def _child_text(element: ET.Element, *path: str, default: str = "") -> str:
    node: ET.Element | None = element
    for name in path:
        node = node.find(name) if node is not None else None
    if node is None or node.text is None:
        return default
    return node.text.strip()


def _fraction(answer: ET.Element) -> float:
    raw = answer.get("fraction", "0") or "0"
    try:
        return float(raw)
    except ValueError:
        return float("nan")


def _comment_json(element: ET.Element, prefix: str) -> dict[str, Any] | None:
    for child in element:
        if child.tag is ET.Comment and (child.text or "").strip().startswith(prefix):
            try:
                value = json.loads((child.text or "").strip()[len(prefix) :])
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _pool_from_category(reader: _Reader, question: ET.Element, pools: dict[str, _Pool]) -> _Pool:
    path = _child_text(question, "category", "text")
    segments = [s.replace("//", "/") for s in _CATEGORY_SPLIT.split(path) if s.strip()]
    segments = [
        s
        for s in segments
        if s not in ("$course$", "$system$", "$module$", "$coursecategory$", "$cat1$", "top")
    ]
    name = segments[-1] if segments else DEFAULT_POOL
    idnumber = _child_text(question, "idnumber")
    key = idnumber or slugify(
        html.unescape(
            re.sub(
                r"<[^>]+>", "", split_multilang(name, reader.language)[0].get(reader.language, name)
            )
        ),
        DEFAULT_POOL,
    )
    if key not in pools:
        title = reader.translations(name, "plain_text", None, f"category {key}", html_field=False)
        pools[key] = _Pool(
            key=key, title={lang: html.unescape(text) for lang, text in title.items()}, name=name
        )
    return pools[key]


def parse_moodle_xml(data: bytes, file_label: str) -> ParsedFile:
    try:
        root = parse_xml(data, with_comments=True)
    except (UnsafeXml, MalformedXml) as error:
        return unreadable(file_label, FORMAT, str(error))
    if root.tag != "quiz":
        return unreadable(
            file_label,
            FORMAT,
            f"Not Moodle XML: the root element is <{root.tag}>, expected <quiz>.",
        )

    meta = _comment_json(root, ASSESSMENT_META) or {}
    raw_text = data.decode("utf-8", errors="replace")
    language = meta.get("default_language") or dominant_language(raw_text) or "en"
    reader = _Reader(file_label, language)
    pools: dict[str, _Pool] = {}
    current: _Pool | None = None
    used_ids: set[str] = set()
    penalties = False

    for index, question in enumerate(root.findall("question")):
        qtype = question.get("type", "")
        if qtype == "category":
            current = _pool_from_category(reader, question, pools)
            continue
        if current is None:
            current = pools.setdefault(DEFAULT_POOL, _Pool(DEFAULT_POOL, {}))
        if qtype == "random":
            current.random_count += 1
            continue
        name = _child_text(question, "name", "text") or f"question {index + 1}"
        item_meta = _comment_json(question, ITEM_META) or {}
        item_id = _item_id(reader, question, item_meta, name, used_ids)
        if qtype not in _CONVERTERS:
            reason = UNSUPPORTED_REASONS.get(qtype, f"question type {qtype!r} is not supported")
            reader.note(f"Not imported ({qtype} {name!r}): {reason}.", item_id, severity=SKIPPED)
            continue
        if _child_text(question, "hidden") == "1":
            reader.note(
                f"Not imported ({name!r}): hidden in Moodle (a deleted question still used by quizzes).",
                item_id,
                severity=SKIPPED,
            )
            continue
        try:
            item = _common(reader, question, item_id, item_meta)
            _CONVERTERS[qtype](reader, question, item, item_meta)
        except _Skip as skip:
            reader.note(f"Not imported ({qtype} {name!r}): {skip}.", item_id, severity=SKIPPED)
            continue
        except _Invalid as invalid:
            reader.note(f"Invalid {qtype} question {name!r}: {invalid}.", item_id, severity=ERROR)
            continue
        penalty = _child_text(question, "penalty", default="0")
        try:
            penalties = penalties or float(penalty) > 0
        except ValueError:
            pass
        current.items.append(item)

    if penalties:
        reader.note(
            "<penalty> (the per-try penalty of interactive/adaptive quizzes) is not used: attempts here are single-try."
        )
    stem = PurePath(file_label).stem
    pool_meta = meta.get("pools") if isinstance(meta.get("pools"), dict) else {}
    raw_pools = []
    for pool in pools.values():
        if not pool.items:
            if pool.random_count:
                reader.note(
                    f"Category has {pool.random_count} random question(s) but no questions to draw from.",
                    path=f"pool {pool.key}",
                    severity=WARNING,
                )
            continue
        entry: dict[str, Any] = {"id": pool.key, "items": pool.items}
        this_meta = pool_meta.get(pool.key) if isinstance(pool_meta.get(pool.key), dict) else {}
        meta_title = this_meta.get("title")
        if isinstance(meta_title, dict) and pool.name == (
            join_multilang(meta_title, language) or pool.key
        ):
            entry["title"] = meta_title  # our own export: the category name was written from it
        elif pool.title:
            entry["title"] = pool.title
        draw = this_meta.get("draw")
        if draw is None and pool.random_count:
            draw = pool.random_count  # a quiz drawing N random questions from this category
        if draw is not None:
            entry["draw"] = draw
        raw_pools.append(entry)
    if not raw_pools:
        reader.note("No importable questions in the file.", severity=ERROR)
        return ParsedFile(file_label, FORMAT, None, reader.issues)
    assessment: dict[str, Any] = {
        "slug": meta.get("slug") or slugify(stem, "assessment"),
        "default_language": language,
        "title": meta.get("title") or {language: stem},
    }
    for key in ("instructions", "pass_mark_percent", "rules"):
        if key in meta:
            assessment[key] = meta[key]
    return ParsedFile(
        file_label, FORMAT, {"assessment": assessment, "pools": raw_pools}, reader.issues
    )


def _item_id(
    reader: _Reader, question: ET.Element, meta: dict[str, Any], name: str, used: set[str]
) -> str:
    explicit = _child_text(question, "idnumber") or (
        meta.get("id") if isinstance(meta.get("id"), str) else ""
    )
    if explicit:
        used.add(explicit)  # duplicates of explicit ids are reported by validation
        return explicit
    candidate = base = slugify(html.unescape(re.sub(r"<[^>]+>", "", name)), "question")
    counter = 2
    while candidate in used:
        candidate = f"{base}-{counter}"
        counter += 1
    if candidate != base:
        reader.note(
            f"Question name {name!r} is used more than once and has no ID number; imported as {candidate!r}.",
            candidate,
        )
    used.add(candidate)
    return candidate


def _common(
    reader: _Reader, question: ET.Element, item_id: str, meta: dict[str, Any]
) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id}
    item["stem"] = reader.text_of(question.find("questiontext"), item_id, "stem")
    grade = _child_text(question, "defaultgrade")
    if grade:
        item["points"] = grade
    tags = [_child_text(tag, "text") for tag in question.findall("tags/tag")]
    if any(tags):
        item["tags"] = [tag for tag in tags if tag]
    if isinstance(meta.get("source"), str):
        item["source"] = meta["source"]
    general = reader.text_of(question.find("generalfeedback"), item_id, "feedback.general")
    if general:
        item["feedback"] = {"general": general}
    return item


def _feedback(item: dict[str, Any], key: str, translations: dict[str, str]) -> None:
    if translations:
        item.setdefault("feedback", {})[key] = translations


def _combined_feedback(
    reader: _Reader, question: ET.Element, item: dict[str, Any], *, partial: bool
) -> None:
    _feedback(
        item,
        "correct",
        reader.text_of(question.find("correctfeedback"), item["id"], "feedback.correct"),
    )
    _feedback(
        item,
        "incorrect",
        reader.text_of(question.find("incorrectfeedback"), item["id"], "feedback.incorrect"),
    )
    if partial:
        _feedback(
            item,
            "partially_correct",
            reader.text_of(
                question.find("partiallycorrectfeedback"), item["id"], "feedback.partially_correct"
            ),
        )


def _multichoice(
    reader: _Reader, question: ET.Element, item: dict[str, Any], meta: dict[str, Any]
) -> None:
    single = _child_text(question, "single", default="true").lower() not in ("false", "0", "")
    answers = question.findall("answer")
    ids = (
        meta.get("option_ids")
        if isinstance(meta.get("option_ids"), list) and len(meta["option_ids"]) == len(answers)
        else option_ids(len(answers))
    )
    item["type"] = SINGLE_CHOICE if single else MULTIPLE_RESPONSE
    options = []
    fractions = []
    for position, (answer, option_id) in enumerate(zip(answers, ids, strict=True)):
        fraction = _fraction(answer)
        fractions.append(fraction)
        correct = fraction >= 99.99 if single else fraction > 0
        option: dict[str, Any] = {
            "id": str(option_id),
            "text": reader.text_of(answer, item["id"], f"options[{position}].text"),
            "correct": correct,
        }
        feedback = reader.text_of(
            answer.find("feedback"), item["id"], f"options[{position}].feedback"
        )
        if feedback:
            option["feedback"] = feedback
        options.append(option)
        if single and 0 < fraction < 99.99:
            reader.note(
                f"Option {option_id!r} gave {fraction:g}% partial credit in Moodle; here it scores as wrong.",
                item["id"],
                f"options[{position}]",
            )
    if single and any(f < 0 for f in fractions):
        reader.note(
            "Negative marks of wrong options are not used for single choice (a wrong choice scores 0).",
            item["id"],
            "options",
        )
    if not single:
        right = [f for f in fractions if f > 0]
        wrong = [f for f in fractions if f <= 0]
        k = len(right)
        if k and (
            any(abs(f - 100 / k) > 0.01 for f in right)
            or any(abs(f + 100 / k) > 0.01 for f in wrong)
        ):
            reader.note(
                "Moodle grades differ from this tool's partial-credit rule: each right option chosen earns "
                f"points/{k}, each wrong option chosen costs points/{k}, floored at 0.",
                item["id"],
                "options",
            )
    item["options"] = options
    _combined_feedback(reader, question, item, partial=not single)


def _truefalse(
    reader: _Reader, question: ET.Element, item: dict[str, Any], meta: dict[str, Any]
) -> None:
    item["type"] = TRUE_FALSE
    answers = question.findall("answer")
    feedback: dict[bool, dict[str, str]] = {}
    answer_value: bool | None = None
    for position, answer in enumerate(answers[:2]):
        label = _child_text(answer, "text").lower()
        value = {"true": True, "false": False}.get(label, position == 0)  # old files: true first
        feedback[value] = reader.text_of(answer.find("feedback"), item["id"], "feedback")
        if _fraction(answer) >= 99.99:
            answer_value = value
    if answer_value is None:
        raise _Invalid("neither answer is marked right (fraction 100)")
    item["answer"] = answer_value
    _feedback(item, "correct", feedback.get(answer_value, {}))
    _feedback(item, "incorrect", feedback.get(not answer_value, {}))


def _matching(
    reader: _Reader, question: ET.Element, item: dict[str, Any], meta: dict[str, Any]
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
        answer_text = _child_text(sub, "answer", "text")
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
    _combined_feedback(reader, question, item, partial=True)


def _shortanswer(
    reader: _Reader, question: ET.Element, item: dict[str, Any], meta: dict[str, Any]
) -> None:
    item["type"] = SHORT_ANSWER
    item["case_sensitive"] = _child_text(question, "usecase", default="0") == "1"
    accepted: dict[str, list[str]] = {}
    right_feedback: dict[str, str] = {}
    for position, answer in enumerate(question.findall("answer")):
        text = _child_text(answer, "text")
        fraction = _fraction(answer)
        feedback = reader.text_of(
            answer.find("feedback"), item["id"], f"accepted[{position}].feedback"
        )
        if text == "*":
            _feedback(item, "incorrect", feedback)
            continue
        if fraction >= 99.99:
            if "*" in text:
                raise _Skip(f"the answer {text!r} uses a * wildcard, which is not supported")
            for lang, value in reader.translations(
                text, "plain_text", item["id"], "accepted", html_field=False
            ).items():
                accepted.setdefault(lang, []).append(html.unescape(value))
            right_feedback = right_feedback or feedback
        elif fraction > 0:
            reader.note(
                f"Answer {text!r} gave {fraction:g}% partial credit in Moodle; it is not accepted here.",
                item["id"],
                "accepted",
            )
        elif feedback:
            reader.note(
                f"Wrong answer {text!r} had its own feedback in Moodle; it is not kept.",
                item["id"],
                "accepted",
            )
    meta_accepted = meta.get("accepted")
    if isinstance(meta_accepted, dict) and _same_answers(meta_accepted, accepted):
        accepted = meta_accepted  # the languages each answer belongs to, from our own export
    item["accepted"] = accepted
    _feedback(item, "correct", right_feedback)


def _same_answers(left: dict[str, Any], right: dict[str, list[str]]) -> bool:
    def flat(value: dict[str, Any]) -> set[str]:
        return {str(a) for answers in value.values() if isinstance(answers, list) for a in answers}

    return flat(left) == flat(right)


def _numerical(
    reader: _Reader, question: ET.Element, item: dict[str, Any], meta: dict[str, Any]
) -> None:
    item["type"] = NUMERICAL
    chosen = False
    for position, answer in enumerate(question.findall("answer")):
        text = _child_text(answer, "text") or (answer.text or "").strip()
        fraction = _fraction(answer)
        feedback = reader.text_of(
            answer.find("feedback"), item["id"], f"answer[{position}].feedback"
        )
        if text in ("*", ""):
            _feedback(item, "incorrect", feedback)
            continue
        if fraction >= 99.99 and not chosen:
            item["answer"] = text
            item["tolerance"] = _child_text(answer, "tolerance", default="0") or "0"
            _feedback(item, "correct", feedback)
            chosen = True
        elif fraction >= 99.99:
            reader.note(
                f"Only one right value is supported; the extra right value {text!r} is not kept.",
                item["id"],
                "answer",
            )
        elif fraction > 0:
            reader.note(
                f"Value {text!r} gave {fraction:g}% partial credit in Moodle; it is not kept.",
                item["id"],
                "answer",
            )
    if not chosen:
        raise _Invalid("no right value (an <answer> with fraction 100) is given")
    units = question.findall("units/unit")
    if units:
        reader.note(
            "Units are not supported: the learner answers the number only.", item["id"], "units"
        )


_CONVERTERS = {
    "multichoice": _multichoice,
    "truefalse": _truefalse,
    "matching": _matching,
    "match": _matching,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
}
