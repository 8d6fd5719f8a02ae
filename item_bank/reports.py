"""What validation and import tell an author: every problem at once, each naming the file,
the item id and the field path. A message is English text (the CLI prints it as is) built with
`item_bank.messages.msg`, so the authoring pages can show it in the interface language."""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"  # the file cannot be imported
SKIPPED = "skipped"  # a question that cannot be represented here; the rest still imports
WARNING = (
    "warning"  # imported, but something was adapted (e.g. a Moodle setting that has no equivalent)
)


@dataclass(frozen=True)
class Issue:
    file: str
    message: str
    item_id: str | None = None
    field: str | None = None
    severity: str = ERROR

    def __str__(self) -> str:
        parts = [self.file]
        if self.item_id:
            parts.append(f"item {self.item_id}")
        if self.field:
            parts.append(self.field)
        return f"[{self.severity}] " + ": ".join(parts) + f": {self.message}"


@dataclass
class ValidationReport:
    files: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    assessments: int = 0
    items: int = 0

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == ERROR]

    @property
    def skipped(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == SKIPPED]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_text(self) -> str:
        lines = [str(issue) for issue in self.issues]
        verdict = "valid" if self.ok else "INVALID"
        lines.append(
            f"{len(self.files)} file(s), {self.assessments} assessment(s), {self.items} item(s): "
            f"{verdict}; {len(self.errors)} error(s), {len(self.skipped)} skipped question(s), "
            f"{len(self.warnings)} warning(s)"
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class AssessmentImportResult:
    slug: str
    version_number: int
    version_id: int
    new_version: bool  # False: identical to the latest published version, nothing created
    item_versions_created: int
    item_versions_reused: int


@dataclass
class ImportReport:
    validation: ValidationReport
    results: list[AssessmentImportResult] = field(default_factory=list)
    conflicts: list[Issue] = field(default_factory=list)

    @property
    def imported(self) -> bool:
        return self.validation.ok and not self.conflicts

    @property
    def issues(self) -> list[Issue]:
        return [*self.validation.issues, *self.conflicts]

    def to_text(self) -> str:
        lines = [str(issue) for issue in self.issues]
        if not self.results:
            lines.append(
                "Nothing was imported."
                if self.issues and not self.imported
                else "Nothing to import."
            )
            return "\n".join(lines)
        for result in self.results:
            state = "new version" if result.new_version else "unchanged"
            lines.append(
                f"{result.slug}: version {result.version_number} ({state}); item versions: "
                f"{result.item_versions_created} created, {result.item_versions_reused} unchanged"
            )
        if not self.imported:
            lines.append("Some files were not imported (see the errors above).")
        lines.append(
            f"Imported {len(self.results)} assessment(s); "
            f"{len(self.validation.skipped)} question(s) "
            f"skipped, {len(self.validation.warnings)} warning(s)."
        )
        return "\n".join(lines)
