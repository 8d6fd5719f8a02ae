"""Signing JWTs as the platform, and forging broken ones for negative tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt

from demo_platform.config import PlatformConfig, key_id

_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(obj: dict[str, Any]) -> str:
    return _b64(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def forge_id_token(
    config: PlatformConfig,
    claims: dict[str, Any],
    *,
    key_pem: str | None = None,
    kid: str | None = None,
    alg: str = "RS256",
    headers: dict[str, Any] | None = None,
) -> str:
    """Sign `claims` exactly as given (no iat/exp added).

    key_pem: sign with another RSA key (default: the platform's key).
    kid: header kid (default: the platform's kid, or the given key's thumbprint); "" omits it.
    alg: "RS256"/"RS384"/"RS512"/"PS256"; "none" yields an unsigned token; "HS256" etc. use
         the *public* PEM of key_pem/platform key as HMAC secret (the classic alg-confusion
         attack a tool must refuse).
    headers: extra header fields (override typ, add jku, ...).
    """
    signing_key = key_pem or config.private_key_pem
    if kid is None:
        kid = config.signing_kid if key_pem is None else key_id(key_pem)
    header: dict[str, Any] = {"typ": "JWT", "alg": alg}
    if kid:
        header["kid"] = kid
    header.update(headers or {})

    if alg == "none":
        return f"{_segment(header)}.{_segment(claims)}."
    if alg in _HMAC:
        from demo_platform.config import public_key_pem

        secret = public_key_pem(signing_key).encode("ascii")
        signing_input = f"{_segment(header)}.{_segment(claims)}"
        digest = hmac.new(secret, signing_input.encode("ascii"), _HMAC[alg]).digest()
        return f"{signing_input}.{_b64(digest)}"
    extra = {k: v for k, v in header.items() if k != "alg"}
    return jwt.encode(claims, signing_key, algorithm=alg, headers=extra)


def sign_as_platform(config: PlatformConfig, claims: dict[str, Any]) -> str:
    return jwt.encode(
        claims, config.private_key_pem, algorithm="RS256", headers={"kid": config.signing_kid}
    )
