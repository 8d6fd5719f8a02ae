"""The app's long-lived collaborators, built once per app by the factory (never at import)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from config.settings import Settings
from lti_tool.clock import Clock
from lti_tool.outbound import USER_AGENT, OutboundClient, OutboundPolicy
from lti_tool.store import KeyValueStore

__all__ = ["USER_AGENT", "Services", "build_store", "init_app", "services"]


@dataclass
class Services:
    store: KeyValueStore
    http: OutboundClient  # every call to a platform goes through it (lti_tool.outbound)
    clock: Clock


def build_store(settings: Settings, app: Flask, clock: Clock) -> KeyValueStore:
    if settings.uses_redis:
        from lti_tool.store.redis_store import RedisStore

        return RedisStore.from_url(settings.redis_url)
    from lti_tool.store.sql_store import SqlStore

    return SqlStore.in_file(settings.data_dir / "store.sqlite3", clock)


def init_app(app: Flask, settings: Settings, clock: Clock, store: KeyValueStore | None) -> None:
    # Built here so a bad EMM_OUTBOUND_ALLOW stops the start with its message.
    http = OutboundClient(OutboundPolicy.from_settings(settings))
    app.extensions["emm_clock"] = clock
    app.extensions["emm_services"] = Services(
        store=store if store is not None else build_store(settings, app, clock),
        http=http,
        clock=clock,
    )


def services() -> Services:
    return current_app.extensions["emm_services"]
