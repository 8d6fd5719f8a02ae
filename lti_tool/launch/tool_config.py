"""What an admin pastes into Moodle, built from the public base URL."""

from __future__ import annotations

from lti_tool.launch.claims import AGS_SCOPES, NRPS_SCOPE

__all__ = ["AGS_SCOPES", "INVITE_COMMAND", "NRPS_SCOPE", "tool_configuration"]
INVITE_COMMAND = "flask --app lti_tool:create_app platform invite"


def tool_configuration(base_url: str) -> dict:
    launch = f"{base_url}/lti/launch"
    return {
        "tool_url": launch,
        "target_link_uri": launch,
        "initiate_login_url": f"{base_url}/lti/login",
        "redirection_uris": [launch],
        "public_keyset_url": f"{base_url}/.well-known/jwks.json",
        # No registration URL: each dynamic registration needs a one-time invite URL that
        # an admin prints with this command (lti_tool.platforms.invites).
        "dynamic_registration_invite_command": INVITE_COMMAND,
        "deep_linking_url": launch,
        "content_selection_url": launch,
        "scopes": [*AGS_SCOPES, NRPS_SCOPE],
        # Nothing site-wide: Moodle lets the tool's site-level custom parameters override each
        # activity's own, so a site-level `assessment` would hide the one Deep Linking stored
        # with every activity. Deep Linking ("Select content") names it per activity.
        "custom_parameters": "",
    }
