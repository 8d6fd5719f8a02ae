"""Writes validated documents to the database: new versions only for changed content.

Item versions are keyed by content hash (identical content is the same version); an
assessment gets a new version when its content differs from its latest published version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.documents import AssessmentDoc, ItemDoc
from item_bank.models import Assessment, AssessmentVersion, Item, ItemVersion, Pool, PoolItem
from item_bank.reports import AssessmentImportResult, Issue

_CHUNK = 500  # stays far below every database's bound-parameter limit


class PublishConflict(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(str(issue) for issue in issues))
        self.issues = issues


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _owners(session: Session, uids: Sequence[str]) -> dict[str, tuple[int, str]]:
    owners: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(uids):
        rows = session.execute(
            select(Item.uid, Item.assessment_id, Assessment.slug)
            .join(Assessment, Assessment.id == Item.assessment_id)
            .where(Item.uid.in_(chunk))
        )
        owners.update({uid: (owner_id, slug) for uid, owner_id, slug in rows})
    return owners


def _conflicts(doc: AssessmentDoc, owners: dict[str, tuple[int, str]]) -> list[Issue]:
    return [
        Issue(
            doc.source_file,
            f"Item id already belongs to assessment {owners[item.uid][1]!r}; "
            "item ids are unique across the bank.",
            item_id=item.uid,
            field="id",
        )
        for item in doc.items
        if item.uid in owners and owners[item.uid][1] != doc.slug
    ]


def ownership_conflicts(session: Session, docs: Sequence[AssessmentDoc]) -> list[Issue]:
    """Item ids of `docs` that the bank already has under another assessment (read-only check)."""
    owners = _owners(session, [item.uid for doc in docs for item in doc.items])
    return [issue for doc in docs for issue in _conflicts(doc, owners)]


def publish(session: Session, doc: AssessmentDoc, *, now: datetime) -> AssessmentImportResult:
    """Publish `doc` (idempotent). Raises PublishConflict when an item id belongs to another
    assessment; the caller rolls back."""
    uids = [item.uid for item in doc.items]
    owners = _owners(session, uids)
    conflicts = _conflicts(doc, owners)
    if conflicts:
        raise PublishConflict(conflicts)
    assessment = session.scalar(select(Assessment).where(Assessment.slug == doc.slug))
    if assessment is None:
        assessment = Assessment(slug=doc.slug, created_at=now)
        session.add(assessment)
        session.flush()
    session.add_all(
        Item(uid=uid, assessment_id=assessment.id, created_at=now)
        for uid in uids
        if uid not in owners
    )
    versions_by_uid, created = _item_versions(session, doc, now)
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


def _item_versions(
    session: Session, doc: AssessmentDoc, now: datetime
) -> tuple[dict[str, ItemVersion], int]:
    """The version of each item of `doc` (an existing one when the content is the same) and
    how many were created."""
    uids = [item.uid for item in doc.items]
    existing: dict[tuple[str, str], ItemVersion] = {}
    latest_number: dict[str, int] = {}
    for chunk in _chunks(uids):
        for stored in session.scalars(select(ItemVersion).where(ItemVersion.item_uid.in_(chunk))):
            existing[(stored.item_uid, stored.content_hash)] = stored
            latest_number[stored.item_uid] = max(
                latest_number.get(stored.item_uid, 0), stored.version
            )
    created = 0
    versions_by_uid: dict[str, ItemVersion] = {}
    for item in doc.items:
        key = (item.uid, item.content_hash)
        version = existing.get(key)
        if version is None:
            version = _new_item_version(item, latest_number.get(item.uid, 0) + 1, now)
            session.add(version)
            existing[key] = version
            created += 1
        versions_by_uid[item.uid] = version
    session.flush()
    return versions_by_uid, created


def _new_item_version(item: ItemDoc, number: int, now: datetime) -> ItemVersion:
    return ItemVersion(
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
