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
from item_bank.messages import msg

# Every pattern here matches in time linear in the text: a tag's attributes stop at the next
# `<` and an mlang opening's languages at the next `{` or `}`, and block bodies are found by
# searching forward once for the closing tag (see _NextMatch), never with a lazy `.*?` that
# would rescan the rest of the text from every opening (hours on a 200 KB upload).
_SPAN_OPEN = re.compile(r"<(?P<tag>span|lang)\b(?P<attrs>[^<>]*)>", re.IGNORECASE)
_CLOSE = {
    "span": re.compile(r"</span\s*>", re.IGNORECASE),
    "lang": re.compile(r"</lang\s*>", re.IGNORECASE),
}
_LANG_ATTR = re.compile(r"""\blang\s*=\s*["']?(?P<lang>[A-Za-z0-9_-]+)""", re.IGNORECASE)
_CLASS_MULTILANG = re.compile(r"""\bclass\s*=\s*["']?multilang\b""", re.IGNORECASE)
_MLANG_OPEN = re.compile(r"\{mlang\b(?P<langs>[^{}]*)\}", re.IGNORECASE)
_MLANG_CLOSE = re.compile(r"\{mlang\}", re.IGNORECASE)
_MLANG_CODES = re.compile(r"[A-Za-z0-9_,\s-]*")
OTHER = "other"

Block = tuple[int, int, list[str], str]  # start, end, language codes, body


class _NextMatch:
    """The first match of `pattern` at or after a position, for positions that only grow:
    each stretch of the text is searched once, however many openings share one closing."""

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        self.pattern, self.text = pattern, text
        self.searched_from = -1
        self.found: re.Match[str] | None = None

    def at_or_after(self, position: int) -> re.Match[str] | None:
        fresh = 0 <= self.searched_from <= position
        if not (fresh and (self.found is None or self.found.start() >= position)):
            self.searched_from = position
            self.found = self.pattern.search(self.text, position)
        return self.found


def _mlang_codes(opening: re.Match[str]) -> list[str] | None:
    """The languages of `{mlang es,fr}`, or None if it is not an opening (e.g. `{mlang}`)."""
    raw = opening.group("langs")
    if not raw[:1].isspace() or not _MLANG_CODES.fullmatch(raw):
        return None
    return [code.strip() for code in raw.split(",") if code.strip()] or None


def _span_blocks(text: str) -> list[Block]:
    found: list[Block] = []
    closing = {tag: _NextMatch(pattern, text) for tag, pattern in _CLOSE.items()}
    position = 0
    while (opening := _SPAN_OPEN.search(text, position)) is not None:
        tag = opening.group("tag").lower()
        close = closing[tag].at_or_after(opening.end())
        if close is None:
            position = opening.end()
            continue
        position = close.end()  # like Moodle, a block ends at the first closing tag
        attrs = opening.group("attrs")
        lang = _LANG_ATTR.search(attrs)
        if lang is None or (tag == "span" and not _CLASS_MULTILANG.search(attrs)):
            continue  # an ordinary <span lang="..."> inside a text, not a multilang block
        body = text[opening.end() : close.start()]
        found.append((opening.start(), close.end(), [lang.group("lang")], body))
    return found


def _mlang_blocks(text: str) -> list[Block]:
    found: list[Block] = []
    closing = _NextMatch(_MLANG_CLOSE, text)
    position = 0
    while (opening := _MLANG_OPEN.search(text, position)) is not None:
        position = opening.end()
        codes = _mlang_codes(opening)
        close = closing.at_or_after(opening.end()) if codes else None
        if codes is None or close is None:
            continue
        position = close.end()
        found.append((opening.start(), close.end(), codes, text[opening.end() : close.start()]))
    return found


def _blocks(text: str) -> list[Block]:
    """Every multilang block, in order."""
    found = _span_blocks(text) + _mlang_blocks(text)
    found.sort(key=lambda block: block[0])
    result: list[Block] = []
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
                note = msg(
                    "language %(code)r is not supported (only %(supported)s); "
                    "its text was left out",
                    code=code,
                    supported=supported,
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
    for match in _SPAN_OPEN.finditer(raw_text):
        attrs = match.group("attrs")
        lang = _LANG_ATTR.search(attrs)
        if lang and (match.group("tag").lower() == "lang" or _CLASS_MULTILANG.search(attrs)):
            codes.append(lang.group("lang"))
    for match in _MLANG_OPEN.finditer(raw_text):
        codes += _mlang_codes(match) or []
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
