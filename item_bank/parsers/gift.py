"""GIFT (Moodle's question/format/gift) -> raw authoring-format document.

Follows Moodle's reader: questions are separated by blank lines, `//` lines are comments (and
may carry `[id:...]` and `[tag:...]`, as Moodle 4 writes them), `$CATEGORY:` starts a pool,
`::name::` names a question, `{...}` holds the answers, `\\` escapes ~ = # { } :. GIFT has no
type keyword: the item types of `item_bank.item_types` recognise their own answer syntax.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from item_bank.item_types import GIFT_READERS
from item_bank.messages import Message, message_of, msg
from item_bank.parsers.base import ParsedFile, Unreadable, decode_text, slugify, unreadable
from item_bank.parsers.gift_text import (
    FORMAT_PREFIX,
    GiftProblem,
    GiftQuestion,
    GiftReader,
    escape_pre,
    unescape,
)
from item_bank.parsers.multilang import dominant_language, split_multilang
from item_bank.reports import ERROR, SKIPPED

FORMAT = "gift"
_ID_TOKEN = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f])+)\]")
_TAG_TOKEN = re.compile(r"\[tag:((?:\\\]|[^\]\x00-\x1f])+)\]")
_CATEGORY = "$CATEGORY:"


def _blocks(text: str) -> list[tuple[list[str], list[str], int]]:
    """(comment lines, question lines, first line number) per blank-line separated block."""
    blocks: list[tuple[list[str], list[str], int]] = []
    comments: list[str] = []
    lines: list[str] = []
    start = 1
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            if lines:
                blocks.append((comments, lines, start))
                comments, lines = [], []
            continue
        if stripped.startswith("//"):
            if lines:  # a comment inside a question: Moodle blanks it
                continue
            comments.append(stripped)
            continue
        if not lines:
            start = number
        lines.append(line)
    if lines:
        blocks.append((comments, lines, start))
    return blocks


@dataclass
class _File:
    """What reading one file has gathered so far."""

    reader: GiftReader
    file_slug: str
    pools: dict[str, dict[str, Any]] = field(default_factory=dict)
    current: dict[str, Any] | None = None
    used: set[str] = field(default_factory=set)
    counter: int = 0

    def open_category(self, body: str) -> None:
        language = self.reader.language
        path = body[len(_CATEGORY) :].strip()
        name = [
            s
            for s in re.split(r"(?<!/)/(?!/)", path)
            if s.strip() and s not in ("$course$", "$system$", "$module$", "top")
        ]
        title = unescape(name[-1]).replace("//", "/") if name else "default"
        translations = split_multilang(title, language)[0]
        key = slugify(translations.get(language, title), "default")
        self.current = self.pools.setdefault(
            key,
            {
                "id": key,
                "title": {lang: html.unescape(t) for lang, t in translations.items()},
                "items": [],
            },
        )

    def add(self, item: dict[str, Any]) -> None:
        if self.current is None:
            self.current = self.pools.setdefault("default", {"id": "default", "items": []})
        self.current["items"].append(item)

    def item_id(self, id_match: re.Match[str] | None, name: str) -> str:
        """The `[id:...]` of the comments, else one made from the name or the position."""
        if id_match:
            item_id = id_match.group(1).replace("\\]", "]").strip()
        else:
            base = (
                slugify(html.unescape(re.sub(r"<[^>]+>", "", name)), "question")
                if name
                else f"{self.file_slug}-q{self.counter:03d}"
            )
            item_id, suffix = base, 2
            while item_id in self.used:
                item_id, suffix = f"{base}-{suffix}", suffix + 1
            if item_id != base:
                self.reader.note(
                    msg(
                        "Question name %(name)r is used more than once and has no [id:...]; "
                        "imported as %(id)r.",
                        name=name,
                        id=item_id,
                    ),
                    item_id,
                )
        self.used.add(item_id)
        return item_id


def parse_gift(data: bytes, file_label: str) -> ParsedFile:
    try:
        text = decode_text(data, file_label)
    except Unreadable as error:
        return unreadable(file_label, FORMAT, message_of(error))
    language = dominant_language(text) or "en"
    state = _File(GiftReader(file_label, language), slugify(PurePath(file_label).stem, "gift"))
    for comments, lines, line_number in _blocks(text):
        body = escape_pre("\n".join(lines).strip())
        if body.startswith(_CATEGORY):
            state.open_category(body)
        else:
            _read_block(state, "\n".join(comments), body, line_number)
    raw_pools = []
    for pool in state.pools.values():
        if pool["items"]:
            if not pool.get("title"):
                pool.pop("title", None)
            raw_pools.append(pool)
    if not raw_pools:
        state.reader.note(msg("No importable questions in the file."), severity=ERROR)
        return ParsedFile(file_label, FORMAT, None, state.reader.issues)
    stem = PurePath(file_label).stem
    document = {
        "assessment": {
            "slug": slugify(stem, "assessment"),
            "default_language": language,
            "title": {language: stem},
        },
        "pools": raw_pools,
    }
    return ParsedFile(file_label, FORMAT, document, state.reader.issues)


def _read_block(state: _File, comment_text: str, body: str, line_number: int) -> None:
    """One question block: its id, name and tags, then the item its answers describe."""
    state.counter += 1
    id_match = _ID_TOKEN.search(comment_text)
    tags = [t.replace("\\]", "]").strip() for t in _TAG_TOKEN.findall(comment_text)]
    name = ""
    if body.startswith("::"):
        end = body.find("::", 2)
        if end != -1:
            name = unescape(body[2:end]).strip()
            body = body[end + 2 :].strip()
    item_id = state.item_id(id_match, name)
    try:
        item = _question(state.reader, body, item_id)
    except GiftProblem as problem:
        state.reader.note(
            _problem_text(problem, line_number, name), item_id, severity=problem.severity
        )
        return
    if tags:
        item["tags"] = tags
    state.add(item)


def _problem_text(problem: GiftProblem, line: int, name: str) -> Message:
    """Why a block was not imported, with where it starts (and its name, when it has one)."""
    reason = message_of(problem)
    if problem.severity == SKIPPED:
        if name:
            return msg(
                "Not imported (line %(line)s, %(name)r): %(reason)s.",
                line=line,
                name=name,
                reason=reason,
            )
        return msg("Not imported (line %(line)s): %(reason)s.", line=line, reason=reason)
    if name:
        return msg(
            "Invalid question (line %(line)s, %(name)r): %(reason)s.",
            line=line,
            name=name,
            reason=reason,
        )
    return msg("Invalid question (line %(line)s): %(reason)s.", line=line, reason=reason)


def _question(reader: GiftReader, body: str, item_id: str) -> dict[str, Any]:
    start, finish = body.find("{"), body.find("}")
    if start == -1 and finish == -1:
        raise GiftProblem(msg("a description (no answer braces) is not a question"), SKIPPED)
    if start == -1 or finish == -1 or finish < start:
        raise GiftProblem(msg("unbalanced answer braces { }"))
    answer_text = body[start + 1 : finish].strip()
    if body.rstrip().endswith("}"):
        stem_raw = body[:start] + body[finish + 1 :]
    else:
        stem_raw = body[:start] + "_____" + body[finish + 1 :]  # missing-word format
    general = ""
    separator = answer_text.rfind("####")
    if separator != -1:
        general = answer_text[separator + 4 :]
        answer_text = answer_text[:separator].strip()
    prefix = FORMAT_PREFIX.match(stem_raw.strip())
    question = GiftQuestion(reader, item_id, prefix.group(1) if prefix else "moodle")
    item: dict[str, Any] = {"id": item_id, "stem": question.text(stem_raw, "stem")}
    if general.strip():
        question.feedback["general"] = question.text(general, "feedback.general")
    if answer_text == "":
        raise GiftProblem(
            msg("essay questions need manual grading, which this tool does not do"), SKIPPED
        )
    item_type = next(t for t in GIFT_READERS if t.gift_accepts(answer_text))
    item_type.from_gift(question, answer_text, item)
    if question.feedback:
        item["feedback"] = question.feedback
    return item
