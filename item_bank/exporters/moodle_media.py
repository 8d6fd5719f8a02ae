"""Pictures in exported Moodle XML, as Moodle writes them: each text field that shows a picture
refers to it as `@@PLUGINFILE@@/name` and carries it in a `<file name="name" path="/"
encoding="base64">` element of its own (question/format/xml: writefiles)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable

from item_bank.media.images import EXTENSIONS
from item_bank.media.store import StoredMedia

# A text field as moodle_xml_writer.text_field writes it: CDATA text, then the closing tag.
_FIELD_TEXT = re.compile(r"<text><!\[CDATA\[(.*?)\]\]></text>\n(\s*)</", re.DOTALL)
_MEDIA = re.compile(r"media:([0-9a-f]{64})")


class MissingPicture(LookupError):
    pass


def file_name(picture: StoredMedia) -> str:
    return f"{picture.sha256}.{EXTENSIONS[picture.media_type]}"


def embed_pictures(question_xml: str, fetch: Callable[[str], StoredMedia | None]) -> str:
    """`question_xml` with every `media:SHA256` source written the way Moodle imports it."""
    if "media:" not in question_xml:
        return question_xml

    def one_field(match: re.Match[str]) -> str:
        text, pad = match.group(1), match.group(2)
        if "media:" not in text:
            return match.group(0)
        files = []
        for sha in dict.fromkeys(_MEDIA.findall(text)):
            picture = fetch(sha)
            if picture is None:
                raise MissingPicture(f"Picture {sha} is not in the media store.")
            name = file_name(picture)
            text = text.replace(f"media:{sha}", f"@@PLUGINFILE@@/{name}")
            data = base64.b64encode(picture.data).decode("ascii")
            files.append(f'{pad}  <file name="{name}" path="/" encoding="base64">{data}</file>\n')
        return f"<text><![CDATA[{text}]]></text>\n{''.join(files)}{pad}</"

    return _FIELD_TEXT.sub(one_field, question_xml)
