"""Two confirmations of one upload at once (a double click, two tabs of the launch): one
imports it, the other is told it was already imported; never a 500 (PostgreSQL, real threads)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from item_bank.models import AssessmentVersion
from lti_tool import db
from lti_tool.authoring import service
from tests.integration.authoring.conftest import WITH_IMAGE
from tests.integration.authoring.test_authoring_pages import UPLOAD_TOKEN, _upload


def _lock_waits(app) -> int:
    with app.app_context(), db.session_scope() as session:
        return session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
        )


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_confirmations_at_once_import_once(app, author, monkeypatch):
    page = _upload(author, WITH_IMAGE.read_bytes(), "geo.xml").get_data(as_text=True)
    token = UPLOAD_TOKEN.search(page).group(1)

    first_imported, release = threading.Event(), threading.Event()
    real_import = service.import_upload

    def import_then_hold(*args, **kwargs):
        report = real_import(*args, **kwargs)
        if not first_imported.is_set():  # the first confirmation holds its transaction open
            first_imported.set()
            assert release.wait(timeout=120)
        return report

    monkeypatch.setattr(service, "import_upload", import_then_hold)
    statuses: dict[str, int] = {}

    def confirm(name: str) -> None:
        tab = author.tab()
        statuses[name] = tab.post("/authoring/uploads/confirm", {"upload": token}).status_code

    first = threading.Thread(target=confirm, args=("first",))
    first.start()
    assert first_imported.wait(timeout=120)
    second = threading.Thread(target=confirm, args=("second",))
    second.start()
    # Wait (no sleeping for time) until the second confirmation waits on the first's lock.
    for _ in range(10_000):
        if _lock_waits(app) or not second.is_alive():
            break
    release.set()
    first.join(timeout=120)
    second.join(timeout=120)

    assert statuses == {"first": 200, "second": 404}
    with app.app_context(), db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(AssessmentVersion)) == 1
