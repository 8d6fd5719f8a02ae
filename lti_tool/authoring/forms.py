"""Between HTML forms and the item bank: form fields to the authoring format (which the YAML
schemas then validate), and an item as a learner sees it plus what only staff may see."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from item_bank.languages import translate
from item_bank.models import AssessmentVersion
from item_bank.presentation import review_item

RULE_FIELDS = (
    "inactivity_timeout_minutes",
    "time_limit_minutes",
    "max_attempts",
    "retake_delay_minutes",
    "review",
)
_INTEGERS = {"max_attempts"}
_OPTIONAL = {"time_limit_minutes", "max_attempts"}  # empty means none


def _value(name: str, text: str) -> Any:
    """A form field as the YAML would hold it: whole numbers as integers, an empty optional
    field as none; anything else is left as typed, for the schema to explain."""
    text = text.strip()
    if not text:
        return None if name in _OPTIONAL else text
    if name in _INTEGERS or name.startswith("draw-"):
        try:
            return int(text)
        except ValueError:
            return text
    return text


def settings_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    return {
        "pass_mark_percent": _value("pass_mark_percent", form.get("pass_mark_percent", "")),
        "rules": {name: _value(name, form.get(name, "")) for name in RULE_FIELDS},
        "draws": {
            key.removeprefix("draw-"): _value(key, value)
            for key, value in form.items()
            if key.startswith("draw-")
        },
    }


def preview_of(version: AssessmentVersion, item_uid: str, language: str) -> dict[str, Any] | None:
    """The item of `version` named `item_uid` as a full review shows it (the key marked, no
    response), with every feedback text; None when the version has no such item."""
    for pool in version.pools:
        for item in pool.item_versions:
            if item.item_uid != item_uid:
                continue
            view = review_item(item, language, None, "full")
            feedback = item.content.get("feedback", {})
            default = item.default_language
            return {
                "r": {**view, "position": 1},
                "feedback": {
                    key: translate(text, language, default) for key, text in feedback.items()
                },
                "lacks_language": language not in item.content["stem"],
                "pool_key": pool.key,
            }
    return None
