"""The authoring pages show the item bank's messages in the interface language: Messages by
their msgid (nested ones too), marshmallow's own messages by their English text; anything
else stays English and says so. The catalogs are those scripts/translations compiled."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import Babel

from item_bank.messages import msg
from lti_tool.authoring.issue_text import issue_text

TRANSLATIONS = Path(__file__).resolve().parents[3] / "lti_tool" / "translations"


def _in(locale: str):
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=lambda: locale)
    return app.test_request_context()


def test_a_message_and_the_message_inside_it_are_translated():
    reason = msg("essay questions need manual grading, which this tool does not do")
    message = msg("Not imported (line %(line)s): %(reason)s.", line=3, reason=reason)

    with _in("es"):
        text, lang = issue_text(message)

    assert lang == "es"
    assert text == (
        "No importada (línea 3): las preguntas de ensayo necesitan calificación manual, "
        "que esta herramienta no hace."
    )


def test_values_keep_their_format():
    with _in("fr"):
        text, lang = issue_text(msg("Duplicate option id %(id)r.", id="b"))

    assert (text, lang) == ("Identifiant d'option en double 'b'.", "fr")


def test_a_marshmallow_default_is_translated():
    with _in("tr"):
        assert issue_text("Missing data for required field.") == (
            "Zorunlu alan için veri eksik.",
            "tr",
        )
        assert issue_text("Must be greater than or equal to 0 and less than or equal to 100.") == (
            "0 değerine eşit ya da büyük ve 100 değerine eşit ya da küçük olmalıdır.",
            "tr",
        )


def test_an_unknown_text_stays_english():
    with _in("id"):
        assert issue_text("mapping values are not allowed here") == (
            "mapping values are not allowed here",
            "en",
        )


def test_in_english_a_message_is_its_own_text():
    message = msg("Duplicate pool id %(id)r.", id="p")

    with _in("en"):
        assert issue_text(message) == ("Duplicate pool id 'p'.", "en")
