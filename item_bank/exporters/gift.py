"""Published assessment -> GIFT (Moodle's question/format/gift) and Aiken, as far as those
formats reach (ADR 0025). GIFT carries no assessment settings, pool draws, option ids
(matching pairs come back numbered p1, p2, ...) or pictures, and Aiken only single-choice
questions in plain text; every question that cannot be written is named in the notes, never
dropped silently. Importing the file back gives the same questions (stems, options, keys,
feedback) in a new assessment named after the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from item_bank.item_types.choice import MULTIPLE_RESPONSE, SINGLE_CHOICE
from item_bank.item_types.matching import MATCHING
from item_bank.item_types.numerical import NUMERICAL
from item_bank.item_types.short_answer import SHORT_ANSWER
from item_bank.item_types.true_false import TRUE_FALSE
from item_bank.models import AssessmentVersion, ItemVersion
from item_bank.parsers.multilang import join_multilang
from item_bank.sanitize import html_to_text, plain_text

_SPECIAL = "\\~=#{}:"


def gift_escape(text: str) -> str:
    for char in _SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


class _Texts:
    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, translations: Mapping[str, str] | None) -> str:
        return gift_escape(join_multilang(translations or {}, self.language))


def _number(value: float) -> str:
    return repr(float(value)).removesuffix(".0")


def _feedback(t: _Texts, translations: Mapping[str, str] | None) -> str:
    return f"#{t(translations)}" if translations else ""


def _choice(content: Mapping[str, Any], t: _Texts, single: bool) -> str:
    options = content["options"]
    right = sum(1 for o in options if o["correct"])
    lines = []
    for option in options:
        if single:
            mark = "=" if option["correct"] else "~"
        else:
            share = _number(round(100 / right, 5))
            mark = f"~%{share}%" if option["correct"] else f"~%-{share}%"
        lines.append(f"\t{mark}{t(option['text'])}{_feedback(t, option.get('feedback'))}")
    return "\n".join(lines)


def _true_false(content: Mapping[str, Any], t: _Texts) -> str:
    feedback = content.get("feedback", {})
    return (
        ("TRUE" if content["answer"] else "FALSE")
        + _feedback(t, feedback.get("incorrect"))
        + (_feedback(t, feedback.get("correct")) if feedback.get("correct") else "")
    )


def _numerical(content: Mapping[str, Any], t: _Texts) -> str:
    return f"#{_number(content['answer'])}:{_number(content.get('tolerance', 0))}"


def _short_answer(content: Mapping[str, Any], t: _Texts) -> str:
    answers = dict.fromkeys(a for texts in content["accepted"].values() for a in texts)
    return "\n".join(f"\t={gift_escape(plain_text(answer))}" for answer in answers)


def _matching_sides(content: Mapping[str, Any], t: _Texts) -> list[tuple[str, str]]:
    """(prompt, answer) as written: prompts in HTML, answers in plain text (as GIFT reads them);
    a distractor is an answer with an empty prompt."""

    def answer(translations: Mapping[str, str]) -> str:
        return t({lang: html_to_text(text) for lang, text in translations.items()})

    sides = [(t(pair["prompt"]), answer(pair["answer"])) for pair in content["pairs"]]
    return sides + [("", answer(d["text"])) for d in content.get("distractors", [])]


def _matching(content: Mapping[str, Any], t: _Texts) -> str:
    return "\n".join(f"\t={prompt} -> {answer}" for prompt, answer in _matching_sides(content, t))


_ANSWERS: dict[str, Callable[[Mapping[str, Any], _Texts], str]] = {
    SINGLE_CHOICE: lambda c, t: _choice(c, t, True),
    MULTIPLE_RESPONSE: lambda c, t: _choice(c, t, False),
    TRUE_FALSE: _true_false,
    NUMERICAL: _numerical,
    SHORT_ANSWER: _short_answer,
    MATCHING: _matching,
}


def _bracketed(text: str) -> str:
    return text.replace("]", "\\]")


def _gift_question(item: ItemVersion) -> str:
    t = _Texts(item.default_language)
    content = item.content
    answers = _ANSWERS[item.type](content, t)
    general = content.get("feedback", {}).get("general")
    tags = "".join(f" [tag:{_bracketed(tag)}]" for tag in item.tags)
    return (
        f"// [id:{_bracketed(item.item_uid)}]{tags}\n"
        f"::{gift_escape(item.item_uid)}::[html]{t(content['stem'])}{{\n{answers}\n"
        + (f"\t####{t(general)}\n" if general else "")
        + "}\n"
    )


def _has_arrow(item: ItemVersion) -> bool:
    sides = _matching_sides(item.content, _Texts(item.default_language))
    return any("->" in text for side in sides for text in side)


def _unwritable(item: ItemVersion, fmt: str, types: Mapping[str, object]) -> str | None:
    if item.type not in types:
        return f"{item.item_uid}: {item.type} questions cannot be written in {fmt}; left out."
    if "media:" in str(item.content):
        return f"{item.item_uid}: shows a picture, which {fmt} cannot carry; left out."
    if item.type == MATCHING and _has_arrow(item):
        # Moodle splits each pair at its first "->", and GIFT has no escape for it.
        return (
            f"{item.item_uid}: a matching text contains '->', which {fmt} cannot carry; left out."
        )
    return None


def export_gift(version: AssessmentVersion) -> tuple[str, list[str]]:
    """(GIFT text, notes on what was left out)."""
    out, notes = [], []
    for pool in version.pools:
        out.append(f"$CATEGORY: $course$/top/{gift_escape(pool.key)}\n")
        for item in pool.item_versions:
            note = _unwritable(item, "GIFT", _ANSWERS)
            if note:
                notes.append(note)
            else:
                out.append(_gift_question(item))
    return "\n".join(out), notes


def _aiken_question(item: ItemVersion) -> str | None:
    content, language = item.content, item.default_language
    options = content["options"]
    if len(options) > 26:
        return None

    def text(translations: Mapping[str, str]) -> str:
        return " ".join(plain_text(translations.get(language) or "").split())

    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    lines = [text(content["stem"])]
    lines += [f"{letters[i]}. {text(o['text'])}" for i, o in enumerate(options)]
    right = next(i for i, o in enumerate(options) if o["correct"])
    lines.append(f"ANSWER: {letters[right]}")
    return "\n".join(lines) + "\n"


def export_aiken(version: AssessmentVersion) -> tuple[str, list[str]]:
    """(Aiken text, notes): single-choice questions only, default language, plain text."""
    out, notes = [], []
    for pool in version.pools:
        for item in pool.item_versions:
            note = _unwritable(item, "Aiken", {SINGLE_CHOICE: None})
            written = None if note else _aiken_question(item)
            if written is None:
                notes.append(note or f"{item.item_uid}: more than 26 options; left out.")
            else:
                out.append(written)
    return "\n".join(out), notes
