"""Moodle's two ways of writing several languages in one text field:

* core filter_multilang: consecutive `<span lang="es" class="multilang">...</span>` (or legacy
  `<lang lang="es">...</lang>`) blocks; one of them is shown.
* filter_multilang2 (plugin): `{mlang es}...{mlang}` blocks, `{mlang other}` as fallback.

Like Moodle's filter, a span block ends at the first `</span>` (nested spans are not
supported there either). Text outside blocks is common to every language.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from item_bank.languages import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES, base_language

_SPAN_BLOCK = re.compile(
    r"<(?P<tag>span|lang)\b(?P<attrs>[^>]*)>(?P<body>.*?)</(?P=tag)\s*>", re.IGNORECASE | re.DOTALL
)
_LANG_ATTR = re.compile(r"""\blang\s*=\s*["']?(?P<lang>[A-Za-z0-9_-]+)""", re.IGNORECASE)
_CLASS_MULTILANG = re.compile(r"""\bclass\s*=\s*["']?multilang\b""", re.IGNORECASE)
_MLANG_BLOCK = re.compile(
    r"\{mlang\s+(?P<langs>[A-Za-z0-9_,\s-]+?)\s*\}(?P<body>.*?)\{mlang\}", re.IGNORECASE | re.DOTALL
)
_LANG_TAG = re.compile(r"<(?P<tag>span|lang)\b(?P<attrs>[^>]*)>", re.IGNORECASE)
_MLANG_OPEN = re.compile(r"\{mlang\s+(?P<langs>[A-Za-z0-9_,\s-]+?)\s*\}", re.IGNORECASE)
OTHER = "other"


def _blocks(text: str) -> list[tuple[int, int, list[str], str]]:
    """(start, end, language codes, body) of every multilang block, in order."""
    found: list[tuple[int, int, list[str], str]] = []
    for match in _SPAN_BLOCK.finditer(text):
        attrs = match.group("attrs")
        lang = _LANG_ATTR.search(attrs)
        if lang is None:
            continue
        if match.group("tag").lower() == "span" and not _CLASS_MULTILANG.search(attrs):
            continue  # an ordinary <span lang="..."> inside a text, not a multilang block
        found.append((match.start(), match.end(), [lang.group("lang")], match.group("body")))
    for match in _MLANG_BLOCK.finditer(text):
        codes = [code.strip() for code in match.group("langs").split(",") if code.strip()]
        found.append((match.start(), match.end(), codes, match.group("body")))
    found.sort(key=lambda block: block[0])
    result: list[tuple[int, int, list[str], str]] = []
    last_end = -1
    for block in found:
        if block[0] >= last_end:  # drop a block found inside another one
            result.append(block)
            last_end = block[1]
    return result


def split_multilang(text: str, default_language: str) -> tuple[dict[str, str], list[str]]:
    """({language: text}, notes about languages that were left out)."""
    blocks = _blocks(text)
    if not blocks:
        stripped = text.strip()
        return ({default_language: stripped} if stripped else {}), []
    # Segments: common text (str) or a group of consecutive blocks ({code: body}).
    segments: list[str | dict[str, str]] = []
    position = 0
    for start, end, codes, body in blocks:
        between = text[position:start]
        if segments and isinstance(segments[-1], dict) and not between.strip():
            group = segments[-1]
        else:
            if between:
                segments.append(between)
            group = {}
            segments.append(group)
        for code in codes:
            group.setdefault(code.lower(), body)
        position = end
    if text[position:]:
        segments.append(text[position:])

    notes, languages = _languages(segments)
    if not languages:
        languages = [default_language]

    def pick(group: Mapping[str, str], language: str) -> str:
        if language in group:
            return group[language]
        for code, body in group.items():  # regional variant, e.g. es_mx for es
            if base_language(code) == language:
                return body
        for fallback in (OTHER, default_language, FALLBACK_LANGUAGE):
            if fallback in group:
                return group[fallback]
        return next(iter(group.values()))

    result = {}
    for language in sorted(languages, key=SUPPORTED_LANGUAGES.index):
        parts = [
            segment if isinstance(segment, str) else pick(segment, language) for segment in segments
        ]
        joined = "".join(parts).strip()
        if joined:
            result[language] = joined
    return result, notes


def _languages(segments: list[str | dict[str, str]]) -> tuple[list[str], list[str]]:
    """(notes about unsupported languages, the supported languages the blocks are written in)."""
    notes: list[str] = []
    languages: list[str] = []
    supported = ", ".join(SUPPORTED_LANGUAGES)
    for segment in segments:
        if not isinstance(segment, dict):
            continue
        for code in segment:
            language = base_language(code)
            if language is None and code != OTHER:
                note = (
                    f"language {code!r} is not supported (only {supported}); its text was left out"
                )
                if note not in notes:
                    notes.append(note)
            elif language and language not in languages:
                languages.append(language)
    return notes, languages


def dominant_language(raw_text: str) -> str | None:
    """The language a multilingual file is mostly written in: 'en' if present at all."""
    counts: Counter[str] = Counter()
    codes: list[str] = []
    for match in _LANG_TAG.finditer(raw_text):
        attrs = match.group("attrs")
        lang = _LANG_ATTR.search(attrs)
        if lang and (match.group("tag").lower() == "lang" or _CLASS_MULTILANG.search(attrs)):
            codes.append(lang.group("lang"))
    for match in _MLANG_OPEN.finditer(raw_text):
        codes += match.group("langs").split(",")
    for code in codes:
        language = base_language(code.strip())
        if language:
            counts[language] += 1
    if not counts:
        return None
    if FALLBACK_LANGUAGE in counts:
        return FALLBACK_LANGUAGE
    return counts.most_common(1)[0][0]


def join_multilang(translations: Mapping[str, str], default_language: str) -> str:
    """The reverse: one Moodle text field. One language -> the text itself."""
    languages = sorted(
        translations, key=lambda lang: (lang != default_language, SUPPORTED_LANGUAGES.index(lang))
    )
    if len(languages) == 1:
        return translations[languages[0]]
    if not languages:
        return ""
    if any(re.search(r"</span|</lang", translations[lang], re.IGNORECASE) for lang in languages):
        # A span block would end at the text's own </span>: use filter_multilang2 syntax.
        return "".join(f"{{mlang {lang}}}{translations[lang]}{{mlang}}" for lang in languages)
    return "".join(
        f'<span lang="{lang}" class="multilang">{translations[lang]}</span>' for lang in languages
    )
