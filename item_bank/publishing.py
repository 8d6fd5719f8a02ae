"""Writes validated documents to the database: new versions only for changed content.

Item versions are keyed by content hash (identical content is the same version); item ids are
scoped to their assessment (ADR 0023), so importing one assessment never touches another's
items. An assessment gets a new version when its content differs from its latest published version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.documents import AssessmentDoc, ItemDoc
from item_bank.media.store import DatabaseMediaStore, MediaStore
from item_bank.models import Assessment, AssessmentVersion, Item, ItemVersion, Pool, PoolItem
from item_bank.reports import AssessmentImportResult

_CHUNK = 500  # stays far below every database's bound-parameter limit


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def publish(
    session: Session, doc: AssessmentDoc, *, now: datetime, media_store: MediaStore | None = None
) -> AssessmentImportResult:
    """Publish `doc` (idempotent): items are looked up by id within this assessment only; its
    pictures go to `media_store` (by default the database, in the caller's transaction)."""
    store = media_store or DatabaseMediaStore(session)
    for image in doc.media.values():
        store.put(image, now=now)
    uids = [item.uid for item in doc.items]
    assessment = session.scalar(select(Assessment).where(Assessment.slug == doc.slug))
    if assessment is None:
        assessment = Assessment(slug=doc.slug, created_at=now)
        session.add(assessment)
        session.flush()
    items = _items(session, assessment.id, uids, now)
    versions_by_uid, created = _item_versions(session, doc, items, now)
    reused = len(uids) - created

    latest = session.scalar(
        select(AssessmentVersion)
        .where(AssessmentVersion.assessment_id == assessment.id)
        .order_by(AssessmentVersion.number.desc())
        .limit(1)
    )
    doc_hash = doc.content_hash
    if latest is not None and latest.content_hash == doc_hash:
        return AssessmentImportResult(doc.slug, latest.number, latest.id, False, created, reused)

    number = (latest.number if latest else 0) + 1
    assessment_version = _new_assessment_version(assessment, doc, number, doc_hash, now)
    session.add(assessment_version)
    for position, pool_doc in enumerate(doc.pools):
        pool = Pool(
            key=pool_doc.key, position=position, title=pool_doc.title, draw_count=pool_doc.draw
        )
        pool.members = [
            PoolItem(item_version=versions_by_uid[item.uid], position=index)
            for index, item in enumerate(pool_doc.items)
        ]
        assessment_version.pools.append(pool)
    session.flush()
    return AssessmentImportResult(doc.slug, number, assessment_version.id, True, created, reused)


def _items(
    session: Session, assessment_id: int, uids: Sequence[str], now: datetime
) -> dict[str, int]:
    """Item uid -> `Item.id` within the assessment, creating the items it does not have yet."""
    ids: dict[str, int] = {}
    for chunk in _chunks(uids):
        rows = session.execute(
            select(Item.uid, Item.id).where(
                Item.assessment_id == assessment_id, Item.uid.in_(chunk)
            )
        )
        ids.update({uid: id_ for uid, id_ in rows})
    new = [
        Item(uid=uid, assessment_id=assessment_id, created_at=now) for uid in uids if uid not in ids
    ]
    if new:
        session.add_all(new)
        session.flush()
        ids.update({item.uid: item.id for item in new})
    return ids


def _item_versions(
    session: Session, doc: AssessmentDoc, items: dict[str, int], now: datetime
) -> tuple[dict[str, ItemVersion], int]:
    """The version of each item of `doc` (an existing one when the content is the same) and
    how many were created."""
    item_ids = list(items.values())
    existing: dict[tuple[int, str], ItemVersion] = {}
    latest_number: dict[int, int] = {}
    for start in range(0, len(item_ids), _CHUNK):
        chunk = item_ids[start : start + _CHUNK]
        for stored in session.scalars(select(ItemVersion).where(ItemVersion.item_id.in_(chunk))):
            existing[(stored.item_id, stored.content_hash)] = stored
            latest_number[stored.item_id] = max(
                latest_number.get(stored.item_id, 0), stored.version
            )
    created = 0
    versions_by_uid: dict[str, ItemVersion] = {}
    for item in doc.items:
        item_id = items[item.uid]
        key = (item_id, item.content_hash)
        version = existing.get(key)
        if version is None:
            version = _new_item_version(item, item_id, latest_number.get(item_id, 0) + 1, now)
            session.add(version)
            existing[key] = version
            created += 1
        versions_by_uid[item.uid] = version
    session.flush()
    return versions_by_uid, created


def _new_item_version(item: ItemDoc, item_id: int, number: int, now: datetime) -> ItemVersion:
    return ItemVersion(
        item_id=item_id,
        item_uid=item.uid,
        version=number,
        type=item.type,
        points=item.points,
        content=item.content,
        content_hash=item.content_hash,
        source=item.source,
        tags=list(item.tags),
        created_at=now,
    )


def _new_assessment_version(
    assessment: Assessment, doc: AssessmentDoc, number: int, doc_hash: str, now: datetime
) -> AssessmentVersion:
    rules = doc.rules
    return AssessmentVersion(
        assessment=assessment,
        number=number,
        content_hash=doc_hash,
        published_at=now,
        source_file=doc.source_file[:500],
        default_language=doc.default_language,
        languages=list(doc.languages),
        title=doc.title,
        instructions=doc.instructions,
        pass_mark_percent=doc.pass_mark_percent,
        questions_drawn=doc.questions_drawn,
        inactivity_timeout_seconds=rules.inactivity_timeout_seconds,
        time_limit_seconds=rules.time_limit_seconds,
        max_attempts=rules.max_attempts,
        retake_delay_seconds=rules.retake_delay_seconds,
        review_policy=rules.review_policy,
        feedback_bands=[dict(band) for band in doc.feedback_bands],
    )
