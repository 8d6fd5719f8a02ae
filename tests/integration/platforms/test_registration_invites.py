"""Registration invitations (`flask platform invite / invites / revoke-invite`) and the rule that
a Client ID belongs to one platform (CLI, database, migration)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import IntegrityError

from lti_tool import db
from lti_tool.cli import alembic_config
from lti_tool.platforms import invites
from lti_tool.platforms.models import Platform, RegistrationInvite

INVITE_URL = re.compile(r"http://tool\.test/lti/register/([A-Za-z0-9_-]+)\s")


def _invite(runner, *options: str) -> str:
    result = runner.invoke(args=["platform", "invite", *options])
    assert result.exit_code == 0, result.output
    (token,) = INVITE_URL.findall(result.output)
    return token


def test_invite_prints_a_one_time_url_and_stores_only_its_hash(app, runner):
    result = runner.invoke(args=["platform", "invite", "--note", "E-Campus production"])
    assert result.exit_code == 0, result.output
    (token,) = INVITE_URL.findall(result.output)
    assert len(token) >= 43  # 32 random bytes
    assert "valid once until 2026-11-24 09:00 UTC" in result.output  # 24 h after the clock
    assert '"Tool URL"' in result.output and '"Add LTI Advantage"' in result.output
    assert "revoke-invite 1" in result.output
    with app.app_context():
        (stored,) = db.session().scalars(select(RegistrationInvite)).all()
        columns = [str(getattr(stored, c.key)) for c in RegistrationInvite.__table__.columns]
        assert not any(token in value for value in columns), "the token itself is never stored"
        assert stored.token_sha256 == invites.token_digest(token)
        assert stored.note == "E-Campus production"
    assert _invite(runner) != token


@pytest.mark.parametrize(
    "lifetime,expiry", [("90m", "2026-11-23 10:30"), ("7d", "2026-11-30 09:00")]
)
def test_invite_lifetime_is_chosen_by_the_admin(runner, lifetime, expiry):
    result = runner.invoke(args=["platform", "invite", "--expires-in", lifetime])
    assert result.exit_code == 0, result.output
    assert f"until {expiry} UTC" in result.output


@pytest.mark.parametrize("lifetime", ["0h", "31d", "tomorrow", "12"])
def test_invite_lifetime_must_be_a_sensible_duration(app, runner, lifetime):
    result = runner.invoke(args=["platform", "invite", "--expires-in", lifetime])
    assert result.exit_code != 0
    assert "Error" in result.output
    with app.app_context():
        assert db.session().scalars(select(RegistrationInvite)).all() == []


def test_invites_lists_pending_ones_and_all_with_their_state(runner, clock):
    _invite(runner, "--note", "first")
    _invite(runner, "--expires-in", "1h", "--note", "second")
    _invite(runner, "--note", "third")
    assert runner.invoke(args=["platform", "revoke-invite", "3"]).exit_code == 0
    clock.advance(hours=2)
    pending = runner.invoke(args=["platform", "invites"]).output
    assert pending.startswith("#1 pending") and "first" in pending
    assert "second" not in pending and "third" not in pending
    everything = runner.invoke(args=["platform", "invites", "--all"]).output.splitlines()
    assert [line.split()[1] for line in everything] == ["pending", "expired", "revoked"]


def test_revoking_needs_an_unused_invite_that_exists(app, runner, clock):
    missing = runner.invoke(args=["platform", "revoke-invite", "42"])
    assert missing.exit_code != 0 and "no invitation #42" in missing.output
    token = _invite(runner)
    with app.app_context():
        session = db.session()
        invites.consume_invite(session, token, clock.now())
        session.commit()
    used = runner.invoke(args=["platform", "revoke-invite", "1"])
    assert used.exit_code != 0 and "already used" in used.output
    assert runner.invoke(args=["platform", "invites"]).output.startswith("No pending invitation")


def test_an_invite_checked_before_another_registration_used_it_is_not_consumed_again(
    app, runner, clock
):
    """The time-of-check/time-of-use gap: both registrations passed the check while the
    platform answered; only the conditional UPDATE of the first one succeeds."""
    token = _invite(runner)
    with app.app_context():
        factory = app.extensions["emm_sessionmaker"]
        first, second = factory(), factory()
        try:
            # Each check ends its read, as the registration does before calling the platform.
            for session in (first, second):
                invites.check_invite(session, token, clock.now())
                session.rollback()
            invites.consume_invite(first, token, clock.now())
            first.commit()
            with pytest.raises(invites.InviteRefused) as refused:
                invites.consume_invite(second, token, clock.now())
            assert refused.value.problem is invites.InviteProblem.USED
            second.rollback()
        finally:
            first.close()
            second.close()


def test_an_invite_expiring_while_the_platform_answers_is_not_consumed(app, runner, clock):
    token = _invite(runner, "--expires-in", "1h")
    with app.app_context():
        session = db.session()
        invites.check_invite(session, token, clock.now())
        with pytest.raises(invites.InviteRefused) as refused:
            invites.consume_invite(session, token, clock.advance(hours=1))
        assert refused.value.problem is invites.InviteProblem.EXPIRED


def _add(runner, issuer: str, client_id: str, deployment: str = "1"):
    return runner.invoke(
        args=[
            "platform",
            "add",
            "--name",
            "E-Campus",
            "--issuer",
            issuer,
            "--client-id",
            client_id,
            "--deployment-id",
            deployment,
            "--auth-login-url",
            issuer + "/mod/lti/auth.php",
            "--auth-token-url",
            issuer + "/mod/lti/token.php",
            "--key-set-url",
            issuer + "/mod/lti/certs.php",
        ]
    )


def test_platform_add_refuses_a_client_id_registered_under_another_issuer(app, runner):
    assert _add(runner, "https://ecampus.example.org", "EqXpaimLxUNQ9Ux").exit_code == 0
    refused = _add(runner, "https://elsewhere.example.net", "EqXpaimLxUNQ9Ux")
    assert refused.exit_code != 0
    assert "already registered for platform #1" in refused.output
    assert "https://ecampus.example.org" in refused.output
    # The same platform may still get a new deployment by the explicit admin command.
    more = _add(runner, "https://ecampus.example.org", "EqXpaimLxUNQ9Ux", deployment="2")
    assert more.exit_code == 0 and "deployments 1, 2" in more.output
    listed = runner.invoke(args=["platform", "list"]).output
    assert "elsewhere" not in listed


def test_the_database_holds_one_platform_per_client_id(app, clock):
    def platform(issuer: str) -> dict:
        return {
            "name": "x",
            "issuer": issuer,
            "client_id": "same",
            "auth_login_url": issuer,
            "auth_token_url": issuer,
            "key_set_url": issuer,
            "created_at": clock.now(),
        }

    with app.app_context():
        session = db.session()
        session.execute(insert(Platform), [platform("https://a.example.org")])
        with pytest.raises(IntegrityError):
            session.execute(insert(Platform), [platform("https://b.example.org")])
        session.rollback()


def test_the_migration_names_client_ids_shared_by_several_platforms(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path}/shared.sqlite3"
    config = alembic_config(url)
    command.upgrade(config, "7896dc8dfdd8")
    engine = create_engine(url)
    now = datetime(2026, 11, 23, tzinfo=UTC).isoformat(" ")
    with engine.begin() as conn:
        for n, issuer in enumerate(("https://a.example.org", "https://b.example.org"), start=1):
            conn.execute(
                text(
                    "INSERT INTO platforms (id, name, issuer, client_id, auth_login_url, "
                    "auth_token_url, key_set_url, created_at) VALUES (:id, 'x', :issuer, 'shared', "
                    "'u', 'u', 'u', :now)"
                ),
                {"id": n, "issuer": issuer, "now": now},
            )
    engine.dispose()
    with pytest.raises(RuntimeError, match=r"'shared' \(2 platforms\).*flask platform remove"):
        command.upgrade(config, "head")
