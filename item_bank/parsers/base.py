"""What every reader returns, and the decoding step they share."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from item_bank.media.images import VerifiedImage
from item_bank.messages import msg
from item_bank.reports import ERROR, WARNING, Issue


@dataclass
class ParsedFile:
    file: str
    format: str
    document: dict[str, Any] | None  # raw authoring-format dict, None when unreadable
    issues: list[Issue] = field(default_factory=list)
    media: dict[str, VerifiedImage] = field(default_factory=dict)  # by SHA-256


class IssueCollector:
    """What a reader found wrong in one file: every issue names the file, the item and the
    field path, and all of them are reported together."""

    def __init__(self, file_label: str, language: str) -> None:
        self.file = file_label
        self.language = language
        self.issues: list[Issue] = []
        self.media: dict[str, VerifiedImage] = {}  # pictures the file's texts show

    def note(
        self,
        message: str,
        item: str | None = None,
        path: str | None = None,
        severity: str = WARNING,
    ) -> None:
        self.issues.append(Issue(self.file, message, item_id=item, field=path, severity=severity))


class Unreadable(Exception):
    """The file cannot be read at all (encoding, syntax): one issue explains why."""


def decode_text(data: bytes, file_label: str) -> str:
    """UTF-8 (with or without BOM), strictly: a wrong encoding is reported, never guessed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise Unreadable(
            msg(
                "Not valid UTF-8: byte %(byte)s at line %(line)s (offset %(offset)s). "
                "Save the file as UTF-8.",
                byte=f"0x{data[error.start]:02x}",
                line=line,
                offset=error.start,
            )
        ) from None
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def unreadable(file_label: str, fmt: str, message: str) -> ParsedFile:
    return ParsedFile(file_label, fmt, None, [Issue(file_label, message, severity=ERROR)])


_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


def slugify(text: str, fallback: str = "item") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_CHARS.sub("-", ascii_text.lower()).strip("-")[:80].strip("-")
    return slug or fallback
