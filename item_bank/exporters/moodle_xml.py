"""Published assessment -> Moodle XML, as Moodle's own exporter writes it (question/format/xml):
a category per pool, <question> elements, CDATA text, multilang markup for translations.

What Moodle has no field for (assessment settings, draw counts, pool titles, option and pair ids,
the source, the language of each accepted answer) goes into `emm-assessment:` / `emm-item:` XML
comments, so importing the export gives back exactly the same content.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from item_bank.catalog import latest_version
from item_bank.item_types import (
    MATCHING,
    MULTIPLE_RESPONSE,
    NUMERICAL,
    SHORT_ANSWER,
    SINGLE_CHOICE,
    TRUE_FALSE,
)
from item_bank.models import AssessmentVersion, ItemVersion
from item_bank.parsers.moodle_xml import ASSESSMENT_META, ITEM_META
from item_bank.parsers.multilang import join_multilang
from item_bank.sanitize import html_to_text, plain_text


class UnknownAssessment(LookupError):
    pass


def _escape(text: str) -> str:
    """Moodle's xml_escape: CDATA when needed, splitting any ']]>' inside."""
    if text and any(char in text for char in "<>&"):
        return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return text


def _text(text: str, indent: int) -> str:
    return f"{'  ' * indent}<text>{_escape(text)}</text>\n"


def _field(
    tag: str,
    translations: Mapping[str, str] | None,
    language: str,
    indent: int = 2,
    fmt: str = "html",
) -> str:
    body = join_multilang(translations or {}, language)
    pad = "  " * indent
    return f'{pad}<{tag} format="{fmt}">\n{_text(body, indent + 1)}{pad}</{tag}>\n'


def _comment(prefix: str, value: Mapping[str, Any]) -> str:
    data = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    data = data.replace("--", "-\\u002d")  # "--" may not appear inside an XML comment
    return f"<!-- {prefix} {data} -->"


def _number(value: float) -> str:
    return (
        repr(float(value)).removesuffix(".0") if float(value).is_integer() else repr(float(value))
    )


def _category_name(translations: Mapping[str, str], language: str, fallback: str) -> str:
    name = join_multilang({k: plain_text(v) for k, v in translations.items()}, language) or fallback
    return name.replace("/", "//")


def export_version(version: AssessmentVersion) -> str:
    language = version.default_language
    minutes = lambda seconds: seconds / 60  # noqa: E731 - authoring format counts minutes
    meta = {
        "slug": version.assessment.slug,
        "version": version.number,
        "default_language": language,
        "title": version.title,
        "instructions": version.instructions,
        "pass_mark_percent": version.pass_mark_percent,
        "rules": {
            "inactivity_timeout_minutes": minutes(version.inactivity_timeout_seconds),
            "time_limit_minutes": None
            if version.time_limit_seconds is None
            else minutes(version.time_limit_seconds),
            "max_attempts": version.max_attempts,
            "retake_delay_minutes": minutes(version.retake_delay_seconds),
            "review": version.review_policy,
        },
        "pools": {
            pool.key: {"draw": pool.draw_count, "title": pool.title} for pool in version.pools
        },
    }
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n',
        _comment(ASSESSMENT_META, meta),
        "\n",
    ]
    top = _category_name(version.title, language, version.assessment.slug)
    for pool in version.pools:
        path = f"$course$/top/{top}/{_category_name(pool.title, language, pool.key)}"
        out.append("<!-- question: 0  -->\n")
        out.append('  <question type="category">\n    <category>\n')
        out.append(_text(path, 3))
        out.append(
            '    </category>\n    <info format="moodle_auto_format">\n      <text></text>\n    </info>\n'
        )
        out.append(f"    <idnumber>{_escape(pool.key)}</idnumber>\n  </question>\n")
        for item_version in pool.item_versions:
            out.append(export_item(item_version))
    out.append("</quiz>\n")
    return "".join(out)


_MOODLE_TYPE = {
    SINGLE_CHOICE: "multichoice",
    MULTIPLE_RESPONSE: "multichoice",
    TRUE_FALSE: "truefalse",
    MATCHING: "matching",
    SHORT_ANSWER: "shortanswer",
    NUMERICAL: "numerical",
}


def export_item(item: ItemVersion) -> str:
    content = item.content
    language = item.default_language
    feedback = content.get("feedback", {})
    meta: dict[str, Any] = {"id": item.item_uid, "source": item.source}
    name = plain_text(content["stem"].get(language) or next(iter(content["stem"].values())))
    name = f"{item.item_uid}: {name}"[:250]
    out = [f'  <question type="{_MOODLE_TYPE[item.type]}">\n']
    body = [
        "    <name>\n",
        _text(name, 3),
        "    </name>\n",
        _field("questiontext", content["stem"], language),
        _field("generalfeedback", feedback.get("general"), language),
        f"    <defaultgrade>{_number(item.points)}</defaultgrade>\n",
        "    <penalty>0</penalty>\n    <hidden>0</hidden>\n",
        f"    <idnumber>{_escape(item.item_uid)}</idnumber>\n",
    ]

    def combined() -> list[str]:
        return [
            _field("correctfeedback", feedback.get("correct"), language),
            _field("partiallycorrectfeedback", feedback.get("partially_correct"), language),
            _field("incorrectfeedback", feedback.get("incorrect"), language),
        ]

    def answer(
        fraction: str,
        text: str,
        answer_feedback: Mapping[str, str] | None,
        fmt: str = "html",
        extra: str = "",
    ) -> str:
        return (
            f'    <answer fraction="{fraction}" format="{fmt}">\n{_text(text, 3)}'
            + _field("feedback", answer_feedback, language, indent=3)
            + extra
            + "    </answer>\n"
        )

    if item.type in (SINGLE_CHOICE, MULTIPLE_RESPONSE):
        single = item.type == SINGLE_CHOICE
        options = content["options"]
        k = sum(1 for o in options if o["correct"])
        right = "100" if single else _number(round(100 / k, 5))
        wrong = "0" if single else _number(round(-100 / k, 5))
        meta["option_ids"] = [o["id"] for o in options]
        body += [
            f"    <single>{'true' if single else 'false'}</single>\n",
            "    <shuffleanswers>true</shuffleanswers>\n",
            "    <answernumbering>abc</answernumbering>\n",
            "    <showstandardinstruction>0</showstandardinstruction>\n",
            *combined(),
        ]
        body += [
            answer(
                right if o["correct"] else wrong,
                join_multilang(o["text"], language),
                o.get("feedback"),
            )
            for o in options
        ]
    elif item.type == TRUE_FALSE:
        truth = bool(content["answer"])
        for value in (True, False):
            is_right = value == truth
            body.append(
                answer(
                    "100" if is_right else "0",
                    "true" if value else "false",
                    feedback.get("correct" if is_right else "incorrect"),
                    fmt="moodle_auto_format",
                )
            )
    elif item.type == MATCHING:
        meta["pair_ids"] = [pair["id"] for pair in content["pairs"]]
        body += ["    <shuffleanswers>true</shuffleanswers>\n", *combined()]
        subquestions = [(pair["prompt"], pair["answer"]) for pair in content["pairs"]]
        subquestions += [({}, d["text"]) for d in content.get("distractors", [])]
        for prompt, target in subquestions:
            plain_target = join_multilang({k: html_to_text(v) for k, v in target.items()}, language)
            body.append(
                '    <subquestion format="html">\n'
                + _text(join_multilang(prompt, language), 3)
                + "      <answer>\n"
                + _text(plain_target, 4)
                + "      </answer>\n"
                + "    </subquestion>\n"
            )
    elif item.type == SHORT_ANSWER:
        accepted = content["accepted"]
        meta["accepted"] = accepted
        body.append(f"    <usecase>{1 if content.get('case_sensitive') else 0}</usecase>\n")
        seen: list[str] = []
        for answers in accepted.values():
            seen += [a for a in answers if a not in seen]
        body += [
            answer("100", text, feedback.get("correct"), fmt="moodle_auto_format") for text in seen
        ]
        if feedback.get("incorrect"):
            body.append(answer("0", "*", feedback["incorrect"], fmt="moodle_auto_format"))
    elif item.type == NUMERICAL:
        tolerance = f"      <tolerance>{_number(content.get('tolerance', 0))}</tolerance>\n"
        body.append(
            answer(
                "100",
                _number(content["answer"]),
                feedback.get("correct"),
                fmt="moodle_auto_format",
                extra=tolerance,
            )
        )
        if feedback.get("incorrect"):
            body.append(
                answer(
                    "0",
                    "*",
                    feedback["incorrect"],
                    fmt="moodle_auto_format",
                    extra="      <tolerance>0</tolerance>\n",
                )
            )
        body += [
            "    <unitgradingtype>0</unitgradingtype>\n",
            "    <unitpenalty>0.1000000</unitpenalty>\n",
            "    <showunits>3</showunits>\n",
            "    <unitsleft>0</unitsleft>\n",
        ]
    if item.tags:
        body.append(
            "    <tags>\n"
            + "".join(f"      <tag>{_text(tag, 0).strip()}</tag>\n" for tag in item.tags)
            + "    </tags>\n"
        )
    out.append("    " + _comment(ITEM_META, meta) + "\n")
    out += body
    out.append("  </question>\n")
    return "".join(out)


def export_assessment(session: Session, slug: str) -> str:
    """The latest published version of `slug` as Moodle XML."""
    version = latest_version(session, slug)
    if version is None:
        raise UnknownAssessment(f"No published assessment with slug {slug!r}")
    return export_version(version)
