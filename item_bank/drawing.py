"""Which questions an attempt shows, and in which order its options appear.

Reproducible: the same version and seed always give the same questions and orders (the
attempts engine stores the seed). Pools keep their authored order; within a pool the drawn
items come in random order. Choice options and matching answers are shuffled; true/false
options are not (learners expect True before False).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from item_bank.item_types import CHOICE_TYPES, MATCHING, TRUE_FALSE, TRUE_FALSE_OPTION_IDS
from item_bank.models import AssessmentVersion, ItemVersion


@dataclass(frozen=True)
class DrawnQuestion:
    item_version_id: int
    option_order: list[str] = field(default_factory=list)


def option_ids_in_authored_order(item_version: ItemVersion) -> list[str]:
    """The ids `option_order` permutes: choice options, or matching answers (pairs + distractors)."""
    content = item_version.content
    if item_version.type in CHOICE_TYPES:
        return [option["id"] for option in content["options"]]
    if item_version.type == MATCHING:
        return [pair["id"] for pair in content["pairs"]] + [
            d["id"] for d in content.get("distractors", [])
        ]
    if item_version.type == TRUE_FALSE:
        return list(TRUE_FALSE_OPTION_IDS)
    return []


def shuffled_option_order(item_version: ItemVersion, rng: random.Random) -> list[str]:
    order = option_ids_in_authored_order(item_version)
    if item_version.type in CHOICE_TYPES or item_version.type == MATCHING:
        rng.shuffle(order)
    return order


def draw_questions(version: AssessmentVersion, seed: int) -> list[DrawnQuestion]:
    rng = random.Random(seed)  # a private generator: the global one is never touched
    drawn: list[DrawnQuestion] = []
    for pool in sorted(version.pools, key=lambda p: p.position):
        members = sorted(pool.members, key=lambda m: m.position)
        for member in rng.sample(members, pool.draw_count):
            item_version = member.item_version
            drawn.append(DrawnQuestion(item_version.id, shuffled_option_order(item_version, rng)))
    return drawn
