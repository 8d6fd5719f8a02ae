"""Which questions an attempt shows, and in which order its options appear.

Reproducible: the same version, seed and earlier exposure always give the same questions and
orders (the attempts engine stores the seed). Pools keep their authored order; within a pool the
drawn items come in random order. Choice options and matching answers are shuffled; true/false
options are not (learners expect True before False).

Retakes prefer what the learner has not seen, as Moodle's random questions prefer the least
used: each pool draws its unseen items first, then those seen the fewest times, then those seen
longest ago; ties are broken at random. A pool smaller than two draws therefore repeats only as
many items as its size forces.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from item_bank.item_types import item_type


class DrawnItem(Protocol):
    """What a draw reads of an item version (an ItemVersion row, or a cached snapshot)."""

    @property
    def id(self) -> int: ...
    @property
    def item_uid(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def content(self) -> Mapping[str, Any]: ...


class DrawnMember(Protocol):
    @property
    def position(self) -> int: ...
    @property
    def item_version(self) -> DrawnItem: ...


class DrawnPool(Protocol):
    @property
    def position(self) -> int: ...
    @property
    def draw_count(self) -> int: ...
    @property
    def members(self) -> Sequence[DrawnMember]: ...


class DrawnVersion(Protocol):
    """What a draw reads of an assessment version: its pools (AssessmentVersion fits)."""

    @property
    def pools(self) -> Sequence[DrawnPool]: ...


@dataclass(frozen=True)
class DrawnQuestion:
    item_version_id: int
    option_order: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Exposure:
    """How often a learner has already been shown an item (by its uid, across item versions)."""

    times: int  # in how many earlier attempts
    last_attempt: int  # the number of the latest of them (larger is more recent)


NO_EXPOSURE: Mapping[str, Exposure] = {}


def option_ids_in_authored_order(item_version: DrawnItem) -> list[str]:
    """The ids `option_order` permutes: choice options, or matching answers (pairs, distractors)."""
    return item_type(item_version.type).option_ids(item_version.content)


def shuffled_option_order(item_version: DrawnItem, rng: random.Random) -> list[str]:
    order = option_ids_in_authored_order(item_version)
    if item_type(item_version.type).shuffles_options:
        rng.shuffle(order)
    return order


def draw_questions(
    version: DrawnVersion, seed: int, seen: Mapping[str, Exposure] = NO_EXPOSURE
) -> list[DrawnQuestion]:
    """`seen` holds the learner's earlier attempts at this placement (empty for a first one)."""
    rng = random.Random(seed)  # a private generator: the global one is never touched
    drawn: list[DrawnQuestion] = []
    for pool in sorted(version.pools, key=lambda p: p.position):
        members = sorted(pool.members, key=lambda m: m.position)
        for member in _pick(members, pool.draw_count, rng, seen):
            item_version = member.item_version
            drawn.append(DrawnQuestion(item_version.id, shuffled_option_order(item_version, rng)))
    return drawn


def _pick(
    members: Sequence[DrawnMember], count: int, rng: random.Random, seen: Mapping[str, Exposure]
) -> list[DrawnMember]:
    """`count` members, the least seen first, in random order."""
    if not any(m.item_version.item_uid in seen for m in members):
        # Nothing seen yet: the plain draw, so a first attempt's seed means what it always did.
        return rng.sample(list(members), count)

    def rank(member: DrawnMember) -> tuple[int, int, float]:
        exposure = seen.get(member.item_version.item_uid, Exposure(times=0, last_attempt=0))
        return (exposure.times, exposure.last_attempt, rng.random())

    ranks = {id(m): rank(m) for m in members}  # one random tie-breaker each, in authored order
    chosen = sorted(members, key=lambda m: ranks[id(m)])[:count]
    rng.shuffle(chosen)  # the order shown says nothing about which items were unseen
    return chosen
