"""The analysis as CSV rows (lti_tool.web.csv_export writes and defuses them): the item table
as shown, and the raw response matrix an analyst can recompute everything from. Learners
appear only as pseudonyms (service.pseudonym); column names are fixed English identifiers."""

from __future__ import annotations

import math
from collections.abc import Iterator

from lti_tool.analysis.service import Analysis, Dataset, pseudonym


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def item_table_rows(analysis: Analysis) -> Iterator[tuple[object, ...]]:
    languages = analysis.languages
    yield (
        "position",
        "item",
        "item_version",
        "type",
        "attempts",
        "facility",
        "sd",
        "discrimination",
        "discriminative_efficiency",
        "flags",
        "options",
        *(f"{kind}_{code}" for code in languages for kind in ("attempts", "facility")),
        *(f"{kind}_{code}" for code in languages for kind in ("dif_delta", "dif_p_holm")),
    )
    for row in analysis.items:
        s = row.stats
        facilities = {code: (n, f) for code, n, f in row.facilities}
        differences = {d.language: d for d in row.differences}
        yield (
            row.position,
            row.item.uid,
            row.item.version,
            row.item.type,
            s.n,
            _round(s.facility),
            _round(s.sd),
            _round(s.discrimination),
            _round(s.efficiency),
            " ".join(flag.code for flag in row.flags),
            "; ".join(f"{o.option}{'*' if o.keyed else ''}={o.count}" for o in s.options),
            *(
                value
                for code in languages
                for value in (
                    facilities.get(code, (0, None))[0],
                    _round(facilities.get(code, (0, None))[1]),
                )
            ),
            *(
                value
                for code in languages
                for value in (
                    _round(differences[code].delta) if code in differences else None,
                    _round(differences[code].p_holm, 6) if code in differences else None,
                )
            ),
        )


RESPONSE_COLUMNS = (
    "learner",
    "attempt",
    "language",
    "attempt_score_percent",
    "passed",
    "item",
    "item_version",
    "score",
    "points",
    "max_points",
    "options_chosen",
)


def response_rows(dataset: Dataset, secret: str) -> Iterator[tuple[object, ...]]:
    """One line per drawn item of each submitted attempt; score is the fraction of the item's
    points earned (0..1), options_chosen the chosen option ids separated by spaces."""
    yield RESPONSE_COLUMNS
    m = dataset.matrix
    names: dict[int, str] = {}
    percent = m.score_percent
    for r in range(m.n_attempts):
        learner = int(m.learners[r])
        name = names.setdefault(learner, pseudonym(secret, dataset.placement_id, learner))
        for c, item in enumerate(m.items):
            fraction = float(m.scores[r, c])
            if math.isnan(fraction):
                continue
            mask = int(m.choices[r, c])
            chosen = " ".join(o for j, o in enumerate(item.options) if mask >> j & 1)
            yield (
                name,
                int(m.numbers[r]),
                str(m.languages[r]),
                _round(float(percent[r])),
                bool(m.passed[r]),
                item.uid,
                item.version,
                _round(fraction, 6),
                _round(fraction * item.points, 6),
                item.points,
                chosen,
            )
