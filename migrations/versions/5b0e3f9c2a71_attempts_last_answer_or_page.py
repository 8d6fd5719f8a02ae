"""attempts: last answer or page (heartbeats alone keep an attempt going only so long)

An attempt now also ends when no answer is saved and no page opened for several inactivity
allowances, heartbeats or not (docs/decisions/0010): `last_answer_or_page_at` (existing
attempts start from their last activity) and the void reason `no_answer_or_page`.

Revision ID: 5b0e3f9c2a71
Revises: 22426fe0e9e1
Create Date: 2026-12-02 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import item_bank.database


revision = '5b0e3f9c2a71'
down_revision = '22426fe0e9e1'
branch_labels = None
depends_on = None

VOID_REASONS_BEFORE = "void_reason IS NULL OR void_reason IN ('inactivity')"
VOID_REASONS_AFTER = "void_reason IS NULL OR void_reason IN ('inactivity', 'no_answer_or_page')"


def upgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_answer_or_page_at',
                                      item_bank.database.UtcDateTime(timezone=True), nullable=True))
    op.execute("UPDATE attempts SET last_answer_or_page_at = last_activity_at")
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.alter_column('last_answer_or_page_at', nullable=False,
                              existing_type=item_bank.database.UtcDateTime(timezone=True))
        batch_op.drop_constraint(op.f('ck_attempts_void_reason_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_attempts_void_reason_known'), VOID_REASONS_AFTER)


def downgrade() -> None:
    # An attempt voided for "no answer or page" was void for lack of activity too.
    op.execute("UPDATE attempts SET void_reason = 'inactivity' "
               "WHERE void_reason = 'no_answer_or_page'")
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_attempts_void_reason_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_attempts_void_reason_known'), VOID_REASONS_BEFORE)
        batch_op.drop_column('last_answer_or_page_at')
