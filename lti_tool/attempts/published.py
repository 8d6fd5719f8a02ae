"""Published assessment content, read once per process: item versions and the pools of an
assessment version.

Published content never changes (item_bank.models refuses updates to it), so once a process
has read an item version or a version's pools it keeps them and the hot paths (start, save,
submit) ask the database nothing more about them. What is kept are plain frozen snapshots, not
ORM objects: they belong to no Session, so no identity map, lazy load or expiry touches them,
and a request can never change them by mistake (treat `content` as read-only).

The cache belongs to the database engine (a weak key: an engine that goes away takes its
cache along), so two databases in one process (tests: one per test) never share ids.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from item_bank.models import AssessmentVersion, ItemVersion, Pool, PoolItem


@dataclass(frozen=True)
class PublishedItem:
    """An item version as the hot paths read it (item_bank's ItemLike: type, points, content)."""

    id: int
    item_uid: str
    type: str
    points: float
    content: dict[str, Any]  # read-only: shared by every request of the process


@dataclass(frozen=True)
class PublishedMember:
    position: int
    item_version: PublishedItem


@dataclass(frozen=True)
class PublishedPool:
    position: int
    draw_count: int
    members: tuple[PublishedMember, ...]


@dataclass(frozen=True)
class PublishedPools:
    """What a draw reads from an assessment version: its pools, in authored order."""

    version_id: int
    pools: tuple[PublishedPool, ...]

    def points_of(self, item_version_id: int) -> float:
        for pool in self.pools:
            for member in pool.members:
                if member.item_version.id == item_version_id:
                    return member.item_version.points
        raise KeyError(item_version_id)


# A bound, not an eviction policy: published content is small and read again and again; a
# process that ever holds more than this (years of imports) starts afresh.
MAX_ITEMS = 8192
MAX_VERSIONS = 256


class _Cache:
    def __init__(self) -> None:
        self.items: dict[int, PublishedItem] = {}
        self.pools: dict[int, PublishedPools] = {}
        self.pass_marks: dict[int, float] = {}


_caches: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache(session: Session | Connection) -> _Cache:
    engine = session.engine if isinstance(session, Connection) else session.get_bind().engine
    with _caches_lock:  # only the first request of an engine creates its cache
        found = _caches.get(engine)
        if found is None:
            found = _caches[engine] = _Cache()
        return found


_ITEM_COLUMNS = (
    ItemVersion.id,
    ItemVersion.item_uid,
    ItemVersion.type,
    ItemVersion.points,
    ItemVersion.content,
)


def _snapshot(id_: int, item_uid: str, type_: str, points: float, content: Any) -> PublishedItem:
    return PublishedItem(id_, item_uid, type_, float(points), content)


def item_versions(session: Session | Connection, ids: Iterable[int]) -> dict[int, PublishedItem]:
    """The item versions with these ids (one query for those this process has not read yet).
    A Connection will do as well as a Session: the answer save has one and no Session."""
    cache = _cache(session)
    wanted = set(ids)
    missing = wanted - cache.items.keys()
    if missing:
        if len(cache.items) > MAX_ITEMS:
            cache.items.clear()
        # Columns, not ORM entities: nothing enters the Session's identity map.
        for row in session.execute(select(*_ITEM_COLUMNS).where(ItemVersion.id.in_(missing))):
            cache.items[row[0]] = _snapshot(*row)
    return {id_: cache.items[id_] for id_ in wanted}


def item_version(session: Session | Connection, item_version_id: int) -> PublishedItem:
    return item_versions(session, [item_version_id])[item_version_id]


def pools_of(session: Session, version_id: int) -> PublishedPools:
    """The pools of an assessment version with their members' item versions (one query the
    first time in this process, none after)."""
    cache = _cache(session)
    found = cache.pools.get(version_id)
    if found is None:
        if len(cache.pools) > MAX_VERSIONS:
            cache.pools.clear()
        found = cache.pools[version_id] = _load_pools(session, cache, version_id)
    return found


def _load_pools(session: Session, cache: _Cache, version_id: int) -> PublishedPools:
    rows = session.execute(
        select(Pool.position, Pool.draw_count, PoolItem.position, *_ITEM_COLUMNS)
        .join(PoolItem, PoolItem.pool_id == Pool.id)
        .join(ItemVersion, ItemVersion.id == PoolItem.item_version_id)
        .where(Pool.assessment_version_id == version_id)
        .order_by(Pool.position, PoolItem.position)
    )
    grouped: dict[int, tuple[int, list[PublishedMember]]] = {}
    for pool_position, draw_count, member_position, *item_columns in rows:
        item = cache.items.get(item_columns[0]) or _snapshot(*item_columns)
        cache.items[item.id] = item
        members = grouped.setdefault(pool_position, (draw_count, []))[1]
        members.append(PublishedMember(member_position, item))
    return PublishedPools(
        version_id,
        tuple(
            PublishedPool(position, draw_count, tuple(members))
            for position, (draw_count, members) in grouped.items()
        ),
    )


def pass_mark_of(session: Session, version_id: int) -> float:
    """An assessment version's pass mark (what scoring an attempt reads of its version)."""
    cache = _cache(session)
    found = cache.pass_marks.get(version_id)
    if found is None:
        if len(cache.pass_marks) > MAX_VERSIONS:
            cache.pass_marks.clear()
        found = session.scalar(
            select(AssessmentVersion.pass_mark_percent).where(AssessmentVersion.id == version_id)
        )
        if found is None:
            raise LookupError(f"no assessment version {version_id}")
        found = cache.pass_marks[version_id] = float(found)
    return found
