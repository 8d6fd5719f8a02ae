"""Tool keys, JWKS, rotation with overlap, and the configuration an admin pastes into Moodle."""

from __future__ import annotations

import jwt
from jwt.algorithms import RSAAlgorithm

from lti_tool import db
from lti_tool.platforms import keys


def _sign_with_current_key(app) -> str:
    with app.app_context():
        key = keys.signing_key(db.session(), app.config["SECRET_KEY"])
    return jwt.encode({"sub": "tool"}, key.private_pem, algorithm="RS256", headers={"kid": key.kid})


def _verify_with_jwks(client, token: str) -> dict:
    keyset = client.get("/.well-known/jwks.json").get_json()
    kid = jwt.get_unverified_header(token)["kid"]
    (jwk,) = [k for k in keyset["keys"] if k["kid"] == kid]
    return jwt.decode(token, RSAAlgorithm.from_jwk(jwk), algorithms=["RS256"])


def test_setup_generates_one_key_and_jwks_publishes_it_without_private_parts(app, runner, client):
    result = runner.invoke(args=["keys", "generate"])
    assert "Generated signing key" in result.output
    again = runner.invoke(args=["keys", "generate"])
    assert "Kept existing" in again.output
    keyset = client.get("/.well-known/jwks.json").get_json()
    assert len(keyset["keys"]) == 1
    (jwk,) = keyset["keys"]
    assert jwk["kid"] and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwk), "private parts must never be published"


def test_token_signed_before_rotation_verifies_during_overlap_only(app, runner, client, clock):
    runner.invoke(args=["keys", "generate"])
    before = _sign_with_current_key(app)
    rotated = runner.invoke(args=["keys", "rotate"])
    assert "New signing key" in rotated.output
    assert _verify_with_jwks(client, before)["sub"] == "tool"
    after = _sign_with_current_key(app)
    assert jwt.get_unverified_header(after)["kid"] != jwt.get_unverified_header(before)["kid"]
    assert len(client.get("/.well-known/jwks.json").get_json()["keys"]) == 2
    clock.advance(days=7, seconds=1)
    kids = {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert kids == {jwt.get_unverified_header(after)["kid"]}


def test_key_list_never_shows_key_material(app, runner):
    runner.invoke(args=["keys", "generate"])
    output = runner.invoke(args=["keys", "list"]).output
    assert "signing" in output and "PRIVATE KEY" not in output and "BEGIN" not in output


def test_private_key_is_encrypted_at_rest(app, runner):
    runner.invoke(args=["keys", "generate"])
    with app.app_context():
        stored = db.session().query(keys.ToolKey).one()
        assert b"PRIVATE KEY" not in stored.private_key_encrypted


def test_config_json_gives_every_url_moodle_asks_for(client):
    config = client.get("/lti/config.json").get_json()
    assert config["initiate_login_url"] == "http://tool.test/lti/login"
    assert config["redirection_uris"] == ["http://tool.test/lti/launch"]
    assert config["public_keyset_url"] == "http://tool.test/.well-known/jwks.json"
    # No bare registration URL: dynamic registration needs an admin's invitation.
    assert "dynamic_registration_url" not in config
    assert config["dynamic_registration_invite_command"].endswith("platform invite")
    assert config["tool_url"] == config["target_link_uri"] == config["deep_linking_url"]


def test_config_page_uses_moodle_field_names(client):
    page = client.get("/lti/config").get_data(as_text=True)
    for label in (
        "Tool URL",
        "Public keyset URL",
        "Initiate login URL",
        "Redirection URI(s)",
        "Content Selection URL",
    ):
        assert label in page
    assert "/lti/register" not in page
    assert "invitation" in page and "platform invite" in page


def test_platform_cli_add_list_remove(runner):
    args = [
        "platform",
        "add",
        "--name",
        "E-Campus",
        "--issuer",
        "https://ecampus.example.org",
        "--client-id",
        "abc",
        "--deployment-id",
        "1",
        "--deployment-id",
        "2",
        "--auth-login-url",
        "https://ecampus.example.org/mod/lti/auth.php",
        "--auth-token-url",
        "https://ecampus.example.org/mod/lti/token.php",
        "--key-set-url",
        "https://ecampus.example.org/mod/lti/certs.php",
    ]
    added = runner.invoke(args=args)
    assert added.exit_code == 0, added.output
    assert "deployments 1, 2" in added.output
    listed = runner.invoke(args=["platform", "list"]).output
    assert (
        "Platform ID: https://ecampus.example.org" in listed and "Deployment ID(s): 1, 2" in listed
    )
    platform_id = listed.split()[0].lstrip("#")
    assert runner.invoke(args=["platform", "remove", platform_id]).exit_code == 0
    assert "No platform is registered" in runner.invoke(args=["platform", "list"]).output


def test_platform_cli_refuses_bad_urls_with_moodle_names(runner):
    result = runner.invoke(
        args=[
            "platform",
            "add",
            "--name",
            "x",
            "--issuer",
            "not-a-url",
            "--client-id",
            "abc",
            "--deployment-id",
            "1",
            "--auth-login-url",
            "https://a/b",
            "--auth-token-url",
            "https://a/c",
            "--key-set-url",
            "https://a/d",
        ]
    )
    assert result.exit_code != 0 and "Platform ID" in result.output


def test_platform_cli_help_uses_moodle_field_names(runner):
    help_text = runner.invoke(args=["platform", "add", "--help"]).output
    for name in (
        "Platform ID",
        "Client ID",
        "Deployment ID",
        "Public keyset URL",
        "Access token URL",
        "Authentication request URL",
    ):
        assert name in help_text


def test_the_configuration_page_is_framed_by_nobody_and_runs_no_inline_code(app, client):
    # Launched pages are framed by their own platform: tests/integration/launch/test_frame_policy.py
    from tests.support.signed_launches import register

    register(app)
    csp = client.get("/lti/config").headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "https://moodle.example.org" not in csp
    assert "'unsafe-inline'" not in csp and "script-src 'self'" in csp
