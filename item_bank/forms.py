"""Course-evaluation, self-assessment and entry/final questionnaire forms: the YAML authoring
format, its validation, the answers a form accepts and the knowledge score of a questionnaire.

A form file looks like an item-bank file (docs: docs/forms.md):

    form:
      slug: emm2-course-evaluation
      kind: evaluation          # evaluation | self_assessment | entry | final
      default_language: en
      title: {en: "...", es: "..."}
      instructions: {en: "..."}
    scales:
      agreement:
        - {value: 1, label: {en: "Strongly disagree", es: "..."}}
        - ...
    questions:
      - {id: relevance, type: likert, scale: agreement, text: {en: "..."}}
      - {id: comments, type: text, required: false, text: {en: "..."}}
      - {id: k1, type: single_choice, text: {...},
         options: [{id: a, text: {...}, correct: true}, ...]}

`entry` and `final` questionnaires measure knowledge: their `single_choice` questions (one
right option) and their Likert questions marked `knowledge: true` (a self-rating) give a
knowledge score in per cent. No Flask, no database here: only content rules.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from item_bank.languages import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES, translate
from item_bank.reports import ERROR, Issue
from item_bank.schemas import ID_PATTERN, SLUG_PATTERN, Translations

FORMS_DIR = Path(__file__).parent / "forms"

EVALUATION, SELF_ASSESSMENT, ENTRY, FINAL = "evaluation", "self_assessment", "entry", "final"
FORM_KINDS: tuple[str, ...] = (EVALUATION, SELF_ASSESSMENT, ENTRY, FINAL)
# Forms a learner fills in at the end of the course (the ones a certificate can wait on).
END_OF_COURSE_KINDS: tuple[str, ...] = (EVALUATION, SELF_ASSESSMENT, FINAL)
KNOWLEDGE_KINDS: tuple[str, ...] = (ENTRY, FINAL)

LIKERT, TEXT, SINGLE_CHOICE = "likert", "text", "single_choice"
QUESTION_TYPES: tuple[str, ...] = (LIKERT, TEXT, SINGLE_CHOICE)

DEFAULT_TEXT_LENGTH = 2000
MAX_TEXT_LENGTH = 10_000
MAX_SCALE_POINTS = 11

# Answer problems, as codes: the web layer turns them into translated sentences.
REQUIRED, NOT_ON_SCALE, UNKNOWN_OPTION, TOO_LONG = (
    "required",
    "not_on_scale",
    "unknown_option",
    "too_long",
)

_ident = [
    validate.Length(min=1, max=100),
    validate.Regexp(ID_PATTERN, error="Use letters, digits and . _ : - only."),
]


# --------------------------------------------------------------------------- the document
@dataclass(frozen=True)
class ScalePoint:
    value: int
    label: dict[str, str]


@dataclass(frozen=True)
class ChoiceOption:
    id: str
    text: dict[str, str]
    correct: bool = False


@dataclass(frozen=True)
class FormQuestion:
    id: str
    type: str
    text: dict[str, str]
    required: bool = True
    help: dict[str, str] = field(default_factory=dict)
    scale: tuple[ScalePoint, ...] = ()  # likert
    knowledge: bool = False  # likert: a self-rating that counts in the knowledge score
    options: tuple[ChoiceOption, ...] = ()  # single_choice
    max_length: int = DEFAULT_TEXT_LENGTH  # text

    @property
    def counts_for_knowledge(self) -> bool:
        return self.type == SINGLE_CHOICE or (self.type == LIKERT and self.knowledge)

    @property
    def scale_values(self) -> tuple[int, ...]:
        return tuple(point.value for point in self.scale)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "text": self.text,
            "required": self.required,
            "help": self.help,
        }
        if self.type == LIKERT:
            data["scale"] = [{"value": p.value, "label": p.label} for p in self.scale]
            data["knowledge"] = self.knowledge
        elif self.type == SINGLE_CHOICE:
            data["options"] = [
                {"id": o.id, "text": o.text, "correct": o.correct} for o in self.options
            ]
        else:
            data["max_length"] = self.max_length
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FormQuestion:
        return cls(
            id=data["id"],
            type=data["type"],
            text=dict(data["text"]),
            required=bool(data.get("required", True)),
            help=dict(data.get("help") or {}),
            scale=tuple(
                ScalePoint(int(p["value"]), dict(p["label"])) for p in data.get("scale", ())
            ),
            knowledge=bool(data.get("knowledge", False)),
            options=tuple(
                ChoiceOption(o["id"], dict(o["text"]), bool(o.get("correct")))
                for o in data.get("options", ())
            ),
            max_length=int(data.get("max_length", DEFAULT_TEXT_LENGTH)),
        )


@dataclass(frozen=True)
class FormDoc:
    slug: str
    kind: str
    default_language: str
    title: dict[str, str]
    instructions: dict[str, str]
    questions: tuple[FormQuestion, ...]

    @property
    def measures_knowledge(self) -> bool:
        return any(q.counts_for_knowledge for q in self.questions)

    def question(self, question_id: str) -> FormQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def content_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "kind": self.kind,
            "default_language": self.default_language,
            "title": self.title,
            "instructions": self.instructions,
            "questions": [q.to_json() for q in self.questions],
        }

    @property
    def content_hash(self) -> str:
        canonical = json.dumps(
            self.content_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def languages(self) -> list[str]:
        """Languages in which every text of the form is written (no fallback needed)."""
        texts = [self.title, *(t for t in [self.instructions] if t)]
        for q in self.questions:
            texts.append(q.text)
            texts.extend(t for t in [q.help] if t)
            texts.extend(p.label for p in q.scale)
            texts.extend(o.text for o in q.options)
        return [lang for lang in SUPPORTED_LANGUAGES if all(lang in t for t in texts)]

    def text(self, translations: Mapping[str, str] | None, locale: str | None) -> str:
        """A text of this form in `locale`, falling back to the form's language, then English."""
        return translate(translations, locale, self.default_language)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FormDoc:
        return cls(
            slug=data["slug"],
            kind=data["kind"],
            default_language=data["default_language"],
            title=dict(data["title"]),
            instructions=dict(data.get("instructions") or {}),
            questions=tuple(FormQuestion.from_json(q) for q in data["questions"]),
        )


# --------------------------------------------------------------------------- schemas
class _HeaderSchema(Schema):
    slug = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=100),
            validate.Regexp(SLUG_PATTERN, error="Use only a-z, 0-9 and '-'."),
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
        validate=validate.Length(min=1, error="A form needs at least one question."),
    )


# --------------------------------------------------------------------------- validation
def _flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            path = (
                prefix
                if key == "_schema"
                else (
                    f"{prefix}[{key}]"
                    if isinstance(key, int)
                    else f"{prefix}.{key}"
                    if prefix
                    else str(key)
                )
            )
            out.extend(_flatten(value, path))
    elif isinstance(messages, (list, tuple)):
        for value in messages:
            out.extend(_flatten(value, prefix))
    else:
        out.append((prefix, str(messages)))
    return out


def parse_form(raw: Any, *, file_label: str) -> tuple[FormDoc | None, list[Issue]]:
    """A raw YAML document -> (FormDoc, []) or (None, every problem found)."""
    issues: list[Issue] = []

    def add(message: str, path: str | None = None, item: str | None = None) -> None:
        issues.append(Issue(file_label, message, item_id=item, field=path, severity=ERROR))

    if not isinstance(raw, Mapping):
        add("A form file must be a map with `form:` and `questions:`.")
        return None, issues
    try:
        data = _DocumentSchema().load(dict(raw))
    except ValidationError as error:
        for path, message in _flatten(error.messages):
            add(message, path or None)
        return None, issues

    header = data["form"]
    kind, default_language = header["kind"], header["default_language"]
    scales: dict[str, tuple[ScalePoint, ...]] = {}
    for name, points in data["scales"].items():
        values = [p["value"] for p in points]
        if not 2 <= len(points) <= MAX_SCALE_POINTS:
            add(f"A scale needs 2 to {MAX_SCALE_POINTS} points.", f"scales.{name}")
        elif values != sorted(set(values)):
            add("Scale values must be distinct and increasing.", f"scales.{name}")
        scales[name] = tuple(ScalePoint(p["value"], p["label"]) for p in points)

    questions: list[FormQuestion] = []
    seen: set[str] = set()
    for index, q in enumerate(data["questions"]):
        path, qid, qtype = f"questions[{index}]", q["id"], q["type"]
        if qid in seen:
            add("Duplicate question id.", f"{path}.id", qid)
        seen.add(qid)
        required = True if q["required"] is None else q["required"]
        if qtype == TEXT and q["required"] is None:
            required = False  # free-text comments are optional unless the author says otherwise
        scale: tuple[ScalePoint, ...] = ()
        if qtype == LIKERT:
            if not q["scale"]:
                add("A likert question names its `scale`.", f"{path}.scale", qid)
            elif q["scale"] not in scales:
                add(
                    f"Unknown scale {q['scale']!r} (defined: {', '.join(scales) or 'none'}).",
                    f"{path}.scale",
                    qid,
                )
            else:
                scale = scales[q["scale"]]
        elif q["scale"]:
            add("Only likert questions have a scale.", f"{path}.scale", qid)
        if q["knowledge"] and qtype != LIKERT:
            add(
                "`knowledge: true` is for likert self-ratings "
                "(single_choice questions always count).",
                f"{path}.knowledge",
                qid,
            )
        if qtype == SINGLE_CHOICE:
            if kind not in KNOWLEDGE_KINDS:
                add(
                    "Questions with a right answer belong in entry or final questionnaires.",
                    f"{path}.type",
                    qid,
                )
            if len(q["options"]) < 2:
                add("At least two options are needed.", f"{path}.options", qid)
            if sum(1 for o in q["options"] if o["correct"]) != 1:
                add("Exactly one option must be marked `correct: true`.", f"{path}.options", qid)
            ids = [o["id"] for o in q["options"]]
            if len(ids) != len(set(ids)):
                add("Option ids must be unique.", f"{path}.options", qid)
        elif q["options"]:
            add("Only single_choice questions have options.", f"{path}.options", qid)
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
                "Questions that measure knowledge must be required (an unanswered one would "
                "distort the knowledge score).",
                f"{path}.required",
                qid,
            )
        questions.append(question)

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
            "Entry and final questionnaires need at least one knowledge question (single_choice, "
            "or likert with `knowledge: true`).",
            "questions",
        )
    for path, translations in _all_texts(doc):
        if default_language not in translations:
            add(f"Missing the text in the form's default language ({default_language}).", path)
    return (None, issues) if issues else (doc, [])


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


def read_form_file(path: Path) -> tuple[FormDoc | None, list[Issue]]:
    from item_bank.parsers.yaml_format import load_yaml_text

    label = str(path)
    try:
        raw = load_yaml_text(path.read_bytes().decode("utf-8-sig"))
    except OSError as error:
        return None, [Issue(label, f"Cannot read the file: {error.strerror}.")]
    except UnicodeDecodeError:
        return None, [Issue(label, "The file is not UTF-8 text.")]
    except Exception as error:
        return None, [Issue(label, f"Not valid YAML: {error}")]
    return parse_form(raw, file_label=label)


def form_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml")
        )
    return [path]


def read_forms(path: Path) -> tuple[list[tuple[Path, FormDoc]], list[Issue]]:
    """Every form under `path` (a file or a directory) with its file; slugs must be unique."""
    docs: list[tuple[Path, FormDoc]] = []
    issues: list[Issue] = []
    if not path.exists():
        return [], [Issue(str(path), "No such file or directory.")]
    owners: dict[str, str] = {}
    for file_path in form_files(path):
        doc, file_issues = read_form_file(file_path)
        issues.extend(file_issues)
        if doc is None:
            continue
        if doc.slug in owners:
            issues.append(
                Issue(
                    str(file_path),
                    f"Form slug {doc.slug!r} is also defined in {owners[doc.slug]}.",
                    field="form.slug",
                )
            )
            continue
        owners[doc.slug] = str(file_path)
        docs.append((file_path, doc))
    return docs, issues


# --------------------------------------------------------------------------- answers
Answer = int | str  # likert: the scale value; single_choice: the option id; text: the text

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(raw: str) -> str:
    """Free text as typed, minus control characters; newlines kept, outer blanks trimmed."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text).strip()


def check_answers(
    form: FormDoc, raw: Mapping[str, str]
) -> tuple[dict[str, Answer], dict[str, str]]:
    """Raw submitted values {question id: string} -> (answers, {question id: problem code}).
    Unanswered optional questions are simply absent from the answers."""
    answers: dict[str, Answer] = {}
    problems: dict[str, str] = {}
    for q in form.questions:
        value = raw.get(q.id) or ""
        value = clean_text(value) if q.type == TEXT else value.strip()
        if not value:
            if q.required:
                problems[q.id] = REQUIRED
            continue
        if q.type == LIKERT:
            try:
                number = int(value)
            except ValueError:
                number = None
            if number is None or number not in q.scale_values:
                problems[q.id] = NOT_ON_SCALE
            else:
                answers[q.id] = number
        elif q.type == SINGLE_CHOICE:
            if value not in {o.id for o in q.options}:
                problems[q.id] = UNKNOWN_OPTION
            else:
                answers[q.id] = value
        else:
            if len(value) > q.max_length:
                problems[q.id] = TOO_LONG
            else:
                answers[q.id] = value
    return answers, problems


def knowledge_percent(form: FormDoc, answers: Mapping[str, Answer]) -> float | None:
    """The knowledge score of one questionnaire submission, 0-100; None when the form measures
    nothing. Each knowledge question weighs the same: a single_choice question scores 1 when the
    right option is chosen, a likert self-rating scores its position on the scale (lowest 0,
    highest 1). An unanswered knowledge question scores 0."""
    scores: list[float] = []
    for q in form.questions:
        if not q.counts_for_knowledge:
            continue
        answer = answers.get(q.id)
        if q.type == SINGLE_CHOICE:
            right = next(o.id for o in q.options if o.correct)
            scores.append(1.0 if answer == right else 0.0)
        else:
            values = q.scale_values
            scores.append(
                (int(answer) - values[0]) / (values[-1] - values[0])
                if isinstance(answer, int) and answer in values
                else 0.0
            )
    if not scores:
        return None
    return round(100.0 * sum(scores) / len(scores), 2)
