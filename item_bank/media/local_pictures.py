"""Pictures a YAML file refers to by path (`<img src="images/map.png" alt="...">`): read from
the file's own directory (never outside it), verified like Moodle's embedded pictures, and
named by hash in the stored text. An uploaded file has no directory: it must embed its
pictures (Moodle XML) instead."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from item_bank.media.images import MAX_IMAGE_BYTES, MediaError, VerifiedImage, verify_in_file
from item_bank.media.references import media_src
from item_bank.messages import message_of, msg
from item_bank.reports import ERROR, Issue

# A tag's attributes stop at the next `<`, so the pattern cannot rescan the rest of the text
# from every `<img` (quadratic time on a text of many unclosed tags).
_SRC = re.compile(r"""(<img\b[^<>]*?\bsrc\s*=\s*)(["'])([^"']*)\2""", re.IGNORECASE)
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, data:, media: ... (not a path)


class _Reader:
    def __init__(self, label: str, base: Path | None) -> None:
        self.label = label
        self.base = base.resolve() if base is not None else None
        self.media: dict[str, VerifiedImage] = {}
        self.issues: list[Issue] = []

    def picture(self, reference: str) -> str | None:
        """`media:SHA256` of the picture at `reference`, or None (an issue says why)."""
        if self.base is None:
            return self._refuse(
                reference,
                msg(
                    "a picture cannot be referred to by path in an uploaded file; "
                    "upload a Moodle XML export that embeds it"
                ),
            )
        path = (self.base / reference).resolve()
        if not path.is_relative_to(self.base):
            return self._refuse(reference, msg("pictures must be inside the file's directory"))
        try:
            if path.stat().st_size > MAX_IMAGE_BYTES:
                return self._refuse(
                    reference, msg("larger than %(limit)s KB", limit=MAX_IMAGE_BYTES // 1024)
                )
            image = verify_in_file(path.read_bytes(), reference, self.media)
        except OSError as error:
            why = msg("cannot be read (%(reason)s)", reason=str(error.strerror or error))
            return self._refuse(reference, why)
        except MediaError as error:
            self.issues.append(Issue(self.label, message_of(error), field="media", severity=ERROR))
            return None
        self.media[image.sha256] = image
        return media_src(image.sha256)

    def _refuse(self, reference: str, why: str) -> str | None:
        """Note why the picture is refused; None, the picture's name in its place."""
        message = msg("Picture %(reference)r: %(why)s.", reference=reference, why=why)
        self.issues.append(Issue(self.label, message, field="media", severity=ERROR))
        return None

    def text(self, value: str) -> str:
        def one(match: re.Match[str]) -> str:
            reference = match.group(3).strip()
            if not reference or _URL.match(reference):
                return match.group(0)  # the sanitiser keeps only media: sources
            named = self.picture(reference)
            return f"{match.group(1)}{match.group(2)}{named or ''}{match.group(2)}"

        return _SRC.sub(one, value)

    def walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value) if "<img" in value.lower() else value
        if isinstance(value, dict):
            return {key: self.walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.walk(item) for item in value]
        return value


def embed_local_pictures(
    document: dict[str, Any], label: str, base: Path | None
) -> tuple[dict[str, Any], dict[str, VerifiedImage], list[Issue]]:
    """`document` with its path references replaced by `media:SHA256`, the pictures, and
    the problems found (each names the picture)."""
    reader = _Reader(label, base)
    if not isinstance(document.get("pools"), list):
        return document, {}, []
    # Only questions show pictures (the instructions page does not resolve them).
    walked = {**document, "pools": reader.walk(document["pools"])}
    return walked, reader.media, reader.issues
