"""What reading one Moodle XML question needs, shared by `parsers.moodle_xml` (the file) and
the item types (their elements): text fields with multilang markup, answers' fractions,
feedback, and the two ways a question can fail."""

from __future__ import annotations

import base64
import binascii
import html
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote

from item_bank.media.images import verify_in_file
from item_bank.media.references import media_src
from item_bank.messages import message_of, msg, without_full_stop
from item_bank.parsers.base import IssueCollector
from item_bank.parsers.multilang import split_multilang

_OPTION_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def option_ids(count: int) -> list[str]:
    return [_OPTION_LETTERS[i] if i < 26 else f"o{i + 1}" for i in range(count)]


class SkipQuestion(Exception):
    """This question cannot be represented; the reason goes in the report."""


class InvalidQuestion(Exception):
    """This question is broken: the file must not be imported."""


class MoodleReader(IssueCollector):
    def text_of(
        self, element: ET.Element | None, item: str | None, path: str, *, html_field: bool = True
    ) -> dict[str, str]:
        """A Moodle text field (<x format="..."><text>...</text><file/></x>) -> translations."""
        if element is None:
            return {}
        node = element.find("text")
        raw = (node.text if node is not None else element.text) or ""
        if "@@PLUGINFILE@@" in raw:
            raw = embed_files(self, element, raw, path)
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
            raise InvalidQuestion(
                msg(
                    "%(path)s refers to a file (@@PLUGINFILE@@) that is not in the export; "
                    "export the question again with its files",
                    path=path,
                )
            )
        result, notes = split_multilang(raw, self.language)
        for message in notes:
            self.note(message, item, path)
        if fmt == "markdown":
            self.note(msg("markdown text imported as plain text"), item, path)
        if fmt in ("plain_text", "markdown") or not html_field:
            result = {lang: html.escape(text, quote=False) for lang, text in result.items()}
        elif fmt == "moodle_auto_format" and "<" not in raw:
            result = {lang: text.replace("\n", "<br>") for lang, text in result.items()}
        return result

    def combined_feedback(
        self, question: ET.Element, item: dict[str, Any], *, partial: bool
    ) -> None:
        """Moodle's correct / partially correct / incorrect feedback of a whole question."""
        keys = ["correct", "incorrect"] + (["partially_correct"] if partial else [])
        for key in keys:
            tag = key.replace("_", "") + "feedback"
            set_feedback(item, key, self.text_of(question.find(tag), item["id"], f"feedback.{key}"))


def embed_files(reader: MoodleReader, element: ET.Element, raw: str, path: str) -> str:
    """`raw` with each `@@PLUGINFILE@@/name` of the element's own <file>s replaced by the
    verified picture's `media:SHA256` (the picture joins `reader.media`)."""
    for file in element.findall("file"):
        name = file.get("name", "")
        where = file.get("path", "/") + name
        urls = [u for u in {f"@@PLUGINFILE@@{quote(where)}", f"@@PLUGINFILE@@{where}"} if u in raw]
        if not name or not urls:
            continue  # a file no text shows (Moodle also exports unused drafts)
        if file.get("encoding") != "base64":
            raise InvalidQuestion(
                msg("%(path)s: file %(name)r is not base64-encoded", path=path, name=name)
            )
        try:
            data = base64.b64decode("".join((file.text or "").split()), validate=True)
            image = verify_in_file(data, name, reader.media)
        except (binascii.Error, ValueError) as error:
            reason = without_full_stop(message_of(error))
            raise InvalidQuestion(msg("%(path)s: %(reason)s", path=path, reason=reason)) from None
        reader.media[image.sha256] = image
        for url in urls:
            raw = raw.replace(url, media_src(image.sha256))
    return raw


def child_text(element: ET.Element, *path: str, default: str = "") -> str:
    node: ET.Element | None = element
    for name in path:
        node = node.find(name) if node is not None else None
    if node is None or node.text is None:
        return default
    return node.text.strip()


def fraction(answer: ET.Element) -> float:
    raw = answer.get("fraction", "0") or "0"
    try:
        return float(raw)
    except ValueError:
        return float("nan")


def set_feedback(item: dict[str, Any], key: str, translations: dict[str, str]) -> None:
    if translations:
        item.setdefault("feedback", {})[key] = translations
