"""What reading one GIFT question needs, shared by `parsers.gift` (the file) and the item
types (their answer blocks): escapes, weights, per-answer feedback and GIFT texts with
multilang markup."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from item_bank.messages import msg
from item_bank.parsers.base import IssueCollector
from item_bank.parsers.multilang import split_multilang
from item_bank.reports import ERROR

_ESCAPES = {
    "\\:": "\ue001",
    "\\#": "\ue002",
    "\\=": "\ue003",
    "\\{": "\ue004",
    "\\}": "\ue005",
    "\\~": "\ue006",
    "\\n": "\ue007",
}
_UNESCAPE = {placeholder: escaped[1] for escaped, placeholder in _ESCAPES.items()}
_UNESCAPE["\ue007"] = "\n"
_BACKSLASH = "\ue000"
_WEIGHT = re.compile(r"^%(-?[0-9]{1,3}(?:\.[0-9]*)?)%")
FORMAT_PREFIX = re.compile(r"^\[(html|moodle|plain|markdown)\]")


def escape_pre(text: str) -> str:
    """Escaped characters -> private-use placeholders, so splitting on ~ = # ignores them."""
    text = text.replace("\\\\", _BACKSLASH)
    for escaped, placeholder in _ESCAPES.items():
        text = text.replace(escaped, placeholder)
    return text.replace(_BACKSLASH, "\\")


def unescape(text: str) -> str:
    for placeholder, char in _UNESCAPE.items():
        text = text.replace(placeholder, char)
    return text


class GiftProblem(Exception):
    def __init__(self, message: str, severity: str = ERROR) -> None:
        super().__init__(message)
        self.severity = severity


def weight(answer: str) -> tuple[float | None, str]:
    """`%50%text` -> (50.0, 'text'); no weight -> (None, answer)."""
    match = _WEIGHT.match(answer)
    if not match:
        return None, answer
    return float(match.group(1)), answer[match.end() :]


def split_feedback(answer: str) -> tuple[str, str]:
    text, _, feedback = answer.partition("#")
    return text.strip(), feedback.strip()


class GiftReader(IssueCollector):
    def text(self, raw: str, fmt: str, item: str, path: str) -> dict[str, str]:
        """A GIFT text (placeholders still in) -> translations of HTML."""
        prefix = FORMAT_PREFIX.match(raw.strip())
        if prefix:
            fmt = prefix.group(1)
            raw = raw.strip()[prefix.end() :]
        raw = unescape(raw).strip()
        if not raw:
            return {}
        result, notes = split_multilang(raw, self.language)
        for message in notes:
            self.note(message, item, path)
        if fmt in ("plain", "markdown"):
            if fmt == "markdown":
                self.note(msg("markdown text imported as plain text"), item, path)
            result = {lang: html.escape(value, quote=False) for lang, value in result.items()}
        if fmt != "html":
            result = {lang: value.replace("\n", "<br>") for lang, value in result.items()}
        return result

    def plain(self, raw: str, item: str, path: str) -> dict[str, str]:
        result, notes = split_multilang(unescape(raw).strip(), self.language)
        for message in notes:
            self.note(message, item, path)
        return result


@dataclass
class GiftQuestion:
    """One question being read: its texts share the stem's format, and the feedback the
    answers carry is collected here until the item is complete."""

    reader: GiftReader
    item_id: str
    stem_format: str
    feedback: dict[str, Any] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.reader.language

    def text(self, raw: str, path: str) -> dict[str, str]:
        return self.reader.text(raw, self.stem_format, self.item_id, path)

    def feedback_text(self, raw: str, path: str) -> dict[str, str]:
        return self.text(raw, path) if raw else {}

    def plain(self, raw: str, path: str) -> dict[str, str]:
        return self.reader.plain(raw, self.item_id, path)

    def note(self, message: str, path: str | None = None) -> None:
        self.reader.note(message, self.item_id, path)
