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

from item_bank.messages import msg

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
                msg(
                    "Not valid UTF-8: byte %(byte)s at line %(line)s (offset %(offset)s). "
                    "Save the file as UTF-8 or declare its real encoding in "
                    '<?xml ... encoding="..."?>.',
                    byte=f"0x{data[error.start]:02x}",
                    line=line,
                    offset=error.start,
                )
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
            msg(
                "Refused: the XML contains a document type declaration (<!DOCTYPE>). "
                "DTDs allow external "
                "entities and entity-expansion attacks; Moodle XML never needs one."
            )
        ) from None
    except EntitiesForbidden:
        raise UnsafeXml(
            msg("Refused: the XML declares entities (possible entity-expansion attack).")
        ) from None
    except ExternalReferenceForbidden:
        raise UnsafeXml(msg("Refused: the XML references an external resource.")) from None
    except DefusedXmlException as error:
        raise UnsafeXml(msg("Refused: unsafe XML (%(kind)s).", kind=type(error).__name__)) from None
    except ET.ParseError as error:
        raise _not_well_formed(error, data) from None
    except LookupError as error:  # unknown declared encoding
        raise MalformedXml(
            msg("Unknown encoding declared in the XML header: %(error)s.", error=str(error))
        ) from None


def _not_well_formed(error: ET.ParseError, data: bytes) -> MalformedXml:
    """Where the parser stopped, and whether that is the end of the file (a truncated
    upload reads as a syntax error there)."""
    line, column = error.position
    reason = str(error).split(":")[0]
    if line >= data.rstrip().count(b"\n") + 1:
        return MalformedXml(
            msg(
                "XML is not well-formed: %(reason)s at line %(line)s, column %(column)s. "
                "The file ends too early: it looks truncated.",
                reason=reason,
                line=line,
                column=column,
            )
        )
    return MalformedXml(
        msg(
            "XML is not well-formed: %(reason)s at line %(line)s, column %(column)s.",
            reason=reason,
            line=line,
            column=column,
        )
    )
