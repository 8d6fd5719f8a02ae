"""How a platform's certificates are branded: the issuing organisation, an optional logo and an
optional signatory line (`flask platform brand`), and the platform's display name (`flask
platform rename`, or the site name Moodle advertises in launches while the name is one the tool
made up at dynamic registration).

Logos come from a file an admin names; they are checked here (PNG or JPEG by content, not by
name; size and pixel limits; decodable) before they reach the database, because every
certificate PDF and page embeds them. No Flask here.
"""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lti_tool.platforms.models import Platform

LOGO_MAX_BYTES = 256 * 1024  # plenty for a logo; every certificate carries it
LOGO_MAX_SIDE_PIXELS = 4000
ORGANISATION_MAX_CHARS = 200  # the column's size
SIGNATORY_MAX_CHARS = 150  # three lines under the signature rule of the PDF
NAME_MAX_CHARS = 200
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}

TOOL_PLATFORM = "https://purl.imsglobal.org/spec/lti/claim/tool_platform"


class BrandingError(ValueError):
    """Branding that cannot be stored, with a one-line message for the admin."""


@dataclass(frozen=True)
class Logo:
    data: bytes
    media_type: str  # image/png or image/jpeg

    def data_uri(self) -> str:
        """For pages: the CSP allows data: images, and no URL reveals which certificate it is."""
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class IssuerBranding:
    """What a certificate says about who issued it."""

    organisation: str  # the organisation, else the platform's name
    signatory: str | None = None
    logo: Logo | None = None


def issuer_branding(platform: Platform | None) -> IssuerBranding | None:
    """The branding of certificates issued through `platform` (None: no platform known)."""
    if platform is None:
        return None
    logo = (
        Logo(platform.logo, platform.logo_media_type)
        if platform.logo is not None and platform.logo_media_type
        else None
    )
    return IssuerBranding(
        organisation=platform.organisation or platform.name,
        signatory=platform.signatory or None,
        logo=logo,
    )


# --------------------------------------------------------------------------- admin input
def _one_line(label: str, value: str, limit: int) -> str:
    text = " ".join(value.split())
    if not text:
        raise BrandingError(f"{label} must not be empty.")
    if len(text) > limit:
        raise BrandingError(f"{label} is {len(text)} characters long; at most {limit} fit.")
    if any(not ch.isprintable() for ch in text):
        raise BrandingError(f"{label} contains characters that cannot be printed.")
    return text


def clean_organisation(value: str) -> str:
    return _one_line("The organisation name", value, ORGANISATION_MAX_CHARS)


def clean_signatory(value: str) -> str | None:
    """An empty signatory removes the line."""
    if not value.strip():
        return None
    return _one_line("The signatory line", value, SIGNATORY_MAX_CHARS)


def clean_name(value: str) -> str:
    return _one_line("The platform name", value, NAME_MAX_CHARS)


def read_logo(path: Path) -> Logo:
    """The logo in `path`, checked to be a PNG or JPEG picture that fits the limits."""
    try:
        size = path.stat().st_size
        if size > LOGO_MAX_BYTES:
            raise BrandingError(
                f"The logo {path} is {size // 1024} KB; at most {LOGO_MAX_BYTES // 1024} KB."
            )
        data = path.read_bytes()
    except OSError as error:
        raise BrandingError(f"Cannot read the logo {path}: {error.strerror or error}.") from None
    return check_logo(data, str(path))


def check_logo(data: bytes, label: str = "The logo") -> Logo:
    if len(data) > LOGO_MAX_BYTES:
        raise BrandingError(f"{label} is larger than {LOGO_MAX_BYTES // 1024} KB.")
    kind = next((k for sig, k in SIGNATURES.items() if data.startswith(sig)), None)
    if kind is None:
        raise BrandingError(f"{label} is not a PNG or JPEG picture.")
    width, height = _decoded_size(data, kind, label)
    if max(width, height) > LOGO_MAX_SIDE_PIXELS:
        raise BrandingError(
            f"{label} is {width}x{height} pixels; at most {LOGO_MAX_SIDE_PIXELS} on a side."
        )
    return Logo(data, MEDIA_TYPES[kind])


def _decoded_size(data: bytes, kind: str, label: str) -> tuple[int, int]:
    """Decode the whole picture once, so a truncated or corrupt file is refused now and not
    when a learner downloads a certificate."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != kind:
                    raise BrandingError(f"{label} is not a PNG or JPEG picture.")
                if max(image.size) <= LOGO_MAX_SIDE_PIXELS:  # larger ones are refused unread
                    image.load()
                return image.size
    except BrandingError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as error:
        raise BrandingError(f"{label} is damaged or not a picture ({error}).") from None


# --------------------------------------------------------------------------- finding, changing
def find_by_reference(session: Session, reference: str) -> Platform:
    """The platform whose Platform ID (issuer) or Client ID is `reference`."""
    wanted = reference.strip()
    rows = session.scalars(
        select(Platform)
        .where(or_(Platform.issuer == wanted.rstrip("/"), Platform.client_id == wanted))
        .order_by(Platform.id)
    ).all()
    if not rows:
        raise BrandingError(
            f"No platform has the Platform ID or Client ID {wanted!r}; see `flask platform list`."
        )
    if len(rows) > 1:
        raise BrandingError(
            f"Several platforms have the Platform ID {wanted!r}; name one by its Client ID "
            "(see `flask platform list`)."
        )
    return rows[0]


def brand(
    platform: Platform,
    *,
    organisation: str,
    signatory: str | None,
    logo: Logo | None,
    keep_logo: bool,
) -> None:
    platform.organisation = organisation
    platform.signatory = signatory
    if not keep_logo:
        platform.logo = logo.data if logo is not None else None
        platform.logo_media_type = logo.media_type if logo is not None else None


def rename(platform: Platform, name: str) -> None:
    platform.name = name
    platform.name_is_automatic = False  # an admin's choice: launches no longer replace it


def advertised_name(claims: dict) -> str | None:
    """The site name a launch's tool_platform claim carries. Moodle sends its site's short name
    as `name` and its full name as `description` ("LTI Test Moodle"): the full one reads
    better on a certificate. Moodle's dynamic registration itself advertises no name."""
    tool_platform = claims.get(TOOL_PLATFORM)
    if not isinstance(tool_platform, dict):
        return None
    for key in ("description", "name"):
        value = tool_platform.get(key)
        if isinstance(value, str):
            try:
                return clean_name(value)
            except BrandingError:
                continue
    return None
