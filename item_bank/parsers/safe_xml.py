"""XML parsing for untrusted files: defusedxml with DTDs refused outright (Moodle XML never
has one), so neither external entities nor entity-expansion bombs can get in."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from defusedxml.ElementTree import DefusedXMLParser

_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class UnsafeXml(Exception):
    pass


class MalformedXml(Exception):
    pass


def parse_xml(data: bytes, *, with_comments: bool = False) -> ET.Element:
    """Parse bytes into an Element tree or raise UnsafeXml / MalformedXml with a clear message."""
    declared = _DECLARED_ENCODING.match(data[:200])
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding in ("utf-8", "utf8"):
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise MalformedXml(
                f"Not valid UTF-8: byte 0x{data[error.start]:02x} at line {line} "
                f"(offset {error.start}). "
                'Save the file as UTF-8 or declare its real encoding in <?xml ... encoding="..."?>.'
            ) from None
    target = ET.TreeBuilder(insert_comments=with_comments)
    parser = DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        return parser.close()
    except DTDForbidden:
        raise UnsafeXml(
            "Refused: the XML contains a document type declaration (<!DOCTYPE>). "
            "DTDs allow external "
            "entities and entity-expansion attacks; Moodle XML never needs one."
        ) from None
    except EntitiesForbidden:
        raise UnsafeXml(
            "Refused: the XML declares entities (possible entity-expansion attack)."
        ) from None
    except ExternalReferenceForbidden:
        raise UnsafeXml("Refused: the XML references an external resource.") from None
    except DefusedXmlException as error:
        raise UnsafeXml(f"Refused: unsafe XML ({type(error).__name__}).") from None
    except ET.ParseError as error:
        line, column = error.position
        reason = str(error).split(":")[0]
        last_line = data.rstrip().count(b"\n") + 1
        hint = " The file ends too early: it looks truncated." if line >= last_line else ""
        raise MalformedXml(
            f"XML is not well-formed: {reason} at line {line}, column {column}.{hint}"
        ) from None
    except LookupError as error:  # unknown declared encoding
        raise MalformedXml(f"Unknown encoding declared in the XML header: {error}.") from None
