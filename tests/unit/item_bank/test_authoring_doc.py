"""docs/authoring.md describes every field of the YAML format and every item type, so the
document cannot drift from the schemas."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from marshmallow import Schema, fields

from item_bank.item_types import REGISTRY
from item_bank.schemas import (
    AssessmentSchema,
    DocumentSchema,
    FeedbackSchema,
    ItemBaseSchema,
    PoolHeaderSchema,
    RulesSchema,
)
from item_bank.validation import _Collector, load_item, validate_document

DOC = Path(__file__).resolve().parents[3] / "docs" / "authoring.md"


def _schemas() -> list[type[Schema]]:
    """Every schema of the format, with the ones nested inside them."""
    found: list[type[Schema]] = []
    todo: list[type[Schema]] = [
        DocumentSchema,
        AssessmentSchema,
        RulesSchema,
        PoolHeaderSchema,
        ItemBaseSchema,
        FeedbackSchema,
        *(item_type.schema for item_type in REGISTRY.values()),
    ]
    while todo:
        schema = todo.pop()
        if schema in found:
            continue
        found.append(schema)
        for field in schema._declared_fields.values():
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Nested) and isinstance(inner.nested, type):
                todo.append(inner.nested)
    return found


FIELDS = sorted({(s.__name__, name) for s in _schemas() for name in s._declared_fields})


@pytest.mark.parametrize(("schema", "field"), FIELDS)
def test_every_schema_field_is_documented(schema: str, field: str) -> None:
    assert f"`{field}`" in DOC.read_text(encoding="utf-8"), f"{schema}.{field} is not documented"


@pytest.mark.parametrize("item_type", sorted(REGISTRY))
def test_every_item_type_has_a_section_with_an_example(item_type: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert re.search(rf"^### {item_type}$", text, re.MULTILINE), f"no section for {item_type}"
    assert f"type: {item_type}\n" in text, f"no example of {item_type}"


def test_the_walk_finds_nested_schemas() -> None:
    # Options and pairs are nested schemas: if the walk missed them, their fields would go
    # unchecked.
    names = {schema.__name__ for schema in _schemas()}
    assert {"OptionSchema", "PairSchema", "FeedbackSchema"} <= names


def _item_examples() -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    return [block for block in blocks if block.startswith("- id: q")]


@pytest.mark.parametrize("example", _item_examples(), ids=lambda block: block.split("\n")[0])
def test_every_item_example_is_a_valid_item(example: str) -> None:
    collector = _Collector("docs/authoring.md")
    item = load_item(
        yaml.safe_load(example)[0],
        path="example",
        language="en",
        source_default="docs",
        seen_items={},
        out=collector,
    )
    assert collector.issues == []
    assert item is not None


def test_the_file_example_is_a_valid_assessment_once_it_has_items() -> None:
    block = re.search(r"```yaml\n(assessment:.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None
    raw = yaml.safe_load(block.group(1))
    raw["pools"][0]["items"] = [yaml.safe_load(example)[0] for example in _item_examples()[:2]]
    doc, issues = validate_document(raw, file_label="docs/authoring.md")
    assert issues == []
    assert doc is not None and doc.pools[0].draw == 2
