"""The demo content shipped in item_bank/content/*.yaml."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from item_bank.loading import import_files
from item_bank.messages import msg
from item_bank.reports import ImportReport, Issue, ValidationReport

CONTENT_DIR = Path(__file__).parent / "content"


def load_demo_content(
    session: Session, *, now: datetime | None = None, directory: Path = CONTENT_DIR
) -> ImportReport:
    """Import every content/*.yaml (idempotent: unchanged files create no new versions).
    Each file is its own all-or-nothing import, so one broken file does not keep the others out;
    the combined report lists what loaded and what did not."""
    files = (
        sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]) if directory.is_dir() else []
    )
    combined = ImportReport(ValidationReport())
    if not files:
        combined.validation.issues.append(
            Issue(str(directory), msg("No demo content (*.yaml) found."), severity="warning")
        )
        return combined
    for path in files:
        report = import_files(session, [path], now=now)
        combined.validation.files += report.validation.files
        combined.validation.issues += report.validation.issues
        combined.validation.assessments += report.validation.assessments
        combined.validation.items += report.validation.items
        combined.conflicts += report.conflicts
        combined.results += report.results
    return combined
