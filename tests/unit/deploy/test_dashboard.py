"""docs/dashboard.json uses only series the service exposes, and docs/operations.md's alerts
too: a renamed metric fails here, not on an operator's empty panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def _exposed_names(sqlite_app) -> set[str]:
    from prometheus_client.parser import text_string_to_metric_families

    response = sqlite_app.test_client().get("/metrics")
    assert response.status_code == 200
    names = set()
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        names.update(family.name + suffix for suffix in SUFFIXES)
    return names


def _used_names(text: str) -> set[str]:
    return set(re.findall(r"\bemm_[a-z_]+", text))


def test_every_panel_reads_an_exposed_series(sqlite_app):
    dashboard = json.loads((ROOT / "docs/dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = _used_names("\n".join(exprs))
    assert len(used) >= 10
    assert used <= _exposed_names(sqlite_app), used - _exposed_names(sqlite_app)


def test_the_operations_guide_names_only_exposed_series(sqlite_app):
    used = _used_names((ROOT / "docs/operations.md").read_text())
    assert used <= _exposed_names(sqlite_app), used - _exposed_names(sqlite_app)
