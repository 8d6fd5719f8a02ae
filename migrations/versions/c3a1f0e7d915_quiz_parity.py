"""quiz parity (issue 15): flags, overall feedback by score band, availability, audit log

`attempt_questions.flagged`: the learner's "flag for later" of one question of an attempt.
`attempts.preview`: a staff member's throwaway preview attempt (never counts).
`assessment_versions.feedback_bands`: overall feedback by score band (authored per assessment;
existing versions have none).
`placements.opens_at` / `closes_at`: when learners may start attempts (none: no limit).
`attempt_accommodations`: also a learner's own time limit and retake delay; each column may
now be NULL (the assessment's rule).
`audit_events`: what staff changed (dates, allowances, re-opened, deleted and overridden attempts).

Revision ID: c3a1f0e7d915
Revises: f52f3af43f27
Create Date: 2026-12-02 09:40:00.000000
"""
from alembic import op
import sqlalchemy as sa
import item_bank.database


revision = 'c3a1f0e7d915'
down_revision = 'f52f3af43f27'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preview', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
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
    with op.batch_alter_table('attempt_accommodations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_limit_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retake_delay_seconds', sa.Integer(), nullable=True))
        batch_op.alter_column('inactivity_timeout_seconds', existing_type=sa.Integer(),
                              nullable=True)
        batch_op.drop_constraint(op.f('ck_attempt_accommodations_inactivity_positive'),
                                 type_='check')
        batch_op.create_check_constraint(
            op.f('ck_attempt_accommodations_inactivity_positive'),
            "inactivity_timeout_seconds IS NULL OR inactivity_timeout_seconds > 0")
        batch_op.create_check_constraint(
            op.f('ck_attempt_accommodations_time_limit_positive'),
            "time_limit_seconds IS NULL OR time_limit_seconds > 0")
        batch_op.create_check_constraint(
            op.f('ck_attempt_accommodations_retake_delay_not_negative'),
            "retake_delay_seconds IS NULL OR retake_delay_seconds >= 0")
    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('placement_id', sa.Integer(), nullable=False),
        sa.Column('staff_user_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('learner_user_id', sa.Integer(), nullable=True),
        sa.Column('attempt_id', sa.Integer(), nullable=True),
        sa.Column('attempt_number', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('at', item_bank.database.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['learner_user_id'], ['lti_users.id'],
                                name=op.f('fk_audit_events_learner_user_id_lti_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['placement_id'], ['placements.id'],
                                name=op.f('fk_audit_events_placement_id_placements'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_user_id'], ['lti_users.id'],
                                name=op.f('fk_audit_events_staff_user_id_lti_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_placement_id'), ['placement_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_placement_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
    op.drop_table('audit_events')
    # Rows that only held a time limit or a retake delay have no allowance to keep.
    op.execute("DELETE FROM attempt_accommodations WHERE inactivity_timeout_seconds IS NULL")
    with op.batch_alter_table('attempt_accommodations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_attempt_accommodations_retake_delay_not_negative'),
                                 type_='check')
        batch_op.drop_constraint(op.f('ck_attempt_accommodations_time_limit_positive'),
                                 type_='check')
        batch_op.drop_constraint(op.f('ck_attempt_accommodations_inactivity_positive'),
                                 type_='check')
        batch_op.create_check_constraint(
            op.f('ck_attempt_accommodations_inactivity_positive'),
            "inactivity_timeout_seconds > 0")
        batch_op.alter_column('inactivity_timeout_seconds', existing_type=sa.Integer(),
                              nullable=False)
        batch_op.drop_column('retake_delay_seconds')
        batch_op.drop_column('time_limit_seconds')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_placements_window_ordered'), type_='check')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
    with op.batch_alter_table('assessment_versions', schema=None) as batch_op:
        batch_op.drop_column('feedback_bands')
    with op.batch_alter_table('attempt_questions', schema=None) as batch_op:
        batch_op.drop_column('flagged')
    op.execute("DELETE FROM attempts WHERE preview")  # throwaway attempts
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('preview')
