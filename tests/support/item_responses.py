"""Synthetic right/wrong answers from a Rasch model, for the item-analysis tests: learners of
one ability distribution in each language, and optionally one item that is harder in one
language only (what a bad translation does)."""

from __future__ import annotations

import numpy as np

ITEMS = 10


def rasch_answers(
    per_language: int,
    *,
    languages: tuple[str, ...] = ("en", "es"),
    harder_item: int | None = None,
    harder_in: str = "es",
    seed: int = 7,
) -> list[tuple[str, list[bool]]]:
    """(language, right or wrong per item) for each learner; item difficulties spread from
    -1.2 to 1.2 logits, `harder_item` 2 logits harder for the `harder_in` learners only."""
    rng = np.random.default_rng(seed)
    difficulty = np.linspace(-1.2, 1.2, ITEMS)
    learners: list[tuple[str, list[bool]]] = []
    for language in languages:
        ability = rng.normal(0.0, 1.2, per_language)
        shift = np.zeros(ITEMS)
        if language == harder_in and harder_item is not None:
            shift[harder_item] = 2.0
        chance = 1 / (1 + np.exp(-(ability[:, None] - difficulty[None, :] - shift[None, :])))
        right = rng.random(chance.shape) < chance
        learners.extend((language, [bool(r) for r in row]) for row in right)
    return learners
