"""Marshmallow schemas of the YAML authoring format (docs/authoring.md; examples:
item_bank/content/*.yaml). The fields every item has are here; each item type's own fields are
in its module of `item_bank.item_types`.

They check shapes and value ranges; rules that span fields (exactly one right option, draw
<= pool size, ids unique, translations present) live in `validation.py`, which also turns
marshmallow's nested error dicts into one message per file/item/field.
"""

from __future__ import annotations

import math
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from item_bank.languages import SUPPORTED_LANGUAGES
from item_bank.messages import msg
from item_bank.review_policies import REVIEW_POLICIES

SLUG_PATTERN = re.compile(r"^[a-z0-9-]+$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
MAX_TEXT = 20_000


class Translations(fields.Field):
    """{language code: text}. Numbers are accepted as text (an option may read `1951`)."""

    def __init__(self, *, allow_empty: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_empty = allow_empty

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> dict[str, str]:
        if not isinstance(value, dict):
            raise ValidationError(
                msg('Must be a map of language code to text, e.g. {en: "...", es: "..."}.')
            )
        if not value and not self.allow_empty:
            raise ValidationError(msg("Must contain at least one language."))
        errors: dict[str, list[str]] = {}
        result: dict[str, str] = {}
        for language, text in value.items():
            if language not in SUPPORTED_LANGUAGES:
                errors[str(language)] = [
                    msg(
                        "Unsupported language %(language)r (supported: %(supported)s).",
                        language=language,
                        supported=", ".join(SUPPORTED_LANGUAGES),
                    )
                ]
                continue
            if isinstance(text, bool) or not isinstance(text, (str, int, float)):
                errors[language] = [msg("Must be text.")]
                continue
            text = str(text).strip()
            if not text:
                errors[language] = [msg("Must not be empty.")]
            elif len(text) > MAX_TEXT:
                errors[language] = [msg("Longer than %(most)s characters.", most=MAX_TEXT)]
            else:
                result[language] = text
        if errors:
            raise ValidationError(errors)
        return result


class AcceptedAnswers(fields.Field):
    """Short-answer answers: {language: [text, ...]}, or a plain list meaning the default
    language."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, list):
            value = {"_default": value}
        if not isinstance(value, dict) or not value:
            raise ValidationError(
                msg("Must be a map of language code to a list of accepted answers.")
            )
        errors: dict[str, Any] = {}
        result: dict[str, list[str]] = {}
        for language, answers in value.items():
            if language != "_default" and language not in SUPPORTED_LANGUAGES:
                errors[str(language)] = [
                    msg("Unsupported language %(language)r.", language=language)
                ]
                continue
            if not isinstance(answers, list) or not answers:
                errors[language] = [msg("Must be a non-empty list of accepted answers.")]
                continue
            cleaned: list[str] = []
            for index, answer in enumerate(answers):
                if (
                    isinstance(answer, bool)
                    or not isinstance(answer, (str, int, float))
                    or not str(answer).strip()
                ):
                    errors.setdefault(language, {})[index] = [msg("Must be non-empty text.")]
                else:
                    cleaned.append(str(answer).strip())
            result[language] = cleaned
        if errors:
            raise ValidationError(errors)
        return result


class FiniteFloat(fields.Float):
    def _validated(self, value: Any) -> Any:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str):
            value = (
                value.strip().replace(",", ".")
                if value.count(",") == 1 and "." not in value
                else value
            )
        result = super()._validated(value)
        if result is not None and not math.isfinite(result):
            raise ValidationError(msg("Must be a finite number."))
        return result


class RulesSchema(Schema):
    inactivity_timeout_minutes = FiniteFloat(
        load_default=10, validate=validate.Range(min=0, min_inclusive=False)
    )
    time_limit_minutes = FiniteFloat(
        load_default=None, allow_none=True, validate=validate.Range(min=0, min_inclusive=False)
    )
    max_attempts = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1)
    )
    retake_delay_minutes = FiniteFloat(load_default=0, validate=validate.Range(min=0))
    review = fields.String(load_default="responses", validate=validate.OneOf(REVIEW_POLICIES))


class FeedbackBandSchema(Schema):
    """Overall feedback for scores from `min_percent` up to the next band (Moodle's quiz
    "overall feedback"); `text` per language."""

    min_percent = FiniteFloat(required=True, validate=validate.Range(min=0, max=100))
    text = Translations(required=True)


class AssessmentSchema(Schema):
    slug = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=100),
            validate.Regexp(SLUG_PATTERN, error=msg("Use only a-z, 0-9 and '-'.")),
        ],
    )
    default_language = fields.String(
        load_default="en", validate=validate.OneOf(SUPPORTED_LANGUAGES)
    )
    title = Translations(required=True)
    instructions = Translations(load_default=dict, allow_empty=True)
    pass_mark_percent = FiniteFloat(load_default=70, validate=validate.Range(min=0, max=100))
    rules = fields.Nested(RulesSchema, load_default=lambda: RulesSchema().load({}))
    feedback_bands = fields.List(fields.Nested(FeedbackBandSchema), load_default=list)


class PoolHeaderSchema(Schema):
    id = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=100),
            validate.Regexp(ID_PATTERN, error=msg("Use letters, digits and . _ : - only.")),
        ],
    )
    title = Translations(load_default=dict, allow_empty=True)
    draw = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1)
    )
    items = fields.List(
        fields.Raw(),
        required=True,
        validate=validate.Length(min=1, error=msg("A pool needs at least one item.")),
    )


class DocumentSchema(Schema):
    assessment = fields.Raw(required=True)
    pools = fields.List(
        fields.Raw(),
        required=True,
        validate=validate.Length(min=1, error=msg("At least one pool is needed.")),
    )


class FeedbackSchema(Schema):
    correct = Translations()
    incorrect = Translations()
    partially_correct = Translations()  # optional extension: multiple response / matching
    general = (
        Translations()
    )  # optional extension: shown whatever the answer (Moodle's general feedback)


class ItemBaseSchema(Schema):
    id = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=100),
            validate.Regexp(ID_PATTERN, error=msg("Use letters, digits and . _ : - only.")),
        ],
    )
    # Which type's schema loads an item is decided by its `type` (validation.load_item), so an
    # unknown type never reaches a schema.
    type = fields.String(required=True)
    points = FiniteFloat(
        load_default=1, validate=validate.Range(min=0, min_inclusive=False, max=1000)
    )
    source = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list)
    stem = Translations(required=True)
    feedback = fields.Nested(FeedbackSchema, load_default=dict)
