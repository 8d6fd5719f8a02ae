"""Imports every table module so `metadata` is complete (for Alembic and test schemas)."""

from __future__ import annotations

import importlib

from item_bank.database import Base

TABLE_MODULES = (
    "item_bank.models",
    "lti_tool.platforms.models",
    "lti_tool.platforms.keys",
    "lti_tool.launch.models",
    "lti_tool.attempts.models",
    "lti_tool.grades.models",
    "lti_tool.forms.models",
    "lti_tool.certificates.models",
    "lti_tool.authoring.models",
    "lti_tool.audit.models",
)


def load_all() -> None:
    for name in TABLE_MODULES:
        importlib.import_module(name)


load_all()
metadata = Base.metadata
