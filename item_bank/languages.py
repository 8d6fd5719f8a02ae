"""The languages content can be written in, and how a missing translation falls back."""

from __future__ import annotations

from collections.abc import Mapping

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "tr", "id")
FALLBACK_LANGUAGE = "en"
# Old ISO 639 codes some systems still send for a supported language.
_OLD_CODES = {"in": "id"}


def base_language(locale: str | None) -> str | None:
    """'es-MX' / 'es_MX' / 'ES' -> 'es', 'in-ID' -> 'id'; None for anything not supported.
    The one language normaliser: launches, pages, content and certificates all use it."""
    if not locale:
        return None
    code = str(locale).replace("_", "-").split("-", 1)[0].strip().lower()
    code = _OLD_CODES.get(code, code)
    return code if code in SUPPORTED_LANGUAGES else None


def resolve_language(
    translations: Mapping[str, str], locale: str | None, default_language: str
) -> str | None:
    """The language whose text is shown for `locale`: the locale itself, else the content's
    default language, else English, else the first one written (never None for a non-empty map)."""
    for candidate in (base_language(locale), default_language, FALLBACK_LANGUAGE):
        if candidate and candidate in translations:
            return candidate
    return next(iter(translations), None)


def translate(
    translations: Mapping[str, str] | None, locale: str | None, default_language: str
) -> str:
    if not translations:
        return ""
    language = resolve_language(translations, locale, default_language)
    return translations[language] if language else ""
