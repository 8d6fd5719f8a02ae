"""The tool's RSA key pairs: generated at run time, private halves encrypted at rest.

Keys live in the database (not in files) so every app instance and the grade worker sign with
the same key. The private PEM is encrypted with a key derived from the service's secret key, so
a database dump alone does not reveal it. Rotation keeps the previous public key published for
an overlap period, so id_tokens and client assertions signed just before still verify.
Retired keys stay in the table as a record (`flask keys list`); after the overlap they are
neither published nor used to sign, so nothing needs to delete them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from item_bank.database import Base


class ToolKey(Base):
    __tablename__ = "tool_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_jwk: Mapped[str] = mapped_column(Text)  # JSON
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]  # None: the current signing key

    def __repr__(self) -> str:  # never show key material
        return f"<ToolKey kid={self.kid} retired_at={self.retired_at}>"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r}, private_pem=<hidden>)"


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"emm-tool-keys\x00" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _new_key(secret_key: str, now: datetime, key_size: int = 2048) -> ToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    jwk = JWK.from_pem(pem)
    kid = jwk.thumbprint()
    public = json.loads(jwk.export_public())
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return ToolKey(
        kid=kid,
        public_jwk=json.dumps(public, sort_keys=True),
        private_key_encrypted=_fernet(secret_key).encrypt(pem),
        created_at=now,
        retired_at=None,
    )


def current_key(session: Session) -> ToolKey | None:
    return session.scalars(
        select(ToolKey)
        .where(ToolKey.retired_at.is_(None))
        .order_by(ToolKey.created_at.desc())
        .limit(1)
    ).first()


def ensure_signing_key(session: Session, secret_key: str, now: datetime) -> tuple[ToolKey, bool]:
    """The current key, created on first use; returns (key, created)."""
    key = current_key(session)
    if key is not None:
        return key, False
    key = _new_key(secret_key, now)
    session.add(key)
    session.flush()
    return key, True


def rotate(session: Session, secret_key: str, now: datetime) -> ToolKey:
    for old in session.scalars(select(ToolKey).where(ToolKey.retired_at.is_(None))):
        old.retired_at = now
    key = _new_key(secret_key, now)
    session.add(key)
    session.flush()
    return key


class NoSigningKey(LookupError):
    """The tool has no current key: nothing it sends (Deep Linking answers, AGS client
    assertions) can be signed until an administrator generates one."""


def signing_key(session: Session, secret_key: str) -> SigningKey:
    key = current_key(session)
    if key is None:
        raise NoSigningKey("the tool has no signing key yet: run `flask keys generate`")
    pem = _fernet(secret_key).decrypt(key.private_key_encrypted).decode()
    return SigningKey(kid=key.kid, private_pem=pem)


def published_jwks(session: Session, now: datetime, overlap: timedelta) -> dict:
    """Current key plus keys retired less than `overlap` ago."""
    keys = session.scalars(select(ToolKey).order_by(ToolKey.created_at.desc())).all()
    live = [k for k in keys if k.retired_at is None or k.retired_at + overlap > now]
    return {"keys": [json.loads(k.public_jwk) for k in live]}
