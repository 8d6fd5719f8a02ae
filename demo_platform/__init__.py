"""A small LTI 1.3 *platform* shaped like Moodle 4.5, for end-to-end tests and demos.

It is a separate Flask app (not the tool's) built on the `lti1p3platform` package
(OIDCLogin, MessageLaunch, Registration, AssignmentsGradesService, NamesRoleProvisioningService,
deep-linking validation) through a Flask adapter (flask_adapter.py). All state is in memory.
Behaviour follows a real Moodle 4.5 (captures in tests/fixtures/moodle/): id_token
exp = iat + 60 s, auth endpoint requiring response_mode=form_post, prompt=none and an exactly
registered redirect_uri, access tokens of 3600 s, NRPS short role names, Moodle's score rules.

Quick start (tests; see tests/support/platform_server.py)::

    from demo_platform import PlatformConfig, generate_platform_key
    from tests.support.platform_server import run_platform

    config = PlatformConfig(private_key_pem=generate_platform_key(),
                            tool_login_url=f"{tool}/lti/login",
                            tool_launch_url=f"{tool}/lti/launch",
                            tool_jwks_url=f"{tool}/.well-known/jwks.json")
    with run_platform(config) as platform:          # serves on 127.0.0.1:<free port>
        platform.url                                 # = issuer, e.g. http://127.0.0.1:51234
        platform.state.configure_tool(login_url=...) # change the registration at any time
        browser.get(f"{platform.url}/launch/learner?custom_assessment=final-exam")

Tell the tool: issuer = platform.url, client_id = config.client_id, deployment_id =
config.deployment_id, JWKS `<issuer>/jwks`, token `<issuer>/token`, auth `<issuer>/auth`.

Routes (issuer-relative):
  GET  /                               index: launch forms, tools, gradebook (demo use)
  GET  /jwks                           platform public keys (kid = RFC 7638 thumbprint or
                                       PlatformConfig.kid), plus state.extra_jwks
  GET  /.well-known/openid-configuration   Moodle-shaped, with registration_endpoint
  GET  /launch/<learner|instructor|deeplink>   start a launch; 302 to the tool's
       initiate-login URL with iss, login_hint, lti_message_hint, client_id,
       lti_deployment_id, target_link_uri. Query parameters (all optional):
         user_id (4 learner / 3 instructor), given_name, family_name | name, email, username,
         roles (comma separated, short or full URIs), admin=1 (site admin roles),
         enrol=0 (do not enrol the user), locale (en), resource_link_id (1),
         resource_link_title, resource_link_description, document_target (window),
         return_url, target_link_uri, custom_<name>=<value> (-> custom claim, e.g.
         custom_assessment=final-exam), lineitem=0 (no `lineitem` in the AGS claim, no
         auto-created line item), grade_max (100, maximum of the auto-created line item),
         ags=0 / nrps=0 (omit the service claims), client_id (another registered tool),
         login_method=post (auto-submitted POST like Moodle instead of the 302),
         deeplink only: title, data, accept_types (ltiResourceLink).
       A resource link launch creates link <resource_link_id> and its line item on first use;
       PlatformConfig.course_activities are links there from the start (demo mode: link 1
       opens the EMM2.0 final assessment, so the default launch reaches content).
  GET|POST /auth                       OIDC authorization endpoint (Moodle auth.php order):
       bad client/redirect_uri/hint -> 400 page; other errors form-posted back as
       error/error_description/state; success renders a form_post of id_token + state
       (static/autosubmit.js + a visible button). The hint is single use.
  POST /token                          client_credentials + private_key_jwt (verified with
       the tool's JWKS URL; sub = client_id; aud = <issuer>/token or issuer); granted scopes
       are requested & registered; token_type Bearer, expires_in 3600
       (state.access_token_lifetime).
  POST /deep-link-return               field JWT (LtiDeepLinkingResponse), verified against
       the tool's JWKS; ltiResourceLink items become resource links (+ a line item when the
       item has lineItem); shows what arrived.
  GET|POST /lineitems                  list (?resource_link_id, resource_id, tag) / create
  GET|PUT|DELETE /lineitems/<id>       line item
  POST /lineitems/<id>/scores          application/vnd.ims.lis.v1.score+json, score scope
  GET  /lineitems/<id>/results         result.readonly scope (?user_id)
  GET  /memberships                    NRPS, short role names (contextmembership.readonly)
  GET  /start-registration?tool_registration_url=...  302 to the tool with
       openid_configuration and registration_token (like Moodle's "Add LTI Advantage")
  POST /register                       Bearer registration token; Moodle's validation and
       answer (client_id, lti-tool-configuration.deployment_id). New tools are Pending
       unless PlatformConfig.auto_activate_registrations; state.activate_tool(client_id).
  Service URLs carry "?type_id=1" like Moodle's (PlatformConfig.service_url_query).

State: `app.extensions["lti_platform"]` (also RunningPlatform.state) is a PlatformState:
  tool()/tools()/configure_tool(**changes)/add_tool()/activate_tool()
  enrol(user_id, roles, given_name=, ...)/unenrol()/member()/members()
  resource_link()/resource_links()/save_resource_link()
  create_line_item()/line_item()/line_items()/update_line_item()/delete_line_item()
  grade(line_item_id, user_id)/grades()/score_posts()   (Grade.grade is rescaled; None = empty)
  deep_link_returns()/registrations()/issued_id_tokens()/issued_access_tokens()
  expire_access_tokens()  access_token_lifetime (int, for new tokens)
  id_token_tamper = IdTokenTamper(claims=fn, key_pem=, kid=, alg=, headers=, once=True)
  faults: FaultPlan -> script("scores"|"token"|..., Fault.error(500), Fault.unavailable(),
          Fault.too_many_requests(retry_after=7), Fault.conflict(), Fault.slow(2.0),
          Fault.drop_connection()); received("scores"); counts(); clear()
  extra_jwks: list of extra public JWKs to publish (key rotation tests)

Negative tests: `forge_id_token(config, claims, key_pem=None, kid=None, alg="RS256",
headers=None)` signs arbitrary claims; `IdTokenTamper` changes what /auth signs within a
real OIDC flow (expired exp, wrong aud, other key, alg none, ...).
"""

from demo_platform.app import create_platform_app
from demo_platform.config import (
    CourseActivity,
    PlatformConfig,
    generate_platform_key,
    public_jwk,
)
from demo_platform.faults import Fault, FaultPlan
from demo_platform.records import IdTokenTamper, ToolRegistration
from demo_platform.signing import forge_id_token
from demo_platform.store import PlatformState

__all__ = [
    "CourseActivity",
    "Fault",
    "FaultPlan",
    "IdTokenTamper",
    "PlatformConfig",
    "PlatformState",
    "ToolRegistration",
    "create_platform_app",
    "forge_id_token",
    "generate_platform_key",
    "public_jwk",
]
