"""Verification codes: 16 Crockford base32 characters (80 random bits), shown as
XXXX-XXXX-XXXX-XXXX.

Crockford's alphabet has no I, L, O or U, so a code read aloud or typed from paper survives
the usual confusions; `normalise` maps them back (O->0, I/L->1) and ignores dashes and spaces.
80 bits make guessing hopeless even without the rate limit.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str | None:
    """What a person typed -> the stored form, or None when it cannot be a code."""
    code = "".join(raw.split()).replace("-", "").upper().translate(_CONFUSABLE)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
