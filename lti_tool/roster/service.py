"""The roster of a placement: the course's members from NRPS (cached in the key-value store,
refreshed on demand), each learner with their standing in the placement.

The membership call is made before the unit of work opens (a slow platform never holds a
database transaction); the unit of work then settles the placement's live attempts and reads
the standings (lti_tool.attempts.reports), as the placement report does.

Only the learners are cached, and only when their JSON is at most MAX_CACHED_BYTES: a larger
list is shown once and not kept (the key-value store is not a place for megabytes per
placement), so the next visit fetches it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from lti_tool import db
from lti_tool.attempts.reports import LearnerRow, placement_report
from lti_tool.db import unit_of_work
from lti_tool.grades.ags_errors import AgsError
from lti_tool.grades.ags_tokens import PlatformAccess
from lti_tool.grades.worker import client_id_holders
from lti_tool.launch.claims import NRPS
from lti_tool.launch.models import LaunchSession
from lti_tool.platforms.keys import SigningKey, signing_key
from lti_tool.roster.members import Member, member_from
from lti_tool.roster.nrps import Listing, NrpsClient
from lti_tool.services import services

CACHE_SECONDS = 7 * 24 * 3600  # a roster shown is at most this old, unless refreshed
REFRESH_INTERVAL_SECONDS = 30  # refreshes of one placement closer than this reuse the last
MAX_CACHED_BYTES = 4 * 1024 * 1024  # a larger roster is not cached (ADR 0021)
NOT_STARTED, IN_PROGRESS, PASSED, NOT_PASSED = "not_started", "in_progress", "passed", "not_passed"


class RosterUnavailable(Exception):
    """The platform's membership service could not be used; `error` says why."""

    def __init__(self, error: AgsError):
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class RosterRow:
    name: str
    email: str
    status: str
    best_percent: float | None
    submitted: int
    member: Member | None  # None: launched, but not in the platform's list
    user_id: int | None  # the tool's user, when they launched


@dataclass(frozen=True)
class Roster:
    offered: bool  # the launch carried an NRPS claim
    fetched_at: datetime | None
    learners: tuple[RosterRow, ...]  # course learners from NRPS (or, not offered, from launches)
    not_listed: tuple[RosterRow, ...]  # launched the activity, not a learner in the NRPS list
    cut: str | None = None  # nrps.CUT_*: the platform's list was cut at this bound
    cached: bool = True  # False: too large to keep, fetched again on every visit


@dataclass(frozen=True)
class _Fetched:
    at: datetime
    listing: Listing
    cached: bool = True


def memberships_url(launch: LaunchSession) -> str | None:
    claim = (launch.claims or {}).get(NRPS)
    url = claim.get("context_memberships_url") if isinstance(claim, dict) else None
    return url if isinstance(url, str) and url else None


def _client() -> NrpsClient:
    """One per app, so its token cache lives as long as the process."""
    found = current_app.extensions.get("emm_nrps_client")
    if found is None:
        sessions = current_app.extensions["emm_sessionmaker"]
        secret = current_app.config["SECRET_KEY"]

        def current_signing_key() -> SigningKey:
            with sessions() as session:
                return signing_key(session, secret)

        found = NrpsClient(
            services().http,
            services().clock,
            timeout=current_app.config["EMM_SETTINGS"].http_timeout_seconds,
            signing_key=current_signing_key,
            client_id_holders=client_id_holders(sessions),
        )
        current_app.extensions["emm_nrps_client"] = found
    return found


def _key(placement_id: int) -> str:
    return f"roster:{placement_id}"


def _cached(placement_id: int) -> _Fetched | None:
    raw = services().store.get(_key(placement_id))
    if raw is None:
        return None
    data = json.loads(raw)
    members = tuple(m for m in map(member_from, data["members"]) if m is not None)
    return _Fetched(datetime.fromisoformat(data["fetched_at"]), Listing(members, data.get("cut")))


def _fetch(access: PlatformAccess, placement_id: int, url: str, now: datetime) -> _Fetched:
    try:
        listing = _client().memberships(access, url)
    except AgsError as error:
        raise RosterUnavailable(error) from error
    learners = [m.as_json() for m in listing.members if m.is_learner]  # all the page shows
    payload = json.dumps({"fetched_at": now.isoformat(), "members": learners, "cut": listing.cut})
    if len(payload.encode()) > MAX_CACHED_BYTES:
        services().store.delete(_key(placement_id))  # no older, different list shown later
        return _Fetched(now, listing, cached=False)
    services().store.put(_key(placement_id), payload, CACHE_SECONDS)
    return _Fetched(now, listing)


def _members(launch: LaunchSession, url: str, *, refresh: bool, now: datetime) -> _Fetched:
    placement_id = launch.placement_id
    assert placement_id is not None
    cached = _cached(placement_id)
    if cached is not None and not refresh:
        return cached
    if cached is not None and now - cached.at < timedelta(seconds=REFRESH_INTERVAL_SECONDS):
        return cached  # fetched moments ago: the platform is not asked again
    access = PlatformAccess.of(launch.deployment.platform)
    # End the request's read transaction (the launch lookup) before the platform is called:
    # a slow platform must not hold it, and the token client reads keys in sessions of its own
    # (on SQLite every transaction takes the write lock: they would wait for this one).
    db.session().rollback()
    return _fetch(access, placement_id, url, now)


def _row(member: Member | None, learner: LearnerRow | None) -> RosterRow:
    best = learner.best if learner else None
    if learner is None or not learner.attempts:
        status = NOT_STARTED
    elif learner.in_progress is not None:
        status = IN_PROGRESS
    elif best is not None and best.passed:
        status = PASSED
    else:
        status = NOT_PASSED
    user = learner.user if learner else None
    return RosterRow(
        name=member.display_name if member else (user.display_name if user else ""),
        email=(member.email if member else "") or (user.email if user else ""),
        status=status,
        best_percent=best.best_percent if best else None,
        submitted=learner.submitted if learner else 0,
        member=member,
        user_id=user.id if user else None,
    )


def roster(launch: LaunchSession, *, refresh: bool, now: datetime) -> Roster:
    """RosterUnavailable when the platform's membership service fails (nothing cached)."""
    placement_id = launch.placement_id
    assert placement_id is not None
    url = memberships_url(launch)
    fetched = _members(launch, url, refresh=refresh, now=now) if url else None
    with unit_of_work() as session:
        rows = placement_report(session, placement_id, now)
    by_sub = {row.user.sub: row for row in rows}
    if fetched is None:
        known = tuple(_row(None, row) for row in rows)
        return Roster(False, None, known, ())
    learners = [m for m in fetched.listing.members if m.is_learner]
    listed = {m.user_id for m in learners}
    return Roster(
        True,
        fetched.at,
        tuple(
            sorted(
                (_row(m, by_sub.get(m.user_id)) for m in learners),
                key=lambda r: (r.name.casefold(), r.email),
            )
        ),
        tuple(_row(None, row) for row in rows if row.user.sub not in listed),
        cut=fetched.listing.cut,
        cached=fetched.cached,
    )
