"""review policy `full_after_close`: the right answers once the learner cannot take the
assessment again in the activity (it has closed, or no attempt is left)

Only the CHECK constraint on `assessment_versions.review_policy` changes; no row does.

Revision ID: 9d41b7e2c805
Revises: c3a1f0e7d915
Create Date: 2026-12-02 14:30:00.000000
"""
from alembic import op


revision = '9d41b7e2c805'
down_revision = 'c3a1f0e7d915'
branch_labels = None
depends_on = None

_BEFORE = "review_policy IN ('none', 'score', 'responses', 'full')"
_AFTER = "review_policy IN ('none', 'score', 'responses', 'full', 'full_after_close')"


def _review_policies(allowed: str) -> None:
    with op.batch_alter_table('assessment_versions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assessment_versions_review_policy_known'),
                                 type_='check')
        batch_op.create_check_constraint(
            op.f('ck_assessment_versions_review_policy_known'), allowed)


def upgrade() -> None:
    _review_policies(_AFTER)


def downgrade() -> None:
    # Versions published with the new policy fall back to its safe half: no right answers.
    op.execute(
        "UPDATE assessment_versions SET review_policy = 'responses' "
        "WHERE review_policy = 'full_after_close'"
    )
    _review_policies(_BEFORE)
