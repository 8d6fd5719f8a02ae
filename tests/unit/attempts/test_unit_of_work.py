"""`lti_tool.db.unit_of_work()`, the transaction boundary the attempt services own (ADR 0012):
what another connection sees after each way a block can end."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from config.settings import Settings
from lti_tool import db
from lti_tool.attempts.errors import AttemptOver


@pytest.fixture
def app(tmp_path):
    app = Flask(__name__)
    db.init_app(app, Settings(data_dir=tmp_path / "data", secret_key="x" * 40))
    with app.app_context(), db.engine().begin() as connection:
        connection.execute(text("CREATE TABLE marks (n INTEGER)"))
    yield app
    app.extensions["emm_engine"].dispose()


def _seen(app: Flask) -> list[int]:
    """The rows another connection sees: only what was committed."""
    with app.extensions["emm_engine"].connect() as connection:
        return [n for (n,) in connection.execute(text("SELECT n FROM marks ORDER BY n"))]


def _mark(session, n: int) -> None:
    session.execute(text("INSERT INTO marks (n) VALUES (:n)"), {"n": n})


def test_a_block_that_ends_commits(app):
    with app.app_context():
        with db.unit_of_work() as session:
            _mark(session, 1)
        assert _seen(app) == [1]


def test_a_block_that_raises_rolls_back(app):
    with app.app_context():
        with pytest.raises(ValueError), db.unit_of_work() as session:
            _mark(session, 1)
            raise ValueError("no")
        assert _seen(app) == []


def test_a_refusal_that_keeps_work_commits_then_propagates(app):
    with app.app_context():
        with pytest.raises(AttemptOver), db.unit_of_work() as session:
            _mark(session, 1)  # say, the attempt that settling just submitted
            raise AttemptOver()
        assert _seen(app) == [1]


def test_a_nested_block_joins_the_outer_one(app):
    with app.app_context():
        with pytest.raises(ValueError), db.unit_of_work() as outer:
            with db.unit_of_work() as inner:
                assert inner is outer
                _mark(inner, 1)
            raise ValueError("the outer block fails")
        assert _seen(app) == []  # the inner block's end committed nothing
        with db.unit_of_work() as session:
            _mark(session, 2)
        assert _seen(app) == [2]  # the depth was restored: the next block commits
