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

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from item_bank.form_documents import (
    DEFAULT_TEXT_LENGTH,
    END_OF_COURSE_KINDS,
    ENTRY,
    EVALUATION,
    FINAL,
    FORM_KINDS,
    FORMS_DIR,
    KNOWLEDGE_KINDS,
    LIKERT,
    MAX_SCALE_POINTS,
    MAX_TEXT_LENGTH,
    NOT_ON_SCALE,
    QUESTION_TYPES,
    REQUIRED,
    SELF_ASSESSMENT,
    SINGLE_CHOICE,
    TEXT,
    TOO_LONG,
    UNKNOWN_OPTION,
    ChoiceOption,
    FormDoc,
    FormQuestion,
    ScalePoint,
)
from item_bank.form_parsing import parse_form
from item_bank.messages import cannot_read, message_of, msg
from item_bank.reports import Issue

__all__ = [
    "DEFAULT_TEXT_LENGTH",
    "END_OF_COURSE_KINDS",
    "ENTRY",
    "EVALUATION",
    "FINAL",
    "FORMS_DIR",
    "FORM_KINDS",
    "KNOWLEDGE_KINDS",
    "LIKERT",
    "MAX_SCALE_POINTS",
    "MAX_TEXT_LENGTH",
    "NOT_ON_SCALE",
    "QUESTION_TYPES",
    "REQUIRED",
    "SELF_ASSESSMENT",
    "SINGLE_CHOICE",
    "TEXT",
    "TOO_LONG",
    "UNKNOWN_OPTION",
    "Answer",
    "ChoiceOption",
    "FormDoc",
    "FormQuestion",
    "ScalePoint",
    "check_answers",
    "clean_text",
    "form_files",
    "knowledge_percent",
    "parse_form",
    "read_form_file",
    "read_forms",
]


def read_form_file(path: Path) -> tuple[FormDoc | None, list[Issue]]:
    from item_bank.parsers.yaml_format import load_yaml_text

    label = str(path)
    try:
        raw = load_yaml_text(path.read_bytes().decode("utf-8-sig"))
    except OSError as error:
        return None, [Issue(label, cannot_read(error))]
    except UnicodeDecodeError:
        return None, [Issue(label, msg("The file is not UTF-8 text."))]
    except Exception as error:
        return None, [Issue(label, msg("Not valid YAML: %(error)s", error=message_of(error)))]
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
        return [], [Issue(str(path), msg("No such file or directory."))]
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
                    msg(
                        "Form slug %(slug)r is also defined in %(other)s.",
                        slug=doc.slug,
                        other=owners[doc.slug],
                    ),
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
