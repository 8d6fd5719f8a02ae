"""Overall feedback by score band (Moodle's quiz "overall feedback"): which band's text a
score earns. Bands are stored highest first (`validation._feedback_bands`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_EPSILON = 1e-9  # a score stored to 2 decimals meets a band's start despite float noise


def band_text(bands: Sequence[Mapping[str, Any]], score_percent: float) -> Mapping[str, str] | None:
    """The texts (per language) of the highest band the score reaches, or None."""
    reached = [b for b in bands if score_percent + _EPSILON >= float(b["min_percent"])]
    if not reached:
        return None
    return max(reached, key=lambda band: float(band["min_percent"]))["text"]
