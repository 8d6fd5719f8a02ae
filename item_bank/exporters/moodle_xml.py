"""Published assessment -> Moodle XML, as Moodle's own exporter writes it (question/format/xml):
a category per pool, <question> elements, CDATA text, multilang markup for translations.

What Moodle has no field for (assessment settings, draw counts, pool titles, option and pair ids,
the source, the language of each accepted answer) goes into `emm-assessment:` / `emm-item:` XML
comments, so importing the export gives back exactly the same content.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session, object_session

from item_bank.catalog import latest_version
from item_bank.exporters.moodle_media import embed_pictures
from item_bank.exporters.moodle_xml_writer import (
    QuestionWriter,
    comment,
    escape,
    number,
    text_element,
    text_field,
)
from item_bank.item_types import item_type
from item_bank.media.store import DatabaseMediaStore, MediaStore
from item_bank.models import AssessmentVersion, ItemVersion
from item_bank.parsers.moodle_xml import ASSESSMENT_META, ITEM_META
from item_bank.parsers.multilang import join_multilang
from item_bank.sanitize import plain_text


class UnknownAssessment(LookupError):
    pass


def object_session_of(version: AssessmentVersion) -> Session:
    session = object_session(version)
    if session is None:
        raise ValueError("Pass `media`: this version is not attached to a session.")
    return session


def _category_name(translations: Mapping[str, str], language: str, fallback: str) -> str:
    name = join_multilang({k: plain_text(v) for k, v in translations.items()}, language) or fallback
    return name.replace("/", "//")


def export_version(version: AssessmentVersion, media: MediaStore | None = None) -> str:
    """`version` as Moodle XML; its pictures come from `media` (by default the database of
    the session `version` was loaded in)."""
    store = media or DatabaseMediaStore(object_session_of(version))
    language = version.default_language
    minutes = lambda seconds: seconds / 60  # noqa: E731 - authoring format counts minutes
    meta = {
        "slug": version.assessment.slug,
        "version": version.number,
        "default_language": language,
        "title": version.title,
        "instructions": version.instructions,
        "pass_mark_percent": version.pass_mark_percent,
        "rules": {
            "inactivity_timeout_minutes": minutes(version.inactivity_timeout_seconds),
            "time_limit_minutes": None
            if version.time_limit_seconds is None
            else minutes(version.time_limit_seconds),
            "max_attempts": version.max_attempts,
            "retake_delay_minutes": minutes(version.retake_delay_seconds),
            "review": version.review_policy,
        },
        **({"feedback_bands": version.feedback_bands} if version.feedback_bands else {}),
        "pools": {
            pool.key: {"draw": pool.draw_count, "title": pool.title} for pool in version.pools
        },
    }
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n',
        comment(ASSESSMENT_META, meta),
        "\n",
    ]
    top = _category_name(version.title, language, version.assessment.slug)
    for pool in version.pools:
        path = f"$course$/top/{top}/{_category_name(pool.title, language, pool.key)}"
        out.append("<!-- question: 0  -->\n")
        out.append('  <question type="category">\n    <category>\n')
        out.append(text_element(path, 3))
        out.append(
            "    </category>\n"
            '    <info format="moodle_auto_format">\n      <text></text>\n    </info>\n'
        )
        out.append(f"    <idnumber>{escape(pool.key)}</idnumber>\n  </question>\n")
        for item_version in pool.item_versions:
            out.append(embed_pictures(export_item(item_version), store.get))
    out.append("</quiz>\n")
    return "".join(out)


def export_item(item: ItemVersion) -> str:
    content = item.content
    language = item.default_language
    feedback = content.get("feedback", {})
    writer = QuestionWriter(language, feedback, meta={"id": item.item_uid, "source": item.source})
    name = plain_text(content["stem"].get(language) or next(iter(content["stem"].values())))
    name = f"{item.item_uid}: {name}"[:250]
    writer.body += [
        "    <name>\n",
        text_element(name, 3),
        "    </name>\n",
        text_field("questiontext", content["stem"], language),
        text_field("generalfeedback", feedback.get("general"), language),
        f"    <defaultgrade>{number(item.points)}</defaultgrade>\n",
        "    <penalty>0</penalty>\n    <hidden>0</hidden>\n",
        f"    <idnumber>{escape(item.item_uid)}</idnumber>\n",
    ]
    kind = item_type(item.type)
    kind.to_moodle_xml(content, writer)
    if item.tags:
        writer.body.append(
            "    <tags>\n"
            + "".join(f"      <tag>{text_element(tag, 0).strip()}</tag>\n" for tag in item.tags)
            + "    </tags>\n"
        )
    return "".join(
        [
            f'  <question type="{kind.moodle_qtype}">\n',
            "    " + comment(ITEM_META, writer.meta) + "\n",
            *writer.body,
            "  </question>\n",
        ]
    )


def export_assessment(session: Session, slug: str) -> str:
    """The latest published version of `slug` as Moodle XML."""
    version = latest_version(session, slug)
    if version is None:
        raise UnknownAssessment(f"No published assessment with slug {slug!r}")
    return export_version(version)
