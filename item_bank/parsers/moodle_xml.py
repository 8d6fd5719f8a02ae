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

import contextlib
import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from item_bank.item_types import MOODLE_XML_READERS
from item_bank.messages import Message, message_of, msg
from item_bank.parsers.base import ParsedFile, slugify, unreadable
from item_bank.parsers.moodle_xml_reader import (
    InvalidQuestion,
    MoodleReader,
    SkipQuestion,
    child_text,
    option_ids,
)
from item_bank.parsers.multilang import dominant_language, join_multilang, split_multilang
from item_bank.parsers.safe_xml import MalformedXml, UnsafeXml, parse_xml
from item_bank.reports import ERROR, SKIPPED, WARNING

FORMAT = "moodle-xml"
ASSESSMENT_META = "emm-assessment:"
ITEM_META = "emm-item:"
DEFAULT_POOL = "default"

UNSUPPORTED_REASONS = {
    "essay": msg("essay questions need manual grading, which this tool does not do"),
    "calculated": msg("calculated questions use random datasets and formulas"),
    "calculatedsimple": msg("calculated questions use random datasets and formulas"),
    "calculatedmulti": msg("calculated questions use random datasets and formulas"),
    "cloze": msg("embedded-answers (cloze) questions are not supported"),
    "multianswer": msg("embedded-answers (cloze) questions are not supported"),
    "ddwtos": msg("drag-and-drop into text is not supported"),
    "gapselect": msg("select-missing-words is not supported"),
    "ddimageortext": msg("drag-and-drop onto image is not supported"),
    "ddmarker": msg("drag-and-drop markers are not supported"),
    "randomsamatch": msg("random short-answer matching is not supported"),
    "ordering": msg("ordering questions are not supported"),
    "description": msg("a description is not a question (no answer to score)"),
}
_CATEGORY_SPLIT = re.compile(r"(?<!/)/(?!/)")


@dataclass
class _Pool:
    key: str
    title: dict[str, str]
    name: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    random_count: int = 0


def _comment_json(element: ET.Element, prefix: str) -> dict[str, Any] | None:
    for child in element:
        if child.tag is ET.Comment and (child.text or "").strip().startswith(prefix):
            try:
                value = json.loads((child.text or "").strip()[len(prefix) :])
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _pool_from_category(
    reader: MoodleReader, question: ET.Element, pools: dict[str, _Pool]
) -> _Pool:
    path = child_text(question, "category", "text")
    segments = [s.replace("//", "/") for s in _CATEGORY_SPLIT.split(path) if s.strip()]
    segments = [
        s
        for s in segments
        if s not in ("$course$", "$system$", "$module$", "$coursecategory$", "$cat1$", "top")
    ]
    name = segments[-1] if segments else DEFAULT_POOL
    idnumber = child_text(question, "idnumber")
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
        return unreadable(file_label, FORMAT, message_of(error))
    if root.tag != "quiz":
        return unreadable(
            file_label,
            FORMAT,
            msg("Not Moodle XML: the root element is <%(tag)s>, expected <quiz>.", tag=root.tag),
        )

    meta = _comment_json(root, ASSESSMENT_META) or {}
    raw_text = data.decode("utf-8", errors="replace")
    language = meta.get("default_language") or dominant_language(raw_text) or "en"
    reader = MoodleReader(file_label, language)
    pools = _read_questions(reader, root)
    pool_meta = meta.get("pools")
    raw_pools = _raw_pools(reader, pools, pool_meta if isinstance(pool_meta, dict) else {})
    if not raw_pools:
        reader.note(msg("No importable questions in the file."), severity=ERROR)
        return ParsedFile(file_label, FORMAT, None, reader.issues)
    stem = PurePath(file_label).stem
    assessment: dict[str, Any] = {
        "slug": meta.get("slug") or slugify(stem, "assessment"),
        "default_language": language,
        "title": meta.get("title") or {language: stem},
    }
    for key in ("instructions", "pass_mark_percent", "rules", "feedback_bands"):
        if key in meta:
            assessment[key] = meta[key]
    return ParsedFile(
        file_label,
        FORMAT,
        {"assessment": assessment, "pools": raw_pools},
        reader.issues,
        media=reader.media,
    )


def _read_questions(reader: MoodleReader, root: ET.Element) -> dict[str, _Pool]:
    """Every <question> in order: categories open pools, the rest go into the open pool."""
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
        item = _read_question(reader, question, qtype, index, used_ids)
        if item is None:
            continue
        penalty = child_text(question, "penalty", default="0")
        with contextlib.suppress(ValueError):  # a penalty that is no number: none
            penalties = penalties or float(penalty) > 0
        current.items.append(item)
    if penalties:
        reader.note(
            msg(
                "<penalty> (the per-try penalty of interactive/adaptive quizzes) is not used: "
                "attempts here are single-try."
            )
        )
    return pools


def _read_question(
    reader: MoodleReader, question: ET.Element, qtype: str, index: int, used_ids: set[str]
) -> dict[str, Any] | None:
    """One question as a raw item, or None when it is reported as skipped or invalid."""
    name = child_text(question, "name", "text") or f"question {index + 1}"
    item_meta = _comment_json(question, ITEM_META) or {}
    item_id = _item_id(reader, question, item_meta, name, used_ids)
    item_type = MOODLE_XML_READERS.get(qtype)
    if item_type is None:
        reason = UNSUPPORTED_REASONS.get(qtype) or msg(
            "question type %(qtype)r is not supported", qtype=qtype
        )
        reader.note(_not_imported(qtype, name, reason), item_id, severity=SKIPPED)
        return None
    if child_text(question, "hidden") == "1":
        reader.note(
            msg(
                "Not imported (%(name)r): hidden in Moodle (a deleted question still used by "
                "quizzes).",
                name=name,
            ),
            item_id,
            severity=SKIPPED,
        )
        return None
    try:
        item = _common(reader, question, item_id, item_meta)
        item_type.from_moodle_xml(reader, question, item, item_meta)
    except SkipQuestion as skip:
        reader.note(_not_imported(qtype, name, message_of(skip)), item_id, severity=SKIPPED)
        return None
    except InvalidQuestion as invalid:
        reader.note(
            msg(
                "Invalid %(qtype)s question %(name)r: %(reason)s.",
                qtype=qtype,
                name=name,
                reason=message_of(invalid),
            ),
            item_id,
            severity=ERROR,
        )
        return None
    return item


def _not_imported(qtype: str, name: str, reason: str) -> Message:
    return msg(
        "Not imported (%(qtype)s %(name)r): %(reason)s.", qtype=qtype, name=name, reason=reason
    )


def _raw_pools(
    reader: MoodleReader, pools: dict[str, _Pool], pool_meta: dict[str, Any]
) -> list[dict[str, Any]]:
    """Pools with questions, as raw pools; our own export's comment restores titles and draws."""
    raw_pools = []
    for pool in pools.values():
        if not pool.items:
            if pool.random_count:
                reader.note(
                    msg(
                        "Category has %(count)s random question(s) but no questions to draw from.",
                        count=pool.random_count,
                    ),
                    path=f"pool {pool.key}",
                    severity=WARNING,
                )
            continue
        entry: dict[str, Any] = {"id": pool.key, "items": pool.items}
        this_meta = pool_meta.get(pool.key)
        this_meta = this_meta if isinstance(this_meta, dict) else {}
        meta_title = this_meta.get("title")
        if isinstance(meta_title, dict) and pool.name == (
            join_multilang(meta_title, reader.language) or pool.key
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
    return raw_pools


def _item_id(
    reader: MoodleReader, question: ET.Element, meta: dict[str, Any], name: str, used: set[str]
) -> str:
    explicit = child_text(question, "idnumber") or (
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
            msg(
                "Question name %(name)r is used more than once and has no ID number; "
                "imported as %(id)r.",
                name=name,
                id=candidate,
            ),
            candidate,
        )
    used.add(candidate)
    return candidate


def _common(
    reader: MoodleReader, question: ET.Element, item_id: str, meta: dict[str, Any]
) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id}
    item["stem"] = reader.text_of(question.find("questiontext"), item_id, "stem")
    grade = child_text(question, "defaultgrade")
    if grade:
        item["points"] = grade
    tags = [child_text(tag, "text") for tag in question.findall("tags/tag")]
    if any(tags):
        item["tags"] = [tag for tag in tags if tag]
    if isinstance(meta.get("source"), str):
        item["source"] = meta["source"]
    general = reader.text_of(question.find("generalfeedback"), item_id, "feedback.general")
    if general:
        item["feedback"] = {"general": general}
    return item


__all__ = ["ASSESSMENT_META", "ITEM_META", "option_ids", "parse_moodle_xml"]
