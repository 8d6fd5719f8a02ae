"""Form files -> `FormDoc`: the marshmallow schemas of the form format and the rules that span
fields (scales, knowledge questions, options, translations), every problem reported at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from item_bank.form_documents import (
    DEFAULT_TEXT_LENGTH,
    FORM_KINDS,
    KNOWLEDGE_KINDS,
    LIKERT,
    MAX_SCALE_POINTS,
    MAX_TEXT_LENGTH,
    QUESTION_TYPES,
    SINGLE_CHOICE,
    TEXT,
    ChoiceOption,
    FormDoc,
    FormQuestion,
    ScalePoint,
)
from item_bank.languages import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES
from item_bank.messages import msg
from item_bank.reports import ERROR, Issue
from item_bank.schemas import ID_PATTERN, SLUG_PATTERN, Translations
from item_bank.validation import flatten_messages

_ident = [
    validate.Length(min=1, max=100),
    validate.Regexp(ID_PATTERN, error=msg("Use letters, digits and . _ : - only.")),
]


# --------------------------------------------------------------------------- schemas
class _HeaderSchema(Schema):
    slug = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=100),
            validate.Regexp(SLUG_PATTERN, error=msg("Use only a-z, 0-9 and '-'.")),
        ],
    )
    kind = fields.String(required=True, validate=validate.OneOf(FORM_KINDS))
    default_language = fields.String(
        load_default=FALLBACK_LANGUAGE, validate=validate.OneOf(SUPPORTED_LANGUAGES)
    )
    title = Translations(required=True)
    instructions = Translations(load_default=dict)


class _ScalePointSchema(Schema):
    value = fields.Integer(strict=True, required=True, validate=validate.Range(min=-100, max=100))
    label = Translations(required=True)


class _OptionSchema(Schema):
    id = fields.String(required=True, validate=_ident)
    text = Translations(required=True)
    correct = fields.Boolean(load_default=False)


class _QuestionSchema(Schema):
    id = fields.String(required=True, validate=_ident)
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    text = Translations(required=True)
    help = Translations(load_default=dict)
    required = fields.Boolean(load_default=None, allow_none=True)
    scale = fields.String(load_default=None, allow_none=True, validate=_ident)
    knowledge = fields.Boolean(load_default=False)
    options = fields.List(fields.Nested(_OptionSchema), load_default=list)
    max_length = fields.Integer(
        strict=True,
        load_default=DEFAULT_TEXT_LENGTH,
        validate=validate.Range(min=1, max=MAX_TEXT_LENGTH),
    )


class _DocumentSchema(Schema):
    form = fields.Nested(_HeaderSchema, required=True)
    scales = fields.Dict(
        keys=fields.String(validate=_ident),
        values=fields.List(fields.Nested(_ScalePointSchema)),
        load_default=dict,
    )
    questions = fields.List(
        fields.Nested(_QuestionSchema),
        required=True,
        validate=validate.Length(min=1, error=msg("A form needs at least one question.")),
    )


Report = Callable[..., None]  # (message, path=None, item=None)


def parse_form(raw: Any, *, file_label: str) -> tuple[FormDoc | None, list[Issue]]:
    """A raw YAML document -> (FormDoc, []) or (None, every problem found)."""
    issues: list[Issue] = []

    def add(message: str, path: str | None = None, item: str | None = None) -> None:
        issues.append(Issue(file_label, message, item_id=item, field=path, severity=ERROR))

    if not isinstance(raw, Mapping):
        add(msg("A form file must be a map with `form:` and `questions:`."))
        return None, issues
    try:
        data = _DocumentSchema().load(dict(raw))
    except ValidationError as error:
        for path, message in flatten_messages(error.messages):
            add(message, path or None)
        return None, issues

    header = data["form"]
    kind, default_language = header["kind"], header["default_language"]
    scales = _scales(data["scales"], add)
    seen: set[str] = set()
    questions = [
        _question(index, q, kind, scales, seen, add) for index, q in enumerate(data["questions"])
    ]
    doc = FormDoc(
        slug=header["slug"],
        kind=kind,
        default_language=default_language,
        title=header["title"],
        instructions=header["instructions"],
        questions=tuple(questions),
    )
    if kind in KNOWLEDGE_KINDS and not doc.measures_knowledge:
        add(
            msg(
                "Entry and final questionnaires need at least one knowledge question "
                "(single_choice, or likert with `knowledge: true`)."
            ),
            "questions",
        )
    for path, translations in _all_texts(doc):
        if default_language not in translations:
            add(
                msg(
                    "Missing the text in the form's default language (%(language)s).",
                    language=default_language,
                ),
                path,
            )
    return (None, issues) if issues else (doc, [])


def _scales(
    raw_scales: Mapping[str, list[dict[str, Any]]], add: Report
) -> dict[str, tuple[ScalePoint, ...]]:
    scales: dict[str, tuple[ScalePoint, ...]] = {}
    for name, points in raw_scales.items():
        values = [p["value"] for p in points]
        if not 2 <= len(points) <= MAX_SCALE_POINTS:
            add(msg("A scale needs 2 to %(most)s points.", most=MAX_SCALE_POINTS), f"scales.{name}")
        elif values != sorted(set(values)):
            add(msg("Scale values must be distinct and increasing."), f"scales.{name}")
        scales[name] = tuple(ScalePoint(p["value"], p["label"]) for p in points)
    return scales


def _question(
    index: int,
    q: Mapping[str, Any],
    kind: str,
    scales: Mapping[str, tuple[ScalePoint, ...]],
    seen: set[str],
    add: Report,
) -> FormQuestion:
    path, qid, qtype = f"questions[{index}]", q["id"], q["type"]
    if qid in seen:
        add(msg("Duplicate question id."), f"{path}.id", qid)
    seen.add(qid)
    required = True if q["required"] is None else q["required"]
    if qtype == TEXT and q["required"] is None:
        required = False  # free-text comments are optional unless the author says otherwise
    scale = _likert_scale(q, path, scales, add)
    if q["knowledge"] and qtype != LIKERT:
        add(
            msg(
                "`knowledge: true` is for likert self-ratings "
                "(single_choice questions always count)."
            ),
            f"{path}.knowledge",
            qid,
        )
    _check_options(q, path, kind, add)
    question = FormQuestion(
        id=qid,
        type=qtype,
        text=q["text"],
        required=required,
        help=q["help"],
        scale=scale,
        knowledge=q["knowledge"] if qtype == LIKERT else False,
        options=tuple(ChoiceOption(o["id"], o["text"], o["correct"]) for o in q["options"]),
        max_length=q["max_length"],
    )
    if question.counts_for_knowledge and not question.required:
        add(
            msg(
                "Questions that measure knowledge must be required (an unanswered one would "
                "distort the knowledge score)."
            ),
            f"{path}.required",
            qid,
        )
    return question


def _likert_scale(
    q: Mapping[str, Any], path: str, scales: Mapping[str, tuple[ScalePoint, ...]], add: Report
) -> tuple[ScalePoint, ...]:
    qid = q["id"]
    if q["type"] != LIKERT:
        if q["scale"]:
            add(msg("Only likert questions have a scale."), f"{path}.scale", qid)
        return ()
    if not q["scale"]:
        add(msg("A likert question names its `scale`."), f"{path}.scale", qid)
        return ()
    if q["scale"] not in scales:
        add(
            msg(
                "Unknown scale %(scale)r (defined: %(defined)s).",
                scale=q["scale"],
                defined=", ".join(scales) or "none",
            ),
            f"{path}.scale",
            qid,
        )
        return ()
    return scales[q["scale"]]


def _check_options(q: Mapping[str, Any], path: str, kind: str, add: Report) -> None:
    qid = q["id"]
    if q["type"] != SINGLE_CHOICE:
        if q["options"]:
            add(msg("Only single_choice questions have options."), f"{path}.options", qid)
        return
    if kind not in KNOWLEDGE_KINDS:
        add(
            msg("Questions with a right answer belong in entry or final questionnaires."),
            f"{path}.type",
            qid,
        )
    if len(q["options"]) < 2:
        add(msg("At least two options are needed."), f"{path}.options", qid)
    if sum(1 for o in q["options"] if o["correct"]) != 1:
        add(msg("Exactly one option must be marked `correct: true`."), f"{path}.options", qid)
    ids = [o["id"] for o in q["options"]]
    if len(ids) != len(set(ids)):
        add(msg("Option ids must be unique."), f"{path}.options", qid)


def _all_texts(doc: FormDoc) -> list[tuple[str, dict[str, str]]]:
    texts = [("form.title", doc.title)]
    if doc.instructions:
        texts.append(("form.instructions", doc.instructions))
    for i, q in enumerate(doc.questions):
        texts.append((f"questions[{i}].text", q.text))
        if q.help:
            texts.append((f"questions[{i}].help", q.help))
        texts.extend((f"questions[{i}].scale[{j}].label", p.label) for j, p in enumerate(q.scale))
        texts.extend((f"questions[{i}].options[{j}].text", o.text) for j, o in enumerate(q.options))
    return texts
