"""Moodle multilang markup <-> translations."""

from __future__ import annotations

from item_bank.parsers.multilang import dominant_language, join_multilang, split_multilang


def test_span_blocks_become_translations_with_common_text_kept():
    text = (
        '<p><span lang="en" class="multilang">Hello</span>'
        '<span class="multilang" lang="es_mx">Hola</span> IOM</p>'
    )

    translations, notes = split_multilang(text, "en")

    assert translations == {"en": "<p>Hello IOM</p>", "es": "<p>Hola IOM</p>"}
    assert notes == []


def test_mlang_blocks_with_lists_and_other():
    translations, _ = split_multilang(
        "{mlang en}Hi{mlang}{mlang fr,tr}Salut{mlang}{mlang other}Hey{mlang}!", "en"
    )

    assert translations == {"en": "Hi!", "fr": "Salut!", "tr": "Salut!"}


def test_legacy_lang_tags_and_unsupported_languages_are_reported():
    translations, notes = split_multilang(
        '<lang lang="en">Yes</lang><lang lang="de">Ja</lang>', "en"
    )

    assert translations == {"en": "Yes"}
    assert notes and "'de' is not supported" in notes[0]


def test_ordinary_lang_spans_are_not_multilang():
    translations, _ = split_multilang('Say <span lang="fr">bonjour</span>', "en")

    assert translations == {"en": 'Say <span lang="fr">bonjour</span>'}


def test_join_then_split_round_trips_even_with_nested_spans():
    for original in (
        {"en": "A", "es": "B"},
        {"en": 'x <span lang="fr">y</span>', "fr": "z"},
        {"tr": "Only"},
    ):
        joined = join_multilang(original, "en")
        assert split_multilang(joined, "en" if "en" in original else "tr")[0] == original


def test_dominant_language():
    assert (
        dominant_language(
            '<span lang="es" class="multilang">a</span>{mlang fr}b{mlang}{mlang fr}c{mlang}'
        )
        == "fr"
    )
    assert (
        dominant_language(
            '<span lang="es" class="multilang">a</span><span lang="en" class="multilang">b</span>'
        )
        == "en"
    )
    assert dominant_language("no markup") is None
