"""What a learner sees of an item: during the attempt (no answer keys, no feedback) and in the
review afterwards (as much as the assessment's review policy allows).

All text values returned are sanitised HTML (safe to render as markup) in the requested locale,
falling back to the item's default language, then English. Each dict also names the language
of its stem (`language`), so a page can set `lang` attributes correctly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from item_bank.drawing import option_ids_in_authored_order
from item_bank.item_types import item_type
from item_bank.languages import resolve_language, translate
from item_bank.models import ItemVersion
from item_bank.responses import is_answered, validate_response
from item_bank.review_policies import (
    REVIEW_FULL,
    REVIEW_FULL_AFTER_CLOSE,
    REVIEW_NONE,
    REVIEW_POLICIES,
    REVIEW_RESPONSES,
    REVIEW_SCORE,
)
from item_bank.scoring import is_full_marks, score_response


def _ordered(item_version: ItemVersion, option_order: Sequence[str] | None) -> list[str]:
    authored = option_ids_in_authored_order(item_version)
    if not option_order:
        return authored
    if sorted(option_order) != sorted(authored):
        raise ValueError(
            f"option_order {list(option_order)} is not a permutation of item "
            f"{item_version.item_uid} "
            f"v{item_version.version} options {authored}"
        )
    return list(option_order)


def present_item(
    item_version: ItemVersion, locale: str, option_order: Sequence[str] | None
) -> dict[str, Any]:
    """Learner-safe view. Keys: item_version_id, item_uid, type, points, language, stem and,
    per type (each item type's `present`): options [{id, text}] (choice; true_false gives ids
    "true"/"false" with text None: the page labels them in its own language), prompts
    [{id, text}] + answers [{id, text}] (matching, answers in `option_order`), input "text" /
    "number" (short_answer / numerical)."""
    content = item_version.content
    default = item_version.default_language

    def t(translations: Mapping[str, str] | None) -> str:
        return translate(translations, locale, default)

    view: dict[str, Any] = {
        "item_version_id": item_version.id,
        "item_uid": item_version.item_uid,
        "type": item_version.type,
        "points": item_version.points,
        "language": resolve_language(content["stem"], locale, default),
        "stem": t(content["stem"]),
    }
    order = _ordered(item_version, option_order)
    view.update(item_type(item_version.type).present(content, order, t))
    return view


def correct_response(item_version: ItemVersion, locale: str) -> dict[str, Any]:
    """The right answer in response shape (short answer: accepted texts in the locale, as HTML)."""
    kind = item_type(item_version.type)
    return kind.correct_response(item_version.content, locale, item_version.default_language)


def _outcome(item_version: ItemVersion, normalised: Mapping[str, Any], awarded: float) -> str:
    if not is_answered(normalised):
        return "unanswered"
    if is_full_marks(item_version, awarded):
        return "correct"
    return "partial" if awarded > 0 else "incorrect"


def _feedback(
    item_version: ItemVersion, locale: str, normalised: Mapping[str, Any], outcome: str
) -> dict[str, Any]:
    content = item_version.content
    default = item_version.default_language
    feedback = content.get("feedback", {})
    key = {"correct": "correct", "partial": "partially_correct"}.get(outcome, "incorrect")
    text = feedback.get(key) or (feedback.get("incorrect") if key == "partially_correct" else None)
    chosen: set[str] = set()
    if normalised.get("choice"):
        chosen = {normalised["choice"]}
    elif "choices" in normalised:
        chosen = set(normalised["choices"])
    options = {
        option["id"]: translate(option["feedback"], locale, default)
        for option in content.get("options", [])
        if option["id"] in chosen and option.get("feedback")
    }
    return {
        "general": translate(feedback.get("general"), locale, default) or None,
        "outcome": translate(text, locale, default) or None,
        "options": options,
    }


def review_item(
    item_version: ItemVersion,
    locale: str,
    response: Any,
    policy: str,
    option_order: Sequence[str] | None = None,
) -> dict[str, Any]:
    """After the attempt. policy: none -> {shown: False}; score -> points/awarded only;
    responses -> the question, the learner's response, awarded and outcome
    (correct/partial/incorrect/unanswered); full -> also `correct` (right answer in response
    shape), per-option `correct` flags and `feedback` {general, outcome, options}."""
    if policy not in REVIEW_POLICIES or policy == REVIEW_FULL_AFTER_CLOSE:
        # full_after_close depends on the activity and the learner: decided by review_now().
        raise ValueError(f"not a review policy of this moment (see review_now): {policy!r}")
    base = {"item_version_id": item_version.id, "type": item_version.type, "policy": policy}
    if policy == REVIEW_NONE:
        return {**base, "shown": False}
    normalised = validate_response(item_version, response)
    awarded = score_response(item_version, normalised)
    outcome = _outcome(item_version, normalised, awarded)
    scored = {**base, "shown": True, "points": item_version.points, "awarded": awarded}
    if policy == REVIEW_SCORE:
        return scored
    view = {
        **present_item(item_version, locale, option_order),
        **scored,
        "response": normalised,
        "outcome": outcome,
    }
    if policy == REVIEW_RESPONSES:
        return view
    assert policy == REVIEW_FULL
    view["correct"] = correct_response(item_version, locale)
    item_type(item_version.type).mark_review(view, item_version.content)
    view["feedback"] = _feedback(item_version, locale, normalised, outcome)
    return view
