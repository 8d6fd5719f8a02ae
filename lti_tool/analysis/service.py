"""Item analysis of a placement, one unit of work per request (ADR 0012).

`analyse` settles the placement's live attempts (a report tells the truth), reads the data
stamp, then takes the dataset (the response matrix and the item texts) and, once the
transaction has ended, the analysis for the requested selection and language from the per-app
cache, computing what is missing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.catalog import latest_version
from item_bank.models import AssessmentVersion
from lti_tool.analysis import reading
from lti_tool.analysis.caching import app_cache
from lti_tool.analysis.differential import LanguageDifference, language_differences
from lti_tool.analysis.flags import Flag, item_flags
from lti_tool.analysis.matrix import ItemColumn, ResponseMatrix
from lti_tool.analysis.matrix import select as select_attempts
from lti_tool.analysis.reading import DataStamp, ItemTexts
from lti_tool.analysis.statistics import (
    AssessmentStats,
    ItemStats,
    assessment_stats,
    item_stats,
    language_facilities,
    score_histogram,
)
from lti_tool.attempts.models import Attempt
from lti_tool.attempts.reports import settle_placement
from lti_tool.db import unit_of_work
from lti_tool.launch.models import Placement


class UnknownVersion(Exception):
    """The placement has no attempts on, and does not use, the version asked for."""


@dataclass(frozen=True)
class VersionInfo:
    id: int
    number: int
    title: Mapping[str, str]
    default_language: str
    pass_mark_percent: float

    @classmethod
    def of(cls, version: AssessmentVersion) -> VersionInfo:
        return cls(
            version.id,
            version.number,
            dict(version.title),
            version.default_language,
            version.pass_mark_percent,
        )


@dataclass(frozen=True)
class Dataset:
    placement_id: int
    version: VersionInfo
    items: tuple[ItemColumn, ...]
    texts: Mapping[int, ItemTexts]
    matrix: ResponseMatrix
    stamp: DataStamp
    read_at: datetime


@dataclass(frozen=True)
class ItemRow:
    position: int  # 1-based, in pool order
    stats: ItemStats
    flags: tuple[Flag, ...]
    differences: tuple[LanguageDifference, ...]
    facilities: tuple[tuple[str, int, float], ...]  # (language, attempts, facility)

    @property
    def item(self) -> ItemColumn:
        return self.stats.item


@dataclass(frozen=True)
class Analysis:
    dataset: Dataset
    selection: str
    language: str | None
    summary: AssessmentStats
    histogram: tuple[int, ...]
    items: tuple[ItemRow, ...]
    languages: tuple[str, ...]  # every language in the data, whatever the filter

    def item(self, item_version_id: int) -> ItemRow | None:
        return next((r for r in self.items if r.item.item_version_id == item_version_id), None)


@dataclass(frozen=True)
class Report:
    analysis: Analysis
    versions: tuple[tuple[int, int], ...]  # (id, number) newest first


def placement_versions(session: Session, placement: Placement) -> list[AssessmentVersion]:
    """Versions with attempts in the placement, and the one it uses now; newest first."""
    used = select(Attempt.assessment_version_id).where(
        Attempt.placement_id == placement.id, Attempt.preview.is_(False)
    )
    versions = {
        v.id: v
        for v in session.scalars(select(AssessmentVersion).where(AssessmentVersion.id.in_(used)))
    }
    current = (
        latest_version(session, placement.assessment_slug) if placement.assessment_slug else None
    )
    if current is not None:
        versions.setdefault(current.id, current)
    return sorted(versions.values(), key=lambda v: v.number, reverse=True)


def _read_dataset(
    session: Session, placement_id: int, version: AssessmentVersion, stamp: DataStamp, now: datetime
) -> Dataset:
    items, texts = reading.version_items(session, version.id)
    matrix = reading.read_matrix(session, placement_id, version.id, items)
    return Dataset(placement_id, VersionInfo.of(version), tuple(items), texts, matrix, stamp, now)


def compute(dataset: Dataset, selection: str, language: str | None) -> Analysis:
    """The figures of `dataset` for one selection of attempts and one language (None: all).
    The language comparison always uses every language of the selection."""
    selected = select_attempts(dataset.matrix, selection)
    shown = selected.in_language(language)
    differences = language_differences(selected)
    rows = []
    for column, stats in enumerate(item_stats(shown)):
        mine = tuple(d for d in differences if d.column == column)
        rows.append(
            ItemRow(
                column + 1,
                stats,
                tuple(item_flags(stats, mine)),
                mine,
                tuple(language_facilities(selected, column)),
            )
        )
    return Analysis(
        dataset,
        selection,
        language,
        assessment_stats(shown),
        tuple(score_histogram(shown.score_percent)),
        tuple(rows),
        tuple(selected.language_list()),
    )


def analyse(
    placement: Placement,
    *,
    version_id: int | None,
    selection: str,
    language: str | None,
    now: datetime,
) -> Report:
    with unit_of_work() as session:
        settle_placement(session, placement.id, now)
        versions = placement_versions(session, placement)
        if not versions:
            raise UnknownVersion()
        version = (
            versions[0]
            if version_id is None
            else next((v for v in versions if v.id == version_id), None)
        )
        if version is None:
            raise UnknownVersion()
        stamp = reading.data_stamp(session, placement.id, version.id)
        cache = app_cache()
        cache.drop_other_stamps((placement.id, version.id), stamp)
        key = (placement.id, version.id, stamp)
        dataset = cache.get_or_make(
            key, lambda: _read_dataset(session, placement.id, version, stamp, now)
        )
        choices = tuple((v.id, v.number) for v in versions)
    # Computed after the transaction ends: it reads nothing, and on SQLite a transaction holds
    # the write lock, which learners saving answers must not wait on for seconds.
    analysis = cache.get_or_make(
        (*key, selection, language), lambda: compute(dataset, selection, language)
    )
    return Report(analysis, choices)


def pseudonym(secret: str, placement_id: int, learner: int) -> str:
    """A learner's stable name in exports of this placement: it links a learner's attempts to
    each other, and to nothing outside the tool (a keyed hash, not the platform's user id)."""
    digest = hmac.new(
        secret.encode(), f"analysis:{placement_id}:{learner}".encode(), hashlib.sha256
    )
    return "L-" + digest.hexdigest()[:12]
