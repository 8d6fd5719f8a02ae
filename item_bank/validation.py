"""Raw authoring-format dict -> `AssessmentDoc`, collecting every problem (never stopping at the
first) as an `Issue` that names the file, the item id and the field path."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from marshmallow import EXCLUDE, ValidationError

from item_bank.documents import AssessmentDoc, ItemDoc, PoolDoc, RulesDoc
from item_bank.item_types import REGISTRY, item_type_or_none
from item_bank.item_types.base import ContentContext
from item_bank.languages import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES
from item_bank.messages import Message, msg
from item_bank.reports import ERROR, Issue
from item_bank.sanitize import plain_text
from item_bank.schemas import (
    AssessmentSchema,
    DocumentSchema,
    ItemBaseSchema,
    PoolHeaderSchema,
)


def flatten_messages(messages: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """marshmallow's nested {field: [msg] | {index: {...}}} -> (path, message) pairs."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key == "_schema":
                yield from flatten_messages(value, prefix)
                continue
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            yield from flatten_messages(value, path)
    elif isinstance(messages, (list, tuple)):
        for value in messages:
            yield from flatten_messages(value, prefix)
    else:
        # A Message must stay one (str() of it would keep only its English).
        yield prefix, messages if isinstance(messages, str) else str(messages)


class _Collector:
    def __init__(self, file_label: str) -> None:
        self.file = file_label
        self.issues: list[Issue] = []

    def add(self, message: str, *, item: str | None = None, path: str | None = None) -> None:
        self.issues.append(
            Issue(self.file, message, item_id=item, field=path or None, severity=ERROR)
        )

    def add_marshmallow(
        self, error: ValidationError, *, item: str | None = None, prefix: str = ""
    ) -> None:
        for path, message in flatten_messages(error.messages, prefix):
            self.add(message, item=item, path=path)


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix and path else prefix or path


def validate_document(
    raw: Any, *, file_label: str, default_source: str | None = None
) -> tuple[AssessmentDoc | None, list[Issue]]:
    """Validate and normalise one assessment; (None, issues) when there is any error."""
    out = _Collector(file_label)
    source_default = default_source or file_label
    if not isinstance(raw, Mapping):
        out.add(msg("The file must contain a map with 'assessment' and 'pools'."))
        return None, out.issues
    try:
        top = DocumentSchema().load(dict(raw))
    except ValidationError as error:
        out.add_marshmallow(error)
        top = {key: raw.get(key) for key in ("assessment", "pools")}
    header = _load_assessment(top.get("assessment"), out)
    language = header["default_language"] if header else _guess_language(top.get("assessment"))

    pools: list[PoolDoc] = []
    seen_items: dict[str, str] = {}
    seen_pools: set[str] = set()
    raw_pools = top.get("pools") if isinstance(top.get("pools"), list) else []
    for pool_index, raw_pool in enumerate(raw_pools):
        pool = _load_pool(
            raw_pool, pool_index, language, source_default, seen_items, seen_pools, out
        )
        if pool is not None:
            pools.append(pool)
    if header is not None:
        _require_fallback(header["title"], language, out, path="assessment.title")
        if header["instructions"]:
            _require_fallback(header["instructions"], language, out, path="assessment.instructions")
    if out.issues or header is None:
        return None, out.issues

    rules = header["rules"]
    doc = AssessmentDoc(
        slug=header["slug"],
        default_language=language,
        title={lang: plain_text(text) for lang, text in header["title"].items()},
        instructions=_html_map(header["instructions"], out, None, "assessment.instructions"),
        pass_mark_percent=float(header["pass_mark_percent"]),
        rules=RulesDoc(
            inactivity_timeout_seconds=_seconds(rules["inactivity_timeout_minutes"]),
            time_limit_seconds=None
            if rules["time_limit_minutes"] is None
            else _seconds(rules["time_limit_minutes"]),
            max_attempts=rules["max_attempts"],
            retake_delay_seconds=_seconds(rules["retake_delay_minutes"]),
            review_policy=rules["review"],
        ),
        pools=tuple(pools),
        source_file=file_label,
        feedback_bands=_feedback_bands(header["feedback_bands"], language, out),
    )
    if out.issues:
        return None, out.issues
    doc = replace(doc, languages=available_languages(doc))
    return doc, []


def _feedback_bands(
    raw: list[dict[str, Any]], language: str, out: _Collector
) -> tuple[dict[str, Any], ...]:
    """Overall feedback bands, highest first; two bands may not start at the same percent."""
    bands: list[dict[str, Any]] = []
    seen: set[float] = set()
    for index, band in enumerate(raw):
        path = f"assessment.feedback_bands[{index}]"
        start = float(band["min_percent"])
        if start in seen:
            out.add(
                msg("Another band already starts at %(start)s %%.", start=f"{start:g}"),
                path=f"{path}.min_percent",
            )
        seen.add(start)
        _require_fallback(band["text"], language, out, path=f"{path}.text")
        text = _html_map(band["text"], out, None, f"{path}.text")
        bands.append({"min_percent": start, "text": text})
    return tuple(sorted(bands, key=lambda band: -band["min_percent"]))


def _seconds(minutes: float) -> int:
    return round(float(minutes) * 60)


def _guess_language(raw_header: Any) -> str:
    if (
        isinstance(raw_header, Mapping)
        and raw_header.get("default_language") in SUPPORTED_LANGUAGES
    ):
        return str(raw_header["default_language"])
    return FALLBACK_LANGUAGE


def _load_assessment(raw_header: Any, out: _Collector) -> dict[str, Any] | None:
    if not isinstance(raw_header, Mapping):
        if raw_header is not None:
            out.add(msg("Must be a map."), path="assessment")
        return None
    try:
        return AssessmentSchema().load(dict(raw_header))
    except ValidationError as error:
        out.add_marshmallow(error, prefix="assessment")
        return None


def _load_pool(
    raw_pool: Any,
    index: int,
    language: str,
    source_default: str,
    seen_items: dict[str, str],
    seen_pools: set[str],
    out: _Collector,
) -> PoolDoc | None:
    where = f"pools[{index}]"
    if not isinstance(raw_pool, Mapping):
        out.add(msg("Must be a map with id, draw and items."), path=where)
        return None
    errors_before = len(out.issues)
    try:
        header = PoolHeaderSchema().load(dict(raw_pool))
    except ValidationError as error:
        out.add_marshmallow(error, prefix=where)
        header = None
    raw_id = raw_pool.get("id")
    pool_key = raw_id if isinstance(raw_id, str) else f"#{index + 1}"
    if header is not None:
        where = f"pool {pool_key}"
        if pool_key in seen_pools:
            out.add(msg("Duplicate pool id %(id)r.", id=pool_key), path=f"pools[{index}].id")
        seen_pools.add(pool_key)
        if header["title"]:
            _require_fallback(header["title"], language, out, path=f"{where}.title")
    raw_items = raw_pool.get("items")
    if not isinstance(raw_items, list):
        raw_items = []
    items: list[ItemDoc] = []
    for item_index, raw_item in enumerate(raw_items):
        item = load_item(
            raw_item,
            path=f"pools[{index}].items[{item_index}]",
            language=language,
            source_default=source_default,
            seen_items=seen_items,
            out=out,
        )
        if item is not None:
            items.append(item)
    if header is None or len(out.issues) > errors_before:
        return None
    draw = header["draw"] if header["draw"] is not None else len(items)
    if draw > len(items):
        out.add(draw_too_large(draw, len(items)), path=f"{where}.draw")
        return None
    return PoolDoc(
        key=pool_key,
        title={lang: plain_text(text) for lang, text in header["title"].items()},
        draw=draw,
        items=tuple(items),
    )


def draw_too_large(draw: int, available: int) -> Message:
    return msg(
        "Draws %(draw)s items but the pool has only %(available)s.", draw=draw, available=available
    )


def load_item(
    raw_item: Any,
    *,
    path: str,
    language: str,
    source_default: str,
    seen_items: dict[str, str],
    out: _Collector,
) -> ItemDoc | None:
    if not isinstance(raw_item, Mapping):
        out.add(msg("Must be a map describing one item."), path=path)
        return None
    item_id = raw_item.get("id") if isinstance(raw_item.get("id"), str) else None
    label = item_id or path
    if item_id is not None:
        if item_id in seen_items:
            out.add(
                msg("Duplicate item id (first used at %(first)s).", first=seen_items[item_id]),
                item=item_id,
                path="id",
            )
        else:
            seen_items[item_id] = path
    item_type = raw_item.get("type")
    if not isinstance(item_type, str) or item_type_or_none(item_type) is None:
        # Still check the common fields so every problem shows up in one report.
        try:
            ItemBaseSchema(exclude=("type",), unknown=EXCLUDE).load(dict(raw_item))
        except ValidationError as error:
            out.add_marshmallow(error, item=label)
        if item_type is None:
            out.add(msg("Missing data for required field."), item=label, path="type")
        else:
            out.add(
                msg(
                    "Unknown item type %(type)r (known: %(known)s).",
                    type=item_type,
                    known=", ".join(REGISTRY),
                ),
                item=label,
                path="type",
            )
        return None
    try:
        data = _schema(item_type).load(dict(raw_item))
    except ValidationError as error:
        out.add_marshmallow(error, item=label)
        return None
    errors_before = len(out.issues)
    content = _build_content(data, language, label, out)
    if len(out.issues) > errors_before or content is None:
        return None
    return ItemDoc(
        uid=data["id"],
        type=data["type"],
        points=float(data["points"]),
        source=(data["source"] or source_default).strip(),
        tags=tuple(dict.fromkeys(tag.strip() for tag in data["tags"])),
        content=content,
    )


_SCHEMA_CACHE: dict[str, ItemBaseSchema] = {}


def _schema(item_type: str) -> ItemBaseSchema:
    """One schema instance per type: building a marshmallow schema costs more than a load."""
    schema = _SCHEMA_CACHE.get(item_type)
    if schema is None:
        schema = _SCHEMA_CACHE[item_type] = REGISTRY[item_type].schema()
    return schema


def _context(out: _Collector, language: str, item: str | None) -> ContentContext:
    return ContentContext(language, lambda message, path: out.add(message, item=item, path=path))


def _require_fallback(
    translations: Mapping[str, Any], language: str, out: _Collector, *, path: str
) -> None:
    _context(out, language, None).require_fallback(translations, path)


def _html_map(
    translations: Mapping[str, str], out: _Collector, item: str | None, path: str
) -> dict[str, str]:
    """An assessment's own text (instructions, feedback bands): HTML without pictures, which
    only questions show; the sanitiser would drop one silently, so the author is told."""
    for lang, text in translations.items():
        if "<img" in text.lower():
            out.add(
                msg(
                    "Pictures are shown in questions only: move the picture into a question, "
                    "or describe it in words here."
                ),
                item=item,
                path=f"{path}.{lang}",
            )
    return _context(out, FALLBACK_LANGUAGE, item).sanitized(translations, path)


def _build_content(
    data: dict[str, Any], language: str, item: str, out: _Collector
) -> dict[str, Any] | None:
    """The stored content of one item: stem and feedback here, the rest from its type."""
    ctx = _context(out, language, item)
    content: dict[str, Any] = {"default_language": language, "stem": ctx.html(data["stem"], "stem")}
    content["feedback"] = {
        key: ctx.html(value, f"feedback.{key}") for key, value in data["feedback"].items() if value
    }
    content.update(REGISTRY[data["type"]].build_content(data, ctx))
    return content


def item_texts(item: ItemDoc) -> list[Mapping[str, str]]:
    """The translations a learner must be able to read to answer the item."""
    return [item.content["stem"], *REGISTRY[item.type].learner_texts(item.content)]


def available_languages(doc: AssessmentDoc) -> tuple[str, ...]:
    """Languages in which the title and every learner-facing text of every item are written
    (the default language always counts: fallback covers it)."""
    result = []
    for lang in SUPPORTED_LANGUAGES:
        if lang == doc.default_language:
            result.append(lang)
            continue
        if lang not in doc.title:
            continue
        if all(lang in texts for item in doc.items for texts in item_texts(item)):
            result.append(lang)
    return tuple(result)
