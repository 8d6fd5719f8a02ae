"""The pieces of Moodle XML our exporter writes, as Moodle's own exporter (question/format/xml)
writes them: CDATA text, multilang text fields, numbers without a needless '.0', and one
<question> being written (shared with the item types, which write their own elements)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from item_bank.parsers.multilang import join_multilang


def escape(text: str) -> str:
    """Moodle's xml_escape: CDATA when needed, splitting any ']]>' inside."""
    if text and any(char in text for char in "<>&"):
        return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return text


def text_element(text: str, indent: int) -> str:
    return f"{'  ' * indent}<text>{escape(text)}</text>\n"


def text_field(
    tag: str,
    translations: Mapping[str, str] | None,
    language: str,
    indent: int = 2,
    fmt: str = "html",
) -> str:
    body = join_multilang(translations or {}, language)
    pad = "  " * indent
    return f'{pad}<{tag} format="{fmt}">\n{text_element(body, indent + 1)}{pad}</{tag}>\n'


def comment(prefix: str, value: Mapping[str, Any]) -> str:
    data = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    data = data.replace("--", "-\\u002d")  # "--" may not appear inside an XML comment
    return f"<!-- {prefix} {data} -->"


def number(value: float) -> str:
    return (
        repr(float(value)).removesuffix(".0") if float(value).is_integer() else repr(float(value))
    )


@dataclass
class QuestionWriter:
    """One <question> being written: `body` holds its elements in order, `meta` what goes in
    its `emm-item:` comment (what Moodle has no field for)."""

    language: str
    feedback: Mapping[str, Any]
    body: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def line(self, element: str) -> None:
        self.body.append(f"    {element}\n")

    def text_field(self, tag: str, translations: Mapping[str, str] | None, indent: int = 2) -> str:
        return text_field(tag, translations, self.language, indent)

    def combined_feedback(self) -> None:
        for tag, key in (
            ("correctfeedback", "correct"),
            ("partiallycorrectfeedback", "partially_correct"),
            ("incorrectfeedback", "incorrect"),
        ):
            self.body.append(self.text_field(tag, self.feedback.get(key)))

    def answer(
        self,
        fraction: str,
        text: str,
        answer_feedback: Mapping[str, str] | None,
        fmt: str = "html",
        extra: str = "",
    ) -> None:
        self.body.append(
            f'    <answer fraction="{fraction}" format="{fmt}">\n{text_element(text, 3)}'
            + self.text_field("feedback", answer_feedback, indent=3)
            + extra
            + "    </answer>\n"
        )
