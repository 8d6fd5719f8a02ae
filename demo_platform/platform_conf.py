"""lti1p3platform's platform configuration, backed by PlatformState and its clock.

The library reads time.time() directly when signing and checking tokens; these subclasses
route every iat/exp through the platform clock so tests can make tokens expire without
sleeping.
"""

from __future__ import annotations

import typing as t

import jwt
from lti1p3platform.exceptions import (
    LtiException,
    MissingRequiredClaim,
    UnsupportedGrantType,
)
from lti1p3platform.ltiplatform import AccessTokenResponse, LTI1P3PlatformConfAbstract
from lti1p3platform.registration import Registration

from demo_platform.claims import SERVICE_SCOPES
from demo_platform.config import public_jwk, public_key_pem
from demo_platform.records import IssuedAccessToken, IssuedIdToken, ToolRegistration
from demo_platform.signing import forge_id_token
from demo_platform.store import PlatformState

# A tool clock a little off from ours must not break its assertions (Moodle's JWT leeway).
LEEWAY_SECONDS = 60
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenRequestError(Exception):
    """An OAuth error answer of the token endpoint (RFC 6749 5.2)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


class ClockedRegistration(Registration):
    def __init__(self, state: PlatformState) -> None:
        self._state = state

    def get_kid(self) -> str:
        return self._state.config.signing_kid

    def get_jwks(self) -> list[dict[str, t.Any]]:
        config = self._state.config
        return [public_jwk(config.private_key_pem, config.signing_kid), *self._state.extra_jwks]

    def platform_encode_and_sign(
        self, payload: dict[str, t.Any], expiration: int | None = None
    ) -> str:
        """Sign an id_token: iat/exp from the platform clock, Moodle's claim set (no azp),
        then any test tamper."""
        config = self._state.config
        now = int(self._state.now())
        payload = dict(payload)
        payload.pop("azp", None)
        payload["iat"] = now
        payload["exp"] = now + (expiration or config.id_token_lifetime)
        tamper = self._state.take_id_token_tamper()
        key_pem = kid = headers = None
        alg = "RS256"
        if tamper is not None:
            if tamper.claims is not None:
                payload = tamper.claims(dict(payload))
            key_pem, kid, alg, headers = tamper.key_pem, tamper.kid, tamper.alg, tamper.headers
        token = forge_id_token(config, payload, key_pem=key_pem, kid=kid, alg=alg, headers=headers)
        header = jwt.get_unverified_header(token) if alg != "none" else {"alg": "none"}
        self._state.record_id_token(IssuedIdToken(header=header, claims=payload, token=token))
        return token


class DemoPlatformConf(LTI1P3PlatformConfAbstract):
    """One platform<->tool pairing, built per request from the in-memory state."""

    decoded: dict[str, t.Any] | None = None

    def init_platform_config(self, **kwargs: t.Any) -> None:
        self.state: PlatformState = kwargs["state"]
        self.tool: ToolRegistration | None = kwargs.get("tool")
        self._jwt_verify_options = {
            "verify_aud": False,
            "verify_exp": False,
            "verify_iat": False,
            "verify_nbf": False,
        }

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        config = self.state.config
        registration = ClockedRegistration(self.state)
        registration.set_iss(config.issuer)
        registration.set_platform_private_key(config.private_key_pem)
        registration.set_platform_public_key(public_key_pem(config.private_key_pem))
        if self.tool is not None:
            registration.set_client_id(self.tool.client_id)
            registration.set_deployment_id(self.tool.deployment_id)
            registration.set_oidc_login_url(self.tool.login_url)
            registration.set_launch_url(self.tool.launch_url)
            registration.set_deeplink_launch_url(self.tool.deep_link_url)
            registration.set_tool_key_set_url(self.tool.jwks_url)
        return registration

    def tool_validate_and_decode(self, jwt_token_string: str) -> dict[str, t.Any]:
        """The library's check (signature by a kid in the tool's JWKS), with exp/iat against
        the platform clock."""
        claims = super().tool_validate_and_decode(jwt_token_string)
        now = self.state.now()
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp + LEEWAY_SECONDS < now:
            raise LtiException("JWT expired or without exp")
        iat = claims.get("iat")
        if isinstance(iat, (int, float)) and iat - LEEWAY_SECONDS > now:
            raise LtiException("JWT issued in the future")
        self.decoded = claims
        return claims

    def get_access_token(self, token_request_data: dict[str, t.Any]) -> AccessTokenResponse:
        """client_credentials grant with a private_key_jwt assertion, answered like token.php."""
        assert self.tool is not None
        self.get_registration()
        for required in ("grant_type", "client_assertion_type", "client_assertion", "scope"):
            if not token_request_data.get(required):
                raise MissingRequiredClaim(f"{required} is missing")
        if token_request_data["grant_type"] != "client_credentials":
            raise UnsupportedGrantType()
        if token_request_data["client_assertion_type"] != CLIENT_ASSERTION_TYPE:
            raise TokenRequestError("invalid_request", "unsupported client_assertion_type")
        try:
            assertion = self.tool_validate_and_decode(token_request_data["client_assertion"])
        except (LtiException, jwt.PyJWTError) as error:
            raise TokenRequestError("invalid_client", str(error), 401) from error
        if assertion.get("sub") != self.tool.client_id:
            raise TokenRequestError("invalid_client", "sub is not the client_id", 401)
        audience = assertion.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        config = self.state.config
        if not {config.token_url(), config.issuer} & set(audiences):
            raise TokenRequestError("invalid_client", "aud is not the token endpoint", 401)

        allowed = set(self.tool.scopes) & set(SERVICE_SCOPES)
        granted = [s for s in token_request_data["scope"].split() if s in allowed]
        if not granted:
            raise TokenRequestError("invalid_scope", "no requested scope is available")
        now = int(self.state.now())
        lifetime = int(self.state.access_token_lifetime)
        jti = self.state.new_secret(24)
        claims = {
            "iss": config.issuer,
            "sub": self.tool.client_id,
            "aud": config.token_url(),
            "scopes": " ".join(granted),
            "iat": now,
            "exp": now + lifetime,
            "jti": jti,
        }
        token = jwt.encode(
            claims, config.private_key_pem, algorithm="RS256", headers={"kid": config.signing_kid}
        )
        self.state.record_access_token(
            IssuedAccessToken(
                jti=jti,
                client_id=self.tool.client_id,
                scopes=granted,
                issued_at=now,
                expires_at=now + lifetime,
            )
        )
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": " ".join(granted),
        }

    def validate_token(
        self, token: str, allowed_scopes: list[str] | None = None, audience: str | None = None
    ) -> bool:
        """Bearer check for the services: our signature, a token we issued and did not
        expire (by clock or expire_access_tokens()), and one of the endpoint's scopes."""
        config = self.state.config
        try:
            claims = jwt.decode(
                token,
                public_key_pem(config.private_key_pem),
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_aud": False},
            )
        except jwt.PyJWTError:
            return False
        if claims.get("iss") != config.issuer:
            return False
        issued = self.state.access_token(str(claims.get("jti")))
        if issued is None or issued.expires_at <= self.state.now():
            return False
        if allowed_scopes:
            return any(scope in issued.scopes for scope in allowed_scopes)
        return True
