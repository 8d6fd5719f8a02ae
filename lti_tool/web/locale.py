"""The interface language: from the launch (`launch_presentation.locale`), else the default."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import Babel

SUPPORTED_LOCALES = ("en", "es", "fr", "tr", "id")


def normalise_locale(raw: str | None, default: str = "en") -> str:
    """'es_MX', 'fr-CA', 'TR' -> a supported language; unknown -> default."""
    if raw:
        language = str(raw).replace("-", "_").split("_")[0].lower()
        if language == "in":  # old ISO code for Indonesian, still sent by some systems
            language = "id"
        if language in SUPPORTED_LOCALES:
            return language
    return default if default in SUPPORTED_LOCALES else "en"


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
