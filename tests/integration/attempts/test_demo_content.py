"""The shipped demo assessments through the learner pages: languages, fallback, page weight."""

from __future__ import annotations

import pytest

from item_bank.demo import load_demo_content
from lti_tool import db

PAGE_BUDGET = 60 * 1024


@pytest.fixture
def demo(app, clock):
    with app.app_context(), db.session_scope() as session:
        report = load_demo_content(session, now=clock.now())
        assert report.validation.ok


@pytest.mark.parametrize(
    "locale, language, title",
    [
        ("es", "es", "Fundamentos en gestión de la migración (EMM2.0): evaluación final"),
        ("fr", "fr", "Fondamentaux de la gestion des migrations (EMM2.0) : évaluation finale"),
        ("tr", "tr", "Göç Yönetiminin Temelleri (EMM2.0): final değerlendirmesi"),
        ("id", "id", "Dasar-Dasar Manajemen Migrasi (EMM2.0): penilaian akhir"),
        # A language the course has no text in falls back to the assessment's default.
        ("de", "en", "Essentials of Migration Management (EMM2.0): final assessment"),
    ],
)
def test_items_come_in_the_launch_language_or_fall_back_to_english(
    app, demo, learner_of, locale, language, title
):
    ana = learner_of("emm2-final", locale=locale)
    ana.start()
    for n in range(1, 21):
        page = ana.question(n).get_data(as_text=True)
        assert title in page
        assert f'id="question-stem" lang="{language}"' in page


def test_every_learner_page_stays_under_60_kb(app, demo, learner_of):
    ana = learner_of("emm2-final")
    sizes = {"home": len(ana.home().data)}
    ana.start()
    for n in range(1, 21):
        sizes[f"question {n}"] = len(ana.question(n).data)
    sizes["review"] = len(
        ana.get(f"/assessment/attempts/{ana.attempt_id}/review", s=ana.sitting).data
    )
    for n in range(1, 21):
        ana.save(n, {})
    ana.submit()
    sizes["result"] = len(ana.result().data)
    sizes["home after"] = len(ana.home().data)
    assert max(sizes.values()) < PAGE_BUDGET, sizes


def test_a_spanish_only_assessment_for_a_spanish_launch(app, demo, learner_of):
    ana = learner_of("tendencias-latam-final", locale="es")
    home = ana.home().get_data(as_text=True)
    assert 'id="rule-questions"' in home
    ana.start()
    page = ana.question(1).get_data(as_text=True)
    assert (
        '<progress id="progress-bar" max="10" value="0"' in page
        and 'id="question-stem" lang="es"' in page
    )
