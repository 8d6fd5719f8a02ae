"""Learner responses from plain HTML form fields (the no-JS form post and the JS autosave
send the same fields, so there is one conversion). Shapes: see item_bank.responses."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

MATCHING_FIELD_PREFIX = "pair-"


def response_from_form(item_type: str, form: MultiDict[str, str]) -> dict[str, Any]:
    """Field names: choice (radio), choices (checkboxes), value (true/false radio or number),
    pair-<prompt> (one select per matching prompt), text (short answer). Options, prompts and
    answers come as the page's opaque tokens (answer_tokens.py reveals them), as they went."""
    if item_type == "single_choice":
        return {"choice": form.get("choice") or None}
    if item_type == "multiple_response":
        return {"choices": [c for c in form.getlist("choices") if c]}
    if item_type == "true_false":
        return {"value": {"true": True, "false": False}.get(form.get("value", ""))}
    if item_type == "matching":
        return {
            "pairs": {
                name[len(MATCHING_FIELD_PREFIX) :]: (form.get(name) or None)
                for name in form
                if name.startswith(MATCHING_FIELD_PREFIX)
            }
        }
    if item_type == "short_answer":
        return {"text": form.get("text")}
    if item_type == "numerical":
        return {"value": form.get("value")}
    return {}
