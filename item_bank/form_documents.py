"""The form document: kinds of form, question types, and the parsed `FormDoc` with its
questions (the YAML authoring format is described in `item_bank.forms`). No Flask, no
database here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from item_bank.languages import SUPPORTED_LANGUAGES, translate

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
