"""One language normaliser (issue 14): the launch, the interface, content and the Deep Linking
catalogue all map a platform's locale the same way. Before, only the launch mapped the old code
`in` to `id`, and the Deep Linking page looked titles up by the exact locale."""

from __future__ import annotations

import pytest

from item_bank.languages import base_language, translate
from lti_tool.web.locale import SUPPORTED_LOCALES, normalise_locale

SAMPLES = ["es-MX", "es_MX", "ES", "fr-CA", "tr", "in", "in-ID", "id", "en-GB", "de", "", None]


def test_the_old_code_for_indonesian_is_indonesian_everywhere():
    assert base_language("in") == "id" and base_language("in_ID") == "id"
    assert translate({"en": "Final test", "id": "Ujian akhir"}, "in", "en") == "Ujian akhir"


@pytest.mark.parametrize("raw", SAMPLES)
def test_the_interface_and_the_content_agree_on_every_locale(raw):
    assert normalise_locale(raw, "en") == (base_language(raw) or "en")
    assert normalise_locale(raw, "en") in SUPPORTED_LOCALES


def test_a_regional_locale_finds_the_language_and_an_unknown_one_the_default():
    titles = {"en": "Final assessment", "es": "Evaluación final"}
    assert translate(titles, "es-MX", "en") == "Evaluación final"
    assert translate({"es": "Solo en español"}, "fr", "es") == "Solo en español"
    assert normalise_locale("xx", "es_MX") == "es"
