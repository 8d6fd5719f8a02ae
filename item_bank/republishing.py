"""A new version of a published assessment with other rules or pool draws (the authoring
forms), validated by the same schemas as the YAML format; its items stay the same versions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from marshmallow import ValidationError

from item_bank.documents import AssessmentDoc, ItemDoc, PoolDoc, RulesDoc
from item_bank.models import AssessmentVersion, ItemVersion
from item_bank.reports import ERROR, Issue
from item_bank.schemas import AssessmentSchema, PoolHeaderSchema
from item_bank.validation import available_languages, draw_too_large, flatten_messages


def _minutes(seconds: int | None) -> float | None:
    return None if seconds is None else seconds / 60


def settings_of(version: AssessmentVersion) -> dict[str, Any]:
    """The version's rules and draws in the authoring format (minutes): the forms' values."""
    return {
        "pass_mark_percent": version.pass_mark_percent,
        "rules": {
            "inactivity_timeout_minutes": _minutes(version.inactivity_timeout_seconds),
            "time_limit_minutes": _minutes(version.time_limit_seconds),
            "max_attempts": version.max_attempts,
            "retake_delay_minutes": _minutes(version.retake_delay_seconds),
            "review": version.review_policy,
        },
        "draws": {pool.key: pool.draw_count for pool in version.pools},
    }


def _item_doc(item: ItemVersion) -> ItemDoc:
    return ItemDoc(
        uid=item.item_uid,
        type=item.type,
        points=item.points,
        source=item.source,
        tags=tuple(item.tags),
        content=item.content,
    )


def _pools(
    version: AssessmentVersion, draws: Mapping[str, Any], label: str, issues: list[Issue]
) -> list[PoolDoc]:
    """The version's pools with the draws of `draws` (pool key -> draw), checked by the YAML
    pool schema; problems go to `issues`."""
    pools = []
    for pool in version.pools:
        items = tuple(_item_doc(item) for item in pool.item_versions)
        where = f"pool {pool.key}.draw"
        try:
            draw = PoolHeaderSchema().load(
                {"id": pool.key, "draw": draws.get(pool.key, pool.draw_count), "items": list(items)}
            )["draw"] or len(items)
        except ValidationError as error:
            issues += [
                Issue(label, m, field=where, severity=ERROR)
                for _p, m in flatten_messages(error.messages)
            ]
            continue
        if draw > len(items):
            issues.append(Issue(label, draw_too_large(draw, len(items)), field=where))
        pools.append(PoolDoc(pool.key, dict(pool.title), draw, items))
    return pools


def with_settings(
    version: AssessmentVersion, raw: Mapping[str, Any], label: str
) -> tuple[AssessmentDoc | None, list[Issue]]:
    """`version` with the pass mark, rules and draws of `raw` (shaped like `settings_of`)."""
    issues: list[Issue] = []
    header = {
        "slug": version.assessment.slug,
        "default_language": version.default_language,
        "title": version.title,
        "pass_mark_percent": raw.get("pass_mark_percent"),
        "rules": raw.get("rules"),
    }
    try:
        loaded = AssessmentSchema().load(header)
    except ValidationError as error:
        issues += [
            Issue(label, m, field=p, severity=ERROR) for p, m in flatten_messages(error.messages)
        ]
        loaded = None
    pools = _pools(version, raw.get("draws") or {}, label, issues)
    if issues or loaded is None:
        return None, issues
    rules = loaded["rules"]
    doc = AssessmentDoc(
        slug=version.assessment.slug,
        default_language=version.default_language,
        title=dict(version.title),
        instructions=dict(version.instructions),
        pass_mark_percent=float(loaded["pass_mark_percent"]),
        rules=RulesDoc(
            inactivity_timeout_seconds=round(rules["inactivity_timeout_minutes"] * 60),
            time_limit_seconds=None
            if rules["time_limit_minutes"] is None
            else round(rules["time_limit_minutes"] * 60),
            max_attempts=rules["max_attempts"],
            retake_delay_seconds=round(rules["retake_delay_minutes"] * 60),
            review_policy=rules["review"],
        ),
        pools=tuple(pools),
        source_file=label,
    )
    return replace(doc, languages=available_languages(doc)), []
