"""Raw authoring-format dict -> `AssessmentDoc`, collecting every problem (never stopping at the
first) as an `Issue` that names the file, the item id and the field path."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from marshmallow import EXCLUDE, ValidationError

from item_bank.documents import AssessmentDoc, ItemDoc, PoolDoc, RulesDoc
from item_bank.item_types import (
    CHOICE_TYPES,
    MATCHING,
    MULTIPLE_RESPONSE,
    NUMERICAL,
    SHORT_ANSWER,
    SINGLE_CHOICE,
    TRUE_FALSE,
    distractor_id,
)
from item_bank.languages import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES
from item_bank.reports import ERROR, Issue
from item_bank.sanitize import plain_text, sanitize_html
from item_bank.schemas import (
    ITEM_SCHEMAS,
    AssessmentSchema,
    DocumentSchema,
    ItemBaseSchema,
    PoolHeaderSchema,
)

_DISTRACTOR_ID = re.compile(r"^d\d+$")


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
        yield prefix, str(messages)


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
        out.add("The file must contain a map with 'assessment' and 'pools'.")
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
    )
    if out.issues:
        return None, out.issues
    doc = replace(doc, languages=available_languages(doc))
    return doc, []


def _seconds(minutes: float) -> int:
    return int(round(float(minutes) * 60))


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
            out.add("Must be a map.", path="assessment")
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
        out.add("Must be a map with id, draw and items.", path=where)
        return None
    errors_before = len(out.issues)
    try:
        header = PoolHeaderSchema().load(dict(raw_pool))
    except ValidationError as error:
        out.add_marshmallow(error, prefix=where)
        header = None
    pool_key = raw_pool.get("id") if isinstance(raw_pool.get("id"), str) else f"#{index + 1}"
    if header is not None:
        where = f"pool {pool_key}"
        if pool_key in seen_pools:
            out.add(f"Duplicate pool id {pool_key!r}.", path=f"pools[{index}].id")
        seen_pools.add(pool_key)
        if header["title"]:
            _require_fallback(header["title"], language, out, path=f"{where}.title")
    raw_items = raw_pool.get("items") if isinstance(raw_pool.get("items"), list) else []
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
        out.add(f"Draws {draw} items but the pool has only {len(items)}.", path=f"{where}.draw")
        return None
    return PoolDoc(
        key=pool_key,
        title={lang: plain_text(text) for lang, text in header["title"].items()},
        draw=draw,
        items=tuple(items),
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
        out.add("Must be a map describing one item.", path=path)
        return None
    item_id = raw_item.get("id") if isinstance(raw_item.get("id"), str) else None
    label = item_id or path
    if item_id is not None:
        if item_id in seen_items:
            out.add(
                f"Duplicate item id (first used at {seen_items[item_id]}).", item=item_id, path="id"
            )
        else:
            seen_items[item_id] = path
    item_type = raw_item.get("type")
    schema_class = ITEM_SCHEMAS.get(item_type) if isinstance(item_type, str) else None
    if schema_class is None:
        # Still check the common fields so every problem shows up in one report.
        try:
            ItemBaseSchema(exclude=("type",), unknown=EXCLUDE).load(dict(raw_item))
        except ValidationError as error:
            out.add_marshmallow(error, item=label)
        if item_type is None:
            out.add("Missing data for required field.", item=label, path="type")
        else:
            out.add(
                f"Unknown item type {item_type!r} (known: {', '.join(ITEM_SCHEMAS)}).",
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
        schema = _SCHEMA_CACHE[item_type] = ITEM_SCHEMAS[item_type]()
    return schema


def _require_fallback(
    translations: Mapping[str, Any],
    language: str,
    out: _Collector,
    *,
    path: str,
    item: str | None = None,
) -> None:
    if language not in translations and FALLBACK_LANGUAGE not in translations:
        out.add(
            f"Needs the default language {language!r} (or {FALLBACK_LANGUAGE!r}) so every locale has a fallback.",
            item=item,
            path=path,
        )


def _html_map(
    translations: Mapping[str, str], out: _Collector, item: str | None, path: str
) -> dict[str, str]:
    result: dict[str, str] = {}
    for lang, text in translations.items():
        cleaned = sanitize_html(text)
        if not cleaned:
            out.add("Is empty once unsafe HTML is removed.", item=item, path=f"{path}.{lang}")
        result[lang] = cleaned
    return result


def _build_content(
    data: dict[str, Any], language: str, item: str, out: _Collector
) -> dict[str, Any] | None:
    def html(translations: Mapping[str, str], path: str) -> dict[str, str]:
        _require_fallback(translations, language, out, path=path, item=item)
        return _html_map(translations, out, item, path)

    content: dict[str, Any] = {"default_language": language, "stem": html(data["stem"], "stem")}
    feedback = {
        key: html(value, f"feedback.{key}") for key, value in data["feedback"].items() if value
    }
    content["feedback"] = feedback
    item_type = data["type"]

    if item_type in CHOICE_TYPES:
        options = []
        ids = [option["id"] for option in data["options"]]
        for dup in _duplicates(ids):
            out.add(f"Duplicate option id {dup!r}.", item=item, path="options")
        for index, option in enumerate(data["options"]):
            entry: dict[str, Any] = {
                "id": option["id"],
                "text": html(option["text"], f"options[{index}].text"),
                "correct": bool(option["correct"]),
            }
            if option["feedback"]:
                entry["feedback"] = html(option["feedback"], f"options[{index}].feedback")
            options.append(entry)
        right = sum(1 for option in options if option["correct"])
        if item_type == SINGLE_CHOICE and right != 1:
            out.add(
                f"A single-choice question needs exactly one right option (correct: true); found {right}.",
                item=item,
                path="options",
            )
        if item_type == MULTIPLE_RESPONSE and right < 1:
            out.add(
                "A multiple-response question needs at least one right option (correct: true).",
                item=item,
                path="options",
            )
        content["options"] = options
    elif item_type == TRUE_FALSE:
        content["answer"] = bool(data["answer"])
    elif item_type == MATCHING:
        ids = [pair["id"] for pair in data["pairs"]]
        for dup in _duplicates(ids):
            out.add(f"Duplicate pair id {dup!r}.", item=item, path="pairs")
        for index, pair_id in enumerate(ids):
            if _DISTRACTOR_ID.match(pair_id):
                out.add(
                    f"Pair id {pair_id!r} is reserved for distractors (d1, d2, ...).",
                    item=item,
                    path=f"pairs[{index}].id",
                )
        pairs = [
            {
                "id": pair["id"],
                "prompt": html(pair["prompt"], f"pairs[{index}].prompt"),
                "answer": html(pair["answer"], f"pairs[{index}].answer"),
            }
            for index, pair in enumerate(data["pairs"])
        ]
        distractors = [
            {"id": distractor_id(index), "text": html(text, f"distractors[{index}]")}
            for index, text in enumerate(data["distractors"])
        ]
        answers = [(pair["answer"], f"pairs[{i}].answer") for i, pair in enumerate(pairs)]
        answers += [(d["text"], f"distractors[{i}]") for i, d in enumerate(distractors)]
        for lang in {lang for translations, _ in answers for lang in translations}:
            seen: dict[str, str] = {}
            for translations, path in answers:
                text = translations.get(lang)
                if text is None:
                    continue
                key = plain_text(text).casefold()
                if key in seen:
                    out.add(
                        f"Same answer text as {seen[key]} ({lang}): learners could not tell them apart.",
                        item=item,
                        path=f"{path}.{lang}",
                    )
                seen[key] = path
        content["pairs"] = pairs
        content["distractors"] = distractors
    elif item_type == SHORT_ANSWER:
        accepted: dict[str, list[str]] = {}
        for lang, answers_raw in data["accepted"].items():
            lang = language if lang == "_default" else lang
            cleaned = [plain_text(answer) for answer in answers_raw]
            if any(not answer for answer in cleaned):
                out.add(
                    "An accepted answer is empty once HTML is removed.",
                    item=item,
                    path=f"accepted.{lang}",
                )
            accepted.setdefault(lang, [])
            accepted[lang] = list(dict.fromkeys([*accepted[lang], *cleaned]))
        _require_fallback(accepted, language, out, path="accepted", item=item)
        content["accepted"] = {
            lang: accepted[lang] for lang in SUPPORTED_LANGUAGES if lang in accepted
        }
        content["case_sensitive"] = bool(data["case_sensitive"])
    elif item_type == NUMERICAL:
        content["answer"] = float(data["answer"])
        content["tolerance"] = float(data["tolerance"])
    return content


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    dups: list[str] = []
    for value in values:
        if value in seen and value not in dups:
            dups.append(value)
        seen.add(value)
    return dups


def item_texts(item: ItemDoc) -> list[Mapping[str, str]]:
    """The translations a learner must be able to read to answer the item."""
    content = item.content
    texts: list[Mapping[str, str]] = [content["stem"]]
    texts += [option["text"] for option in content.get("options", [])]
    for pair in content.get("pairs", []):
        texts += [pair["prompt"], pair["answer"]]
    texts += [d["text"] for d in content.get("distractors", [])]
    return texts


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
