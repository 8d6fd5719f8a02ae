"""The interface language: from the launch (`launch_presentation.locale`), else the default."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import Babel

from item_bank.languages import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES, base_language

SUPPORTED_LOCALES = SUPPORTED_LANGUAGES  # the interface speaks every content language


def normalise_locale(raw: str | None, default: str = FALLBACK_LANGUAGE) -> str:
    """'es_MX', 'fr-CA', 'TR', 'in' -> a supported language (`base_language`); else default."""
    return base_language(raw) or base_language(default) or FALLBACK_LANGUAGE


def select_locale() -> str:
    launch = g.get("launch")
    if launch is not None:
        return launch.locale
    forced = g.get("locale")
    if forced:
        return forced
    from flask import current_app, request

    best = request.accept_languages.best_match(SUPPORTED_LOCALES) if request else None
    return best or current_app.config["EMM_SETTINGS"].default_locale


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=select_locale)
