"""Which items of a published version lack a language: what translators still have to do."""

from __future__ import annotations

from item_bank.item_types import REGISTRY
from item_bank.languages import SUPPORTED_LANGUAGES
from item_bank.models import AssessmentVersion, ItemVersion


def _has(item: ItemVersion, language: str) -> bool:
    texts = [item.content["stem"], *REGISTRY[item.type].learner_texts(item.content)]
    return all(language in text for text in texts)


def missing_translations(version: AssessmentVersion) -> dict[str, list[str]]:
    """Language -> ids of the items a learner could not read entirely in it (the default
    language is never missing: every text has it)."""
    items = [item for pool in version.pools for item in pool.item_versions]
    return {
        language: []
        if language == version.default_language
        else [item.item_uid for item in items if not _has(item, language)]
        for language in SUPPORTED_LANGUAGES
    }
