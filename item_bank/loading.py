"""Entry points: validate or import a file or a directory of files, in any supported format.

An import is all-or-nothing: every file is read and validated first; if anything is wrong
nothing is written. Writes happen inside a SAVEPOINT so a failure while writing leaves the
caller's transaction untouched. Item ids are unique within an assessment only (ADR 0023).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath

from sqlalchemy.orm import Session

from item_bank.documents import AssessmentDoc
from item_bank.media.local_pictures import embed_local_pictures
from item_bank.media.publishing import with_media
from item_bank.messages import cannot_read, msg
from item_bank.parsers.aiken import looks_like_aiken, parse_aiken
from item_bank.parsers.base import ParsedFile
from item_bank.parsers.gift import parse_gift
from item_bank.parsers.moodle_xml import parse_moodle_xml
from item_bank.parsers.yaml_format import parse_yaml
from item_bank.publishing import publish
from item_bank.reports import ERROR, SKIPPED, ImportReport, Issue, ValidationReport
from item_bank.validation import validate_document

Parser = Callable[[bytes, str], ParsedFile]
SUPPORTED_SUFFIXES = (".yaml", ".yml", ".xml", ".gift", ".aiken", ".txt")


def _parser_for(path: Path, data: bytes) -> Parser:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return parse_yaml
    if suffix == ".xml":
        return parse_moodle_xml
    if suffix == ".gift":
        return parse_gift
    if suffix == ".aiken":
        return parse_aiken
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return parse_moodle_xml
    if head.startswith((b"assessment:", b"pools:", b"---")):
        return parse_yaml
    # Moodle exports GIFT as .txt; Aiken files are .txt too.
    return parse_aiken if looks_like_aiken(data) else parse_gift


def default_source(parsed: ParsedFile) -> str:
    """The `source` of items that name none: format and assessment slug, not the file name, so
    renaming a file does not create new item versions."""
    header = parsed.document.get("assessment") if parsed.document else None
    slug = header.get("slug") if isinstance(header, dict) else None
    return f"{parsed.format}:{slug}" if isinstance(slug, str) else parsed.format


def files_in(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
        )
    return [path]


@dataclass
class _Checked:
    report: ValidationReport
    documents: list[AssessmentDoc]


def _check(path: Path | str, *, strict: bool = False) -> _Checked:
    path = Path(path)
    if not path.exists():
        return _Checked(
            ValidationReport(issues=[Issue(str(path), msg("No such file or directory."))]), []
        )
    paths = files_in(path)
    if not paths:
        return _Checked(
            ValidationReport(
                issues=[
                    Issue(
                        str(path),
                        msg(
                            "No importable files (%(suffixes)s).",
                            suffixes=", ".join(SUPPORTED_SUFFIXES),
                        ),
                    )
                ]
            ),
            [],
        )
    return _check_files(paths, strict=strict)


def _check_files(paths: list[Path], *, strict: bool = False) -> _Checked:
    checked = _Checked(ValidationReport(), [])
    owner_of_slug: dict[str, str] = {}
    for file_path in paths:
        label = str(file_path)
        try:
            data = file_path.read_bytes()
        except OSError as error:
            checked.report.files.append(label)
            checked.report.issues.append(Issue(label, cannot_read(error)))
            continue
        _check_one(
            checked, owner_of_slug, file_path, data, label, strict=strict, base=file_path.parent
        )
    return checked


def _check_one(
    checked: _Checked,
    owner_of_slug: dict[str, str],
    name: Path,
    data: bytes,
    label: str,
    *,
    strict: bool,
    base: Path | None = None,
) -> None:
    """Parse and validate one file's bytes into `checked` (its report and documents); a YAML
    file's pictures are read from `base`, its directory (None: an upload, which has none)."""
    report = checked.report
    report.files.append(label)
    parsed = _parser_for(name, data)(data, label)
    report.issues.extend(_as_errors(parsed.issues) if strict else parsed.issues)
    if parsed.document is None:
        return
    if parsed.format == "yaml":
        parsed.document, pictures, picture_issues = embed_local_pictures(
            parsed.document, label, base
        )
        parsed.media.update(pictures)
        if picture_issues:
            report.issues.extend(picture_issues)
            return
    doc, doc_issues = validate_document(
        parsed.document, file_label=label, default_source=default_source(parsed)
    )
    report.issues.extend(doc_issues)
    if doc is None:
        return
    doc, media_issues = with_media(doc, parsed.media)
    if media_issues:
        report.issues.extend(media_issues)
        return
    if doc.slug in owner_of_slug:
        report.issues.append(
            Issue(
                label,
                msg(
                    "Assessment slug %(slug)r is also defined in %(other)s.",
                    slug=doc.slug,
                    other=owner_of_slug[doc.slug],
                ),
                field="assessment.slug",
            )
        )
    owner_of_slug.setdefault(doc.slug, label)
    report.assessments += 1
    report.items += len(doc.items)
    checked.documents.append(doc)


def check_upload(name: str, data: bytes, *, strict: bool = False) -> _Checked:
    """One uploaded file, named `name` by its sender: the name picks the format and labels the
    report, and is never used as a path."""
    label = PurePath(name.replace("\\", "/")).name[:200] or "upload"
    checked = _Checked(ValidationReport(), [])
    _check_one(checked, {}, Path(label), data, label, strict=strict)
    return checked


def validate_upload(name: str, data: bytes, *, strict: bool = False) -> ValidationReport:
    """What importing the uploaded file would report, without touching any database."""
    return check_upload(name, data, strict=strict).report


def import_upload(
    session: Session, name: str, data: bytes, *, now: datetime, strict: bool = False
) -> ImportReport:
    """Import one uploaded file: all or nothing, like import_path."""
    return _import_checked(session, check_upload(name, data, strict=strict), now=now)


def _as_errors(issues: list[Issue]) -> list[Issue]:
    """Strict mode: a skipped question makes the file fail."""
    return [
        Issue(
            i.file,
            msg("%(message)s (strict mode: skipping is an error)", message=i.message),
            i.item_id,
            i.field,
            ERROR,
        )
        if i.severity == SKIPPED
        else i
        for i in issues
    ]


def validate_path(path: Path | str, *, strict: bool = False) -> ValidationReport:
    """Read and validate without touching any database."""
    return _check(path, strict=strict).report


def import_path(
    session: Session, path: Path | str, *, now: datetime | None = None, strict: bool = False
) -> ImportReport:
    """Validate then publish every assessment under `path`; nothing is written unless all is
    valid. `strict` also refuses files with skipped (unsupported) questions.
    `now` is the publication time; it defaults to the system clock (the CLI edge)."""
    return _import_checked(session, _check(path, strict=strict), now=now)


def import_files(
    session: Session, paths: list[Path], *, now: datetime | None = None, strict: bool = False
) -> ImportReport:
    """Like import_path for an explicit list of files (all-or-nothing over the list)."""
    return _import_checked(session, _check_files(paths, strict=strict), now=now)


def _import_checked(session: Session, checked: _Checked, *, now: datetime | None) -> ImportReport:
    report = ImportReport(checked.report)
    if not checked.report.ok:
        return report
    published_at = now or datetime.now(UTC)
    savepoint = session.begin_nested()
    try:
        for doc in checked.documents:
            report.results.append(publish(session, doc, now=published_at))
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return report
