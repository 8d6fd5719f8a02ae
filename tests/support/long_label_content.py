"""A three-question assessment whose options and matching answers are as long as the longest
ones of the real banks (130+ characters), in English and Spanish, with a time limit: the
layout tests (tests/browser/test_layout_on_phones.py) measure the question page with it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

LONG_EN = (
    "Online chapters offering a brief yet complete overview of the thematic and foundational "
    "areas of migration management, with case studies"
)
LONG_ES = (
    "Capítulos en línea que ofrecen una visión general breve pero completa de las áreas "
    "temáticas y fundacionales de la gestión de la migración"
)


def _text(en: str, es: str) -> dict[str, str]:
    return {"en": en, "es": es}


def _single_choice(slug: str) -> dict[str, Any]:
    return {
        "id": f"{slug}-long-choice",
        "type": "single_choice",
        "points": 1,
        "source": "test.txt",
        "stem": _text("Which describes the course handbook?", "¿Qué describe el manual?"),
        "options": [
            {"id": "a", "text": _text(LONG_EN, LONG_ES), "correct": True},
            {"id": "b", "text": _text("A map", "Un mapa")},
            {"id": "c", "text": _text(LONG_EN + " and exercises", LONG_ES + " y ejercicios")},
        ],
    }


def _matching(slug: str) -> dict[str, Any]:
    return {
        "id": f"{slug}-long-matching",
        "type": "matching",
        "points": 1,
        "source": "test.txt",
        "stem": _text("Match each resource to what it offers.", "Relacione cada recurso."),
        "pairs": [
            {"id": "p1", "prompt": _text("Handbook", "Manual"), "answer": _text(LONG_EN, LONG_ES)},
            {
                "id": "p2",
                "prompt": _text("Indicators", "Indicadores"),
                "answer": _text(
                    "Tools to improve migration governance at the local level, such as the "
                    "Migration Governance Indicators at the local level",
                    "Herramientas para mejorar la gobernanza migratoria a nivel local, como "
                    "los Indicadores de Gobernanza de la Migración a nivel Local",
                ),
            },
        ],
        "distractors": [_text("Bread", "Pan")],
    }


def _true_false(slug: str) -> dict[str, Any]:
    return {
        "id": f"{slug}-tf",
        "type": "true_false",
        "points": 1,
        "source": "test.txt",
        "stem": _text("The sky is blue.", "El cielo es azul."),
        "answer": True,
    }


def long_label_yaml(slug: str) -> dict[str, Any]:
    """Three questions in a fixed order (one pool each), a 30-minute time limit."""
    items = [_single_choice(slug), _matching(slug), _true_false(slug)]
    return {
        "assessment": {
            "slug": slug,
            "default_language": "en",
            "title": _text(f"Long labels {slug}", f"Etiquetas largas {slug}"),
            "instructions": _text("Answer everything.", "Responda todo."),
            "pass_mark_percent": 70,
            "rules": {
                "inactivity_timeout_minutes": 10,
                "time_limit_minutes": 30,
                "max_attempts": None,
                "retake_delay_minutes": 0,
                "review": "full",
            },
        },
        "pools": [
            {"id": f"p{n}", "title": {"en": f"Pool {n}"}, "draw": 1, "items": [item]}
            for n, item in enumerate(items, start=1)
        ],
    }


def publish_long_labels(session: Session, directory: Path, now: datetime, slug: str) -> str:
    """Import the assessment (committed by the caller's session scope); its slug."""
    from item_bank.loading import import_files

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{slug}.yaml"
    path.write_text(yaml.safe_dump(long_label_yaml(slug), allow_unicode=True))
    report = import_files(session, [path], now=now)
    assert report.validation.ok, [str(i) for i in report.validation.issues]
    return slug
