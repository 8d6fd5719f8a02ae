"""Small assessments for attempt tests, imported through the real item-bank loader, and the
right/wrong responses to their items (tests know the key; learners never see it)."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from item_bank.catalog import latest_version
from item_bank.models import AssessmentVersion, ItemVersion

_numbers = itertools.count(1)


def assessment_yaml(
    slug: str,
    *,
    pass_mark: float = 70,
    inactivity_minutes: float = 10,
    time_limit_minutes: float | None = None,
    max_attempts: int | None = None,
    retake_delay_minutes: float = 0,
    review: str = "full",
    all_types: bool = False,
    feedback_bands: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Four questions of 1 point (25 % each): pool A draws 2 of 3 single-choice items, pool B
    draws a true/false and a short answer. `all_types` adds pool C: a multiple-response, a
    matching and a numerical item (7 questions then)."""

    def choice(n: int) -> dict[str, Any]:
        return {
            "id": f"{slug}-c{n}",
            "type": "single_choice",
            "points": 1,
            "source": "test.txt",
            "stem": {"en": f"Choice question {n}", "es": f"Pregunta {n}"},
            "options": [
                {
                    "id": oid,
                    "text": {"en": f"Option {oid}{n}", "es": f"Opción {oid}{n}"},
                    "correct": oid == "b",
                }
                for oid in "abcd"
            ],
            "feedback": {"correct": {"en": "Right"}, "incorrect": {"en": "Not quite"}},
        }

    extra = (
        [
            {
                "id": "c",
                "title": {"en": "Pool C"},
                "draw": 3,
                "items": [
                    {
                        "id": f"{slug}-mr",
                        "type": "multiple_response",
                        "points": 1,
                        "source": "test.txt",
                        "stem": {"en": "Pick the two organisations."},
                        "options": [
                            {"id": "a", "text": {"en": "IOM"}, "correct": True},
                            {"id": "b", "text": {"en": "UNHCR"}, "correct": True},
                            {"id": "c", "text": {"en": "A bakery"}},
                        ],
                    },
                    {
                        "id": f"{slug}-ma",
                        "type": "matching",
                        "points": 1,
                        "source": "test.txt",
                        "stem": {"en": "Match each agency to its field."},
                        "pairs": [
                            {"id": "p1", "prompt": {"en": "IOM"}, "answer": {"en": "Migration"}},
                            {"id": "p2", "prompt": {"en": "ILO"}, "answer": {"en": "Labour"}},
                        ],
                        "distractors": [{"en": "Bread"}],
                    },
                    {
                        "id": f"{slug}-nu",
                        "type": "numerical",
                        "points": 1,
                        "source": "test.txt",
                        "stem": {"en": "Half of 25?"},
                        "answer": 12.5,
                        "tolerance": 0,
                    },
                ],
            }
        ]
        if all_types
        else []
    )
    return {
        "assessment": {
            "slug": slug,
            "default_language": "en",
            "title": {"en": f"Test assessment {slug}", "es": f"Evaluación {slug}"},
            "instructions": {"en": "Answer everything.", "es": "Responda todo."},
            "pass_mark_percent": pass_mark,
            "rules": {
                "inactivity_timeout_minutes": inactivity_minutes,
                "time_limit_minutes": time_limit_minutes,
                "max_attempts": max_attempts,
                "retake_delay_minutes": retake_delay_minutes,
                "review": review,
            },
            **({"feedback_bands": feedback_bands} if feedback_bands else {}),
        },
        "pools": [
            {
                "id": "a",
                "title": {"en": "Pool A"},
                "draw": 2,
                "items": [choice(n) for n in (1, 2, 3)],
            },
            {
                "id": "b",
                "title": {"en": "Pool B"},
                "draw": 2,
                "items": [
                    {
                        "id": f"{slug}-tf",
                        "type": "true_false",
                        "points": 1,
                        "source": "test.txt",
                        "stem": {"en": "The sky is blue.", "es": "El cielo es azul."},
                        "answer": True,
                    },
                    {
                        "id": f"{slug}-sa",
                        "type": "short_answer",
                        "points": 1,
                        "source": "test.txt",
                        "stem": {"en": "Name the organisation.", "es": "Nombre la organización."},
                        "accepted": {"en": ["IOM"], "es": ["OIM"]},
                    },
                ],
            },
            *extra,
        ],
    }


def publish(session: Session, directory: Path, now: datetime, **rules: Any) -> AssessmentVersion:
    """Import a fresh test assessment (unique slug) and return its version (not committed)."""
    from item_bank.loading import import_files

    slug = rules.pop("slug", None) or f"test-{next(_numbers)}"
    path = directory / f"{slug}.yaml"
    path.write_text(yaml.safe_dump(assessment_yaml(slug, **rules), allow_unicode=True))
    report = import_files(session, [path], now=now)
    assert report.validation.ok, [str(i) for i in report.validation.issues]
    version = latest_version(session, slug)
    assert version is not None
    return version


def right_response(item_version: ItemVersion) -> dict[str, Any]:
    content = item_version.content
    if item_version.type == "single_choice":
        return {"choice": next(o["id"] for o in content["options"] if o["correct"])}
    if item_version.type == "true_false":
        return {"value": content["answer"]}
    if item_version.type == "short_answer":
        return {"text": content["accepted"]["en"][0]}
    if item_version.type == "multiple_response":
        return {"choices": [o["id"] for o in content["options"] if o["correct"]]}
    if item_version.type == "matching":
        return {"pairs": {pair["id"]: pair["id"] for pair in content["pairs"]}}
    if item_version.type == "numerical":
        return {"value": str(content["answer"])}
    raise NotImplementedError(item_version.type)


def right_form(item_version: ItemVersion) -> dict[str, Any]:
    """The right answer as the question page's form fields (see lti_tool/attempts/forms.py)."""
    right = right_response(item_version)
    kind = item_version.type
    if kind == "true_false":
        return {"value": "true" if right["value"] else "false"}
    if kind == "matching":
        return {f"pair-{prompt}": answer for prompt, answer in right["pairs"].items()}
    if kind == "numerical":
        return {"value": right["value"].replace(".", ",")}  # a comma decimal is fine too
    return right


def wrong_response(item_version: ItemVersion) -> dict[str, Any]:
    content = item_version.content
    if item_version.type == "single_choice":
        return {"choice": next(o["id"] for o in content["options"] if not o["correct"])}
    if item_version.type == "true_false":
        return {"value": not content["answer"]}
    if item_version.type == "short_answer":
        return {"text": "something else"}
    if item_version.type == "multiple_response":
        return {"choices": [o["id"] for o in content["options"] if not o["correct"]]}
    if item_version.type == "matching":
        return {"pairs": {}}
    if item_version.type == "numerical":
        return {"value": "-1"}
    raise NotImplementedError(item_version.type)
