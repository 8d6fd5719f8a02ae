"""Which pictures an import keeps: exactly those its validated items show."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from item_bank.documents import AssessmentDoc, canonical_json
from item_bank.media.images import VerifiedImage
from item_bank.messages import msg
from item_bank.reports import Issue

_REFERENCE = re.compile(r"media:([0-9a-f]{64})")


def pictures_of(doc: AssessmentDoc) -> dict[str, list[str]]:
    """SHA-256 -> ids of the items whose texts show that picture."""
    shown: dict[str, list[str]] = {}
    for item in doc.items:
        for sha in dict.fromkeys(_REFERENCE.findall(canonical_json(item.content))):
            shown.setdefault(sha, []).append(item.uid)
    return shown


def with_media(
    doc: AssessmentDoc, media: Mapping[str, VerifiedImage]
) -> tuple[AssessmentDoc, list[Issue]]:
    """`doc` carrying the pictures it shows; an issue for each picture it names but the file
    did not carry (an author cannot point at a picture by its hash alone)."""
    shown = pictures_of(doc)
    issues = [
        Issue(
            doc.source_file,
            msg("Shows a picture that is not in the file; add the picture to the file."),
            item_id=uids[0],
            field="media",
        )
        for sha, uids in shown.items()
        if sha not in media
    ]
    return replace(doc, media={sha: media[sha] for sha in shown if sha in media}), issues
