"""Aiken (Moodle's question/format/aiken): single-choice questions in plain text.

Question text (one or more lines)
A. option
B) option
ANSWER: B
"""

from __future__ import annotations

import html
import re
from pathlib import PurePath
from typing import Any

from item_bank.item_types import SINGLE_CHOICE
from item_bank.messages import message_of, msg
from item_bank.parsers.base import ParsedFile, Unreadable, decode_text, slugify, unreadable
from item_bank.reports import ERROR, Issue

FORMAT = "aiken"
_OPTION = re.compile(r"^([A-Z])[.)]\s+(.*)$")
_ANSWER = re.compile(r"^ANSWER:?\s*([A-Z])\s*$")


def looks_like_aiken(data: bytes) -> bool:
    text = data.decode("utf-8", errors="replace")
    return bool(re.search(r"^ANSWER:?\s*[A-Z]\s*$", text, re.MULTILINE)) and "{" not in text


def parse_aiken(data: bytes, file_label: str) -> ParsedFile:
    try:
        text = decode_text(data, file_label)
    except Unreadable as error:
        return unreadable(file_label, FORMAT, message_of(error))
    stem = PurePath(file_label).stem
    file_slug = slugify(stem, "aiken")
    issues: list[Issue] = []
    items: list[dict[str, Any]] = []
    question: list[str] = []
    options: list[tuple[str, str]] = []
    start_line = 0

    def fail(message: str, line: int) -> None:
        item_id = f"{file_slug}-q{len(items) + 1:03d}"
        issues.append(
            Issue(
                file_label,
                msg("%(problem)s (line %(line)s).", problem=message, line=line),
                item_id=item_id,
                severity=ERROR,
            )
        )

    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.strip()
        if not line:
            continue
        option = _OPTION.match(line)
        answer = _ANSWER.match(line)
        if answer:
            problem = _answer_problem(question, options, answer.group(1))
            if problem:
                fail(problem, number)
            else:
                items.append(_item(file_slug, len(items) + 1, question, options, answer.group(1)))
            question, options = [], []
            continue
        if option and question:
            options.append((option.group(1), option.group(2)))
            continue
        if options:
            fail(msg("text after the options but no ANSWER line"), number)
            question, options = [], []
        if not question:
            start_line = number
        question.append(line)
    if question or options:
        fail(msg("the last question has no ANSWER line"), start_line)
    if not items:
        if not issues:
            issues.append(Issue(file_label, msg("No questions found."), severity=ERROR))
        return ParsedFile(file_label, FORMAT, None, issues)
    document = {
        "assessment": {"slug": slugify(stem, "assessment"), "title": {"en": stem}},
        "pools": [{"id": "default", "items": items}] if items else [],
    }
    return ParsedFile(file_label, FORMAT, document, issues)


def _answer_problem(question: list[str], options: list[tuple[str, str]], right: str) -> str:
    """What is wrong with a question when its ANSWER line is reached ('' when nothing)."""
    if not question or len(options) < 2:
        return msg("ANSWER line without a question and at least two options")
    letters = [letter for letter, _ in options]
    if right not in letters:
        return msg(
            "ANSWER: %(right)s names no option (options: %(letters)s)",
            right=right,
            letters=", ".join(letters),
        )
    if len(set(letters)) != len(letters):
        return msg("two options have the same letter")
    return ""


def _item(
    file_slug: str, number: int, question: list[str], options: list[tuple[str, str]], right: str
) -> dict[str, Any]:
    return {
        "id": f"{file_slug}-q{number:03d}",
        "type": SINGLE_CHOICE,
        "stem": {"en": "<br>".join(html.escape(line, quote=False) for line in question)},
        "options": [
            {
                "id": letter.lower(),
                "text": {"en": html.escape(text, quote=False)},
                "correct": letter == right,
            }
            for letter, text in options
        ],
    }
