"""quiz parity (issue 15): flags for later, overall feedback by score band, availability

`attempt_questions.flagged`: the learner's "flag for later" of one question of an attempt.
`assessment_versions.feedback_bands`: overall feedback by score band (authored per assessment;
existing versions have none).
`placements.opens_at` / `closes_at`: when learners may start attempts (none: no limit).

Revision ID: c3a1f0e7d915
Revises: 5edbec77fa64
Create Date: 2026-12-02 09:40:00.000000
"""
from alembic import op
import sqlalchemy as sa
import item_bank.database


revision = 'c3a1f0e7d915'
down_revision = '5edbec77fa64'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attempt_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flagged', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('assessment_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_bands', sa.JSON(), server_default=sa.text("'[]'"),
                                      nullable=False))
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_at', item_bank.database.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('closes_at', item_bank.database.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_placements_window_ordered'),
            "opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at")


def downgrade() -> None:
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_placements_window_ordered'), type_='check')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
    with op.batch_alter_table('assessment_versions', schema=None) as batch_op:
        batch_op.drop_column('feedback_bands')
    with op.batch_alter_table('attempt_questions', schema=None) as batch_op:
        batch_op.drop_column('flagged')
