"""YAML-level checks of the demo assessment files in item_bank/content.

These read the files with plain `yaml.safe_load` on purpose: they guard the authored content
against the authoring-format contract (docs/authoring.md) without depending
on the item_bank loader, so a content mistake and a loader bug show up as different failures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

CONTENT_DIR = Path(__file__).resolve().parents[3] / "item_bank" / "content"
EMM2_FILE = CONTENT_DIR / "emm2-final.yaml"
LATAM_FILE = CONTENT_DIR / "tendencias-latam-final.yaml"
DEMO_FILES = [EMM2_FILE, LATAM_FILE]

# Seed files are named <index>_<16 hex digits>.txt; the tests must not need the seeds on disk.
SOURCE_PATTERN = re.compile(r"^00[0-4]_[0-9a-f]{16}\.txt$")
ITEM_TYPES = {
    "single_choice",
    "multiple_response",
    "true_false",
    "matching",
    "short_answer",
    "numerical",
}
REVIEW_MODES = {"none", "score", "responses", "full"}


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _items(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for pool in document["pools"] for item in pool["items"]]


def _translations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (location, language map) for every field a person reads."""
    assessment = document["assessment"]
    yield "assessment.title", assessment["title"]
    if "instructions" in assessment:
        yield "assessment.instructions", assessment["instructions"]
    for pool in document["pools"]:
        yield f"pool {pool['id']}.title", pool["title"]
        for item in pool["items"]:
            where = f"item {item['id']}"
            yield f"{where}.stem", item["stem"]
            for option in item.get("options", []):
                yield f"{where}.option {option['id']}.text", option["text"]
                if "feedback" in option:
                    yield f"{where}.option {option['id']}.feedback", option["feedback"]
            for pair in item.get("pairs", []):
                yield f"{where}.pair {pair['id']}.prompt", pair["prompt"]
                yield f"{where}.pair {pair['id']}.answer", pair["answer"]
            for index, distractor in enumerate(item.get("distractors", []), start=1):
                yield f"{where}.distractor d{index}", distractor
            for outcome, text in (item.get("feedback") or {}).items():
                yield f"{where}.feedback.{outcome}", text
            if "accepted" in item:
                yield f"{where}.accepted", item["accepted"]


def _filled(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, str) and v.strip() for v in value)
    return False


def _missing(document: dict[str, Any], languages: set[str]) -> list[str]:
    problems = []
    for where, translations in _translations(document):
        if not isinstance(translations, dict):
            problems.append(f"{where}: not a language map")
            continue
        for language in sorted(languages):
            if not _filled(translations.get(language)):
                problems.append(f"{where}: no {language}")
    return problems


@pytest.fixture(scope="module")
def emm2() -> dict[str, Any]:
    return _load(EMM2_FILE)


@pytest.fixture(scope="module")
def latam() -> dict[str, Any]:
    return _load(LATAM_FILE)


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_file_parses_to_an_assessment_with_pools(path):
    document = _load(path)

    assert isinstance(document, dict)
    assert set(document) == {"assessment", "pools"}
    assert re.fullmatch(r"[a-z0-9-]+", document["assessment"]["slug"])
    assert document["pools"], "an assessment needs at least one pool"


def test_slugs_match_file_names_and_are_distinct(emm2, latam):
    assert emm2["assessment"]["slug"] == "emm2-final"
    assert latam["assessment"]["slug"] == "tendencias-latam-final"


def test_item_ids_are_unique_across_both_files(emm2, latam):
    ids = [item["id"] for document in (emm2, latam) for item in _items(document)]

    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_pool_ids_are_unique_within_a_file(path):
    pool_ids = [pool["id"] for pool in _load(path)["pools"]]

    assert len(pool_ids) == len(set(pool_ids))


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_every_item_names_a_seed_file_as_source(path):
    bad = [
        (item["id"], item.get("source"))
        for item in _items(_load(path))
        if not SOURCE_PATTERN.fullmatch(str(item.get("source", "")))
    ]

    assert not bad


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_every_item_has_a_known_type(path):
    bad = [
        (item["id"], item.get("type"))
        for item in _items(_load(path))
        if item.get("type") not in ITEM_TYPES
    ]

    assert not bad


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_each_pool_draws_at_least_one_and_no_more_than_it_holds(path):
    for pool in _load(path)["pools"]:
        assert 1 <= pool["draw"] <= len(pool["items"]), pool["id"]


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_each_single_choice_has_exactly_one_correct_option(path):
    for item in _items(_load(path)):
        if item["type"] != "single_choice":
            continue
        correct = [o for o in item["options"] if o.get("correct") is True]
        assert len(correct) == 1, item["id"]
        assert len(item["options"]) >= 3, item["id"]


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_each_multiple_response_has_correct_and_wrong_options(path):
    for item in _items(_load(path)):
        if item["type"] != "multiple_response":
            continue
        flags = [o.get("correct") is True for o in item["options"]]
        assert any(flags) and not all(flags), item["id"]


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_option_ids_are_unique_within_an_item(path):
    for item in _items(_load(path)):
        option_ids = [o["id"] for o in item.get("options", [])]
        assert len(option_ids) == len(set(option_ids)), item["id"]


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_type_specific_answers_have_the_contract_shape(path):
    for item in _items(_load(path)):
        kind = item["type"]
        if kind == "true_false":
            assert isinstance(item["answer"], bool), item["id"]
        elif kind == "numerical":
            assert isinstance(item["answer"], (int, float)), item["id"]
            assert not isinstance(item["answer"], bool), item["id"]
            assert item.get("tolerance", 0) >= 0, item["id"]
        elif kind == "matching":
            pair_ids = [pair["id"] for pair in item["pairs"]]
            assert len(pair_ids) >= 2, item["id"]
            assert len(pair_ids) == len(set(pair_ids)), item["id"]
        elif kind == "short_answer":
            assert item["accepted"], item["id"]


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_matching_answers_are_distinguishable(path):
    # Answers are chosen by pair id, so two identical answer texts would make the item ambiguous.
    document = _load(path)
    language = document["assessment"]["default_language"]
    for item in _items(document):
        if item["type"] != "matching":
            continue
        texts = [pair["answer"][language] for pair in item["pairs"]]
        texts += [d[language] for d in item.get("distractors", [])]
        assert len(texts) == len(set(texts)), item["id"]


def test_emm2_settings_follow_the_programme_rules(emm2):
    assessment = emm2["assessment"]

    assert assessment["default_language"] == "en"
    assert assessment["pass_mark_percent"] == 70
    assert assessment["rules"]["inactivity_timeout_minutes"] == 10
    assert assessment["rules"]["review"] == "responses"


def test_emm2_has_four_pools_of_five_drawing_twenty_questions(emm2):
    pools = emm2["pools"]

    assert len(pools) == 4
    assert [pool["draw"] for pool in pools] == [5, 5, 5, 5]


def test_emm2_has_at_least_forty_items(emm2):
    assert len(_items(emm2)) >= 40


def test_emm2_mixes_item_types(emm2):
    kinds = [item["type"] for item in _items(emm2)]

    assert kinds.count("matching") >= 2
    assert kinds.count("short_answer") >= 2
    assert kinds.count("numerical") >= 2
    assert {"multiple_response", "true_false"} <= set(kinds)
    assert kinds.count("single_choice") == max(kinds.count(k) for k in set(kinds))


def test_emm2_every_translatable_field_is_in_the_five_course_languages(emm2):
    # The EMM2.0 course runs in English, Spanish, French, Turkish and Bahasa Indonesia: a
    # learner of any of them must get questions in their language, not an English fallback.
    assert _missing(emm2, {"en", "es", "fr", "tr", "id"}) == []


def test_latam_settings(latam):
    assessment = latam["assessment"]
    pools = latam["pools"]

    assert assessment["default_language"] == "es"
    assert assessment["pass_mark_percent"] == 70
    assert assessment["rules"]["review"] in REVIEW_MODES
    assert 1 <= len(pools) <= 2
    assert sum(pool["draw"] for pool in pools) == 10


def test_latam_has_at_least_fifteen_items(latam):
    assert len(_items(latam)) >= 15


def test_latam_every_translatable_field_has_spanish(latam):
    assert _missing(latam, {"es"}) == []


def test_missing_translation_is_reported():
    # Guards the checker itself: a field without Spanish must be flagged, not silently passed.
    document = {
        "assessment": {"title": {"en": "T", "es": "T"}},
        "pools": [
            {
                "id": "p",
                "title": {"en": "P", "es": " "},
                "draw": 1,
                "items": [
                    {
                        "id": "i",
                        "type": "short_answer",
                        "stem": {"en": "S", "es": "S"},
                        "accepted": {"en": ["a"], "es": []},
                    },
                ],
            }
        ],
    }

    assert _missing(document, {"en", "es"}) == ["pool p.title: no es", "item i.accepted: no es"]
