"""GIFT (Moodle's question/format/gift) -> raw authoring-format document.

Follows Moodle's reader: questions are separated by blank lines, `//` lines are comments (and
may carry `[id:...]` and `[tag:...]`, as Moodle 4 writes them), `$CATEGORY:` starts a pool,
`::name::` names a question, `{...}` holds the answers, `\\` escapes ~ = # { } :.
"""

from __future__ import annotations

import html
import re
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
from item_bank.parsers.base import (
    IssueCollector,
    ParsedFile,
    Unreadable,
    decode_text,
    slugify,
    unreadable,
)
from item_bank.parsers.moodle_xml import option_ids
from item_bank.parsers.multilang import dominant_language, split_multilang
from item_bank.reports import ERROR, SKIPPED

FORMAT = "gift"
_ESCAPES = {
    "\\:": "\ue001",
    "\\#": "\ue002",
    "\\=": "\ue003",
    "\\{": "\ue004",
    "\\}": "\ue005",
    "\\~": "\ue006",
    "\\n": "\ue007",
}
_UNESCAPE = {
    "\ue001": ":",
    "\ue002": "#",
    "\ue003": "=",
    "\ue004": "{",
    "\ue005": "}",
    "\ue006": "~",
    "\ue007": "\n",
}
_BACKSLASH = "\ue000"
_WEIGHT = re.compile(r"^%(-?[0-9]{1,3}(?:\.[0-9]*)?)%")
_ID_TOKEN = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f])+)\]")
_TAG_TOKEN = re.compile(r"\[tag:((?:\\\]|[^\]\x00-\x1f])+)\]")
_FORMAT_PREFIX = re.compile(r"^\[(html|moodle|plain|markdown)\]")


def _escape_pre(text: str) -> str:
    text = text.replace("\\\\", _BACKSLASH)
    for escaped, placeholder in _ESCAPES.items():
        text = text.replace(escaped, placeholder)
    return text.replace(_BACKSLASH, "\\")


def _unescape(text: str) -> str:
    for placeholder, char in _UNESCAPE.items():
        text = text.replace(placeholder, char)
    return text


class _Problem(Exception):
    def __init__(self, message: str, severity: str = ERROR) -> None:
        super().__init__(message)
        self.severity = severity


class _Gift(IssueCollector):
    def text(self, raw: str, fmt: str, item: str, path: str) -> dict[str, str]:
        """A GIFT text (placeholders still in) -> translations of HTML."""
        prefix = _FORMAT_PREFIX.match(raw.strip())
        if prefix:
            fmt = prefix.group(1)
            raw = raw.strip()[prefix.end() :]
        raw = _unescape(raw).strip()
        if not raw:
            return {}
        result, notes = split_multilang(raw, self.language)
        for message in notes:
            self.note(message, item, path)
        if fmt in ("plain", "markdown"):
            if fmt == "markdown":
                self.note("markdown text imported as plain text", item, path)
            result = {lang: html.escape(value, quote=False) for lang, value in result.items()}
        if fmt != "html":
            result = {lang: value.replace("\n", "<br>") for lang, value in result.items()}
        return result

    def plain(self, raw: str, item: str, path: str) -> dict[str, str]:
        result, notes = split_multilang(_unescape(raw).strip(), self.language)
        for message in notes:
            self.note(message, item, path)
        return result


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


def parse_gift(data: bytes, file_label: str) -> ParsedFile:
    try:
        text = decode_text(data, file_label)
    except Unreadable as error:
        return unreadable(file_label, FORMAT, str(error))
    language = dominant_language(text) or "en"
    gift = _Gift(file_label, language)
    pools: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    used: set[str] = set()
    file_slug = slugify(PurePath(file_label).stem, "gift")
    counter = 0
    for comments, lines, line_number in _blocks(text):
        body = _escape_pre("\n".join(lines).strip())
        if body.startswith("$CATEGORY:"):
            path = body[len("$CATEGORY:") :].strip()
            name = [
                s
                for s in re.split(r"(?<!/)/(?!/)", path)
                if s.strip() and s not in ("$course$", "$system$", "$module$", "top")
            ]
            title = _unescape(name[-1]).replace("//", "/") if name else "default"
            key = slugify(split_multilang(title, language)[0].get(language, title), "default")
            current = pools.setdefault(
                key,
                {
                    "id": key,
                    "title": {
                        lang: html.unescape(t)
                        for lang, t in split_multilang(title, language)[0].items()
                    },
                    "items": [],
                },
            )
            continue
        counter += 1
        comment_text = "\n".join(comments)
        id_match = _ID_TOKEN.search(comment_text)
        tags = [t.replace("\\]", "]").strip() for t in _TAG_TOKEN.findall(comment_text)]
        name = ""
        if body.startswith("::"):
            end = body.find("::", 2)
            if end != -1:
                name = _unescape(body[2:end]).strip()
                body = body[end + 2 :].strip()
        if id_match:
            item_id = id_match.group(1).replace("\\]", "]").strip()
        else:
            base = (
                slugify(html.unescape(re.sub(r"<[^>]+>", "", name)), "question")
                if name
                else f"{file_slug}-q{counter:03d}"
            )
            item_id, suffix = base, 2
            while item_id in used:
                item_id, suffix = f"{base}-{suffix}", suffix + 1
            if item_id != base:
                gift.note(
                    f"Question name {name!r} is used more than once and has no [id:...]; imported as {item_id!r}.",
                    item_id,
                )
        used.add(item_id)
        try:
            item = _question(gift, body, item_id)
        except _Problem as problem:
            label = "Not imported" if problem.severity == SKIPPED else "Invalid question"
            gift.note(
                f"{label} (line {line_number}{', ' + repr(name) if name else ''}): {problem}.",
                item_id,
                severity=problem.severity,
            )
            continue
        if tags:
            item["tags"] = tags
        if current is None:
            current = pools.setdefault("default", {"id": "default", "items": []})
        current["items"].append(item)
    raw_pools = []
    for pool in pools.values():
        if pool["items"]:
            if not pool.get("title"):
                pool.pop("title", None)
            raw_pools.append(pool)
    if not raw_pools:
        gift.note("No importable questions in the file.", severity=ERROR)
        return ParsedFile(file_label, FORMAT, None, gift.issues)
    stem = PurePath(file_label).stem
    document = {
        "assessment": {
            "slug": slugify(stem, "assessment"),
            "default_language": language,
            "title": {language: stem},
        },
        "pools": raw_pools,
    }
    return ParsedFile(file_label, FORMAT, document, gift.issues)


def _weight(answer: str) -> tuple[float | None, str]:
    match = _WEIGHT.match(answer)
    if not match:
        return None, answer
    return float(match.group(1)), answer[match.end() :]


def _split_feedback(answer: str) -> tuple[str, str]:
    text, _, feedback = answer.partition("#")
    return text.strip(), feedback.strip()


def _question(gift: _Gift, body: str, item_id: str) -> dict[str, Any]:
    start, finish = body.find("{"), body.find("}")
    if start == -1 and finish == -1:
        raise _Problem("a description (no answer braces) is not a question", SKIPPED)
    if start == -1 or finish == -1 or finish < start:
        raise _Problem("unbalanced answer braces { }")
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
    stem_format = "moodle"
    prefix = _FORMAT_PREFIX.match(stem_raw.strip())
    if prefix:
        stem_format = prefix.group(1)
    item: dict[str, Any] = {
        "id": item_id,
        "stem": gift.text(stem_raw, stem_format, item_id, "stem"),
    }
    feedback: dict[str, Any] = {}
    if general.strip():
        feedback["general"] = gift.text(general, stem_format, item_id, "feedback.general")

    def fb(raw: str, path: str) -> dict[str, str]:
        return gift.text(raw, stem_format, item_id, path) if raw else {}

    if answer_text == "":
        raise _Problem("essay questions need manual grading, which this tool does not do", SKIPPED)
    if answer_text.startswith("#"):
        _numerical(gift, answer_text[1:], item, feedback, fb)
    elif "~" in answer_text:
        single = "=" in answer_text
        answers = [a.strip() for a in answer_text.replace("=", "~=").split("~")]
        answers = [a for a in answers if a]
        if len(answers) < 2:
            raise _Problem("a choice question needs at least two answers")
        item["type"] = SINGLE_CHOICE if single else MULTIPLE_RESPONSE
        options = []
        for position, (answer, option_id) in enumerate(
            zip(answers, option_ids(len(answers)), strict=True)
        ):
            if answer.startswith("="):
                weight: float | None = 100.0
                answer = answer[1:]
            else:
                weight, answer = _weight(answer)
            text, option_feedback = _split_feedback(answer)
            weight = weight or 0.0
            option: dict[str, Any] = {
                "id": option_id,
                "text": gift.text(text, stem_format, item_id, f"options[{position}].text"),
                "correct": weight >= 99.99 if single else weight > 0,
            }
            if option_feedback:
                option["feedback"] = fb(option_feedback, f"options[{position}].feedback")
            if single and 0 < weight < 99.99:
                gift.note(
                    f"Option {option_id!r} gave {weight:g}% partial credit; here it scores as wrong.",
                    item_id,
                    f"options[{position}]",
                )
            options.append(option)
        item["options"] = options
    elif "=" in answer_text and "->" in answer_text:
        item["type"] = MATCHING
        pairs, distractors = [], []
        for position, answer in enumerate(a.strip() for a in answer_text.split("=") if a.strip()):
            if "->" not in answer:
                raise _Problem(f"matching answer {answer!r} has no '->'")
            prompt, _, target = answer.partition("->")
            target_text = gift.plain(target, item_id, f"pairs[{position}].answer")
            answer_html = {
                lang: html.escape(value, quote=False) for lang, value in target_text.items()
            }
            if prompt.strip():
                pairs.append(
                    {
                        "id": f"p{len(pairs) + 1}",
                        "prompt": gift.text(
                            prompt, stem_format, item_id, f"pairs[{position}].prompt"
                        ),
                        "answer": answer_html,
                    }
                )
            else:
                distractors.append(answer_html)
        item["pairs"] = pairs
        if distractors:
            item["distractors"] = distractors
    else:
        check = answer_text.split("#", 1)[0].strip()
        if check in ("T", "TRUE", "F", "FALSE"):
            item["type"] = TRUE_FALSE
            bits = answer_text.split("#", 2)
            item["answer"] = check in ("T", "TRUE")
            if len(bits) > 1 and bits[1].strip():
                feedback["incorrect"] = fb(bits[1].strip(), "feedback.incorrect")
            if len(bits) > 2 and bits[2].strip():
                feedback["correct"] = fb(bits[2].strip(), "feedback.correct")
        else:
            item["type"] = SHORT_ANSWER
            accepted: list[str] = []
            for answer in (a.strip() for a in answer_text.split("=") if a.strip()):
                weight, answer = _weight(answer)
                text, answer_feedback = _split_feedback(answer)
                text = _unescape(text)
                if weight is None or weight >= 99.99:
                    if "*" in text:
                        raise _Problem(
                            f"the answer {text!r} uses a * wildcard, which is not supported",
                            SKIPPED,
                        )
                    accepted.append(text)
                    if answer_feedback and "correct" not in feedback:
                        feedback["correct"] = fb(answer_feedback, "feedback.correct")
                elif weight > 0:
                    gift.note(
                        f"Answer {text!r} gave {weight:g}% partial credit; it is not accepted here.",
                        item_id,
                        "accepted",
                    )
            item["accepted"] = {gift.language: accepted} if accepted else {}
    if feedback:
        item["feedback"] = feedback
    return item


def _numerical(
    gift: _Gift, answer_text: str, item: dict[str, Any], feedback: dict[str, Any], fb: Any
) -> None:
    item["type"] = NUMERICAL
    wrong_at = answer_text.find("~")
    if wrong_at != -1:
        wrong = answer_text[wrong_at + 1 :]
        answer_text = answer_text[:wrong_at]
        _, wrong_feedback = _split_feedback(wrong)
        if wrong_feedback:
            feedback["incorrect"] = fb(wrong_feedback, "feedback.incorrect")
    answers = [a.strip() for a in answer_text.split("=") if a.strip()]
    if not answers:
        raise _Problem("a numerical question needs an answer")
    chosen = False
    for answer in answers:
        weight, answer = _weight(answer)
        value, answer_feedback = _split_feedback(answer)
        value = _unescape(value)
        if "..." not in value and ".." in value:
            low, _, high = value.partition("..")
            try:
                lo, hi = float(low), float(high)
                answer_value: Any = (lo + hi) / 2
                tolerance: Any = (hi - lo) / 2
            except ValueError:
                answer_value, tolerance = value, 0
        elif ":" in value:
            answer_value, _, tolerance = value.partition(":")
        else:
            answer_value, tolerance = value, 0
        if (weight is None or weight >= 99.99) and not chosen:
            item["answer"] = answer_value.strip() if isinstance(answer_value, str) else answer_value
            item["tolerance"] = tolerance.strip() if isinstance(tolerance, str) else tolerance
            if answer_feedback:
                feedback["correct"] = fb(answer_feedback, "feedback.correct")
            chosen = True
        elif weight is not None and weight < 99.99 and weight > 0:
            gift.note(
                f"Value {value!r} gave {weight:g}% partial credit; it is not kept.",
                item["id"],
                "answer",
            )
        elif weight is None or weight >= 99.99:
            gift.note(
                f"Only one right value is supported; {value!r} is not kept.", item["id"], "answer"
            )
