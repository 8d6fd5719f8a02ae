"""Claim names of the LTI 1.3 id_token, each with the spec that defines it."""

# https://www.imsglobal.org/spec/lti/v1p3#required-message-claims
MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
VERSION = "https://purl.imsglobal.org/spec/lti/claim/version"
DEPLOYMENT_ID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
TARGET_LINK_URI = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
RESOURCE_LINK = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
ROLES = "https://purl.imsglobal.org/spec/lti/claim/roles"
# https://www.imsglobal.org/spec/lti/v1p3#optional-message-claims
CONTEXT = "https://purl.imsglobal.org/spec/lti/claim/context"
LAUNCH_PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"
TOOL_PLATFORM = "https://purl.imsglobal.org/spec/lti/claim/tool_platform"
# https://www.imsglobal.org/spec/lti-ags/v2p0#assignment-and-grade-service-claim
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
# https://www.imsglobal.org/spec/lti-nrps/v2p0#lti-1-3-integration
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

# OAuth 2 scopes of the services, the only copy: the tool's configuration asks for them, and
# the grade worker checks a placement's granted ones.
# https://www.imsglobal.org/spec/lti-ags/v2p0#scopes-and-allowed-http-methods
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
# https://www.imsglobal.org/spec/lti-nrps/v2p0#lti-1-3-integration
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
# https://www.imsglobal.org/spec/lti-dl/v2p0#deep-linking-settings
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
