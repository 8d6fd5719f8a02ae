"""Every registered item type is shown by its own templates (issue 14): the question and result
pages include the two files the registry names, and no template switches on the type name.

Each type is rendered from its example in docs/authoring.md (that document must show every
type, tests/unit/item_bank/test_authoring_doc.py), so a type added to the registry without its
templates, or with templates that do not render, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from flask import Flask, render_template

from item_bank.item_types import REGISTRY
from item_bank.models import ItemVersion
from item_bank.presentation import present_item, review_item
from lti_tool.web.item_templates import answer_template, review_template
from tests.unit.item_bank.helpers import item_version

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "authoring.md"
TEMPLATES = ROOT / "lti_tool" / "templates"
ITEM_TEMPLATES = TEMPLATES / "attempts" / "items"
POSITION = 3  # a question's position on its page: every element id is built from it


def _examples() -> dict[str, ItemVersion]:
    """The first documented example item of each type."""
    found: dict[str, ItemVersion] = {}
    for block in re.findall(r"```yaml\n(- id: q.*?)```", DOC.read_text("utf-8"), re.DOTALL):
        raw = yaml.safe_load(block)[0]
        found.setdefault(raw["type"], item_version(raw))
    return found


EXAMPLES = _examples()


def _example(type_name: str) -> ItemVersion:
    assert type_name in EXAMPLES, f"docs/authoring.md has no example of {type_name}"
    return EXAMPLES[type_name]


def _answer_controls(app: Flask, item: ItemVersion, error: str | None = None) -> str:
    """A question page's answer controls for `item`, nothing answered yet."""
    with app.test_request_context():
        return render_template(
            "attempts/_answer_controls.html",
            item=present_item(item, "en", None),
            question={"position": POSITION},
            response={},
            error=error,
        )


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
def test_each_type_names_its_own_two_templates_and_both_exist(type_name):
    answer, review = answer_template(type_name), review_template(type_name)

    assert answer == f"attempts/items/{type_name}.html"
    assert review == f"attempts/items/{type_name}_review.html"
    assert (TEMPLATES / answer).is_file() and (TEMPLATES / review).is_file()


def test_every_type_template_belongs_to_a_registered_type():
    """Shared fragments start with `_`; any other file is a type's, or left over."""
    named = {Path(t.answer_template).name for t in REGISTRY.values()}
    named |= {Path(t.review_template).name for t in REGISTRY.values()}
    files = {p.name for p in ITEM_TEMPLATES.glob("*.html") if not p.name.startswith("_")}

    assert files == named


@pytest.mark.parametrize("path", ["attempts/_answer_controls.html", "attempts/_review_item.html"])
def test_the_pages_include_by_type_instead_of_switching_on_it(path):
    source = (TEMPLATES / path).read_text("utf-8")

    assert not re.search(r"\.type\s*(==|!=|in\b)", source)
    for type_name in REGISTRY:
        assert type_name not in source


def test_an_unknown_type_is_an_error_not_a_question_without_controls():
    with pytest.raises(KeyError):
        answer_template("essay")
    with pytest.raises(KeyError):
        review_template("essay")


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
def test_answer_controls_render_labelled_controls_with_ids_from_the_position(sqlite_app, type_name):
    html = _answer_controls(sqlite_app, _example(type_name))

    controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)
    assert controls, html
    for control in controls:
        assert re.search(r'\bname="[^"]+"', control), control
        control_id = re.search(r'\bid="([^"]+)"', control)
        assert control_id and control_id.group(1).startswith(f"q{POSITION}-"), control
        assert f'for="{control_id.group(1)}"' in html, f"no label for {control}"
    assert "answer-error" not in html


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
def test_answer_controls_point_to_the_error_when_the_answer_was_refused(sqlite_app, type_name):
    html = _answer_controls(sqlite_app, _example(type_name), error="Not a number.")

    assert 'aria-describedby="' in html and "answer-error" in html


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
@pytest.mark.parametrize("policy", ["responses", "full"])
def test_the_review_shows_the_types_part_inside_the_reviewed_question(
    sqlite_app, type_name, policy
):
    item = _example(type_name)
    review = {**review_item(item, "en", None, policy), "position": POSITION}
    with sqlite_app.test_request_context():
        whole = render_template("attempts/_review_item.html", r=review)
        part = render_template(review_template(type_name), r=review, full=policy == "full")

    assert part.strip(), f"{review_template(type_name)} rendered nothing"
    assert f'id="review-item-{POSITION}"' in whole and "Not answered" in whole
    assert re.sub(r"\s+", " ", part).strip() in re.sub(r"\s+", " ", whole)
