"""Tables of the evaluation forms and entry/final questionnaires.

A `FormDefinition` is a stable slug; each import whose content differs from the latest
creates an immutable `FormVersion` (like an assessment version), so a submission always says
which questions were asked. `FormAttachment` says which forms an assessment (by slug) uses,
one per kind, and whether its certificate waits on it. `CompletionSettings` holds the other
per-assessment choices (score on the certificate, answers beside names in reports).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from item_bank.database import Base
from item_bank.forms import ENTRY, FORM_KINDS, FormDoc
from item_bank.models import ImmutableVersionError


def _kind_known(column: str = "kind") -> str:
    return f"{column} IN ({', '.join(repr(k) for k in FORM_KINDS)})"


class FormDefinition(Base):
    __tablename__ = "form_definitions"
    __table_args__ = (
        CheckConstraint("length(slug) > 0", name="slug_not_empty"),
        CheckConstraint(_kind_known(), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]

    versions: Mapped[list[FormVersion]] = relationship(
        back_populates="form", order_by="FormVersion.number"
    )


class FormVersion(Base):
    """A published, immutable content of a form (all languages)."""

    __tablename__ = "form_versions"
    __table_args__ = (
        UniqueConstraint("form_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(
        ForeignKey("form_definitions.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # FormDoc.content_json()
    languages: Mapped[list[str]] = mapped_column(JSON)
    source_file: Mapped[str] = mapped_column(String(500), default="")
    published_at: Mapped[datetime]

    form: Mapped[FormDefinition] = relationship(back_populates="versions")

    @property
    def doc(self) -> FormDoc:
        return FormDoc.from_json(self.content)


def _refuse_update(_mapper: Any, _connection: Any, target: FormVersion) -> None:
    raise ImmutableVersionError(f"FormVersion {target.id} is published and cannot be changed")


# A submission refers to the questions it answered: those must never change under it.
event.listen(FormVersion, "before_update", _refuse_update)


class FormAttachment(Base):
    """Form `form_id` is used by the assessment `assessment_slug` (at most one form per kind)."""

    __tablename__ = "form_attachments"
    __table_args__ = (
        UniqueConstraint("assessment_slug", "kind"),
        CheckConstraint(_kind_known(), name="kind_known"),
        # The entry questionnaire is offered before the first attempt only: a certificate
        # waiting on it could become impossible to earn.
        CheckConstraint(
            f"NOT (kind = '{ENTRY}' AND required_for_certificate)", name="entry_never_required"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_slug: Mapped[str] = mapped_column(
        String(100), ForeignKey("assessments.slug", ondelete="CASCADE"), index=True
    )
    form_id: Mapped[int] = mapped_column(
        ForeignKey("form_definitions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # copy of the form's kind, for the unique rule
    required_for_certificate: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]

    form: Mapped[FormDefinition] = relationship()


class CompletionSettings(Base):
    """Per-assessment choices about certificates and reports (absent row = the defaults)."""

    __tablename__ = "completion_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_slug: Mapped[str] = mapped_column(
        String(100), ForeignKey("assessments.slug", ondelete="CASCADE"), unique=True
    )
    certificate_shows_score: Mapped[bool] = mapped_column(Boolean, default=True)
    # Evaluation answers are anonymous in instructor reports unless the assessment says otherwise.
    answers_beside_names: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class FormSubmission(Base):
    """One person's answers to one form in one placement (once: a form is submitted one time)."""

    __tablename__ = "form_submissions"
    __table_args__ = (
        UniqueConstraint("form_id", "placement_id", "user_id"),
        CheckConstraint(_kind_known(), name="kind_known"),
        CheckConstraint(
            "knowledge_percent IS NULL OR (knowledge_percent >= 0 AND knowledge_percent <= 100)",
            name="knowledge_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form_definitions.id", ondelete="RESTRICT"))
    form_version_id: Mapped[int] = mapped_column(
        ForeignKey("form_versions.id", ondelete="RESTRICT"), index=True
    )
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    knowledge_percent: Mapped[float | None] = mapped_column(Float)  # entry/final questionnaires
    submitted_at: Mapped[datetime]

    version: Mapped[FormVersion] = relationship()
    answers: Mapped[list[FormAnswer]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="FormAnswer.id"
    )


class FormAnswer(Base):
    __tablename__ = "form_answers"
    __table_args__ = (
        UniqueConstraint("submission_id", "question_id"),
        CheckConstraint(
            "(CASE WHEN likert_value IS NULL THEN 0 ELSE 1 END) "
            "+ (CASE WHEN choice IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN text IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_value",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("form_submissions.id", ondelete="CASCADE")
    )
    question_id: Mapped[str] = mapped_column(String(100))
    likert_value: Mapped[int | None] = mapped_column(Integer)
    choice: Mapped[str | None] = mapped_column(String(50))
    text: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[FormSubmission] = relationship(back_populates="answers")

    @property
    def value(self) -> int | str | None:
        return (
            self.likert_value
            if self.likert_value is not None
            else self.choice
            if self.choice is not None
            else self.text
        )
