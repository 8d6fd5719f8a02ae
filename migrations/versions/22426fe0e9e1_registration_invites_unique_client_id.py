"""registration invites; a Client ID belongs to one platform

Dynamic registration needs an admin's one-time invite (registration_invites). A Client ID
registered under two issuers would let the second one receive token requests the first one
accepts, so platforms.client_id becomes unique; an existing duplicate stops the upgrade with
a message rather than a bare constraint error.

Revision ID: 22426fe0e9e1
Revises: 7896dc8dfdd8
Create Date: 2026-12-02 03:38:28.106144
"""
from alembic import context, op
import sqlalchemy as sa
import item_bank.database


revision = '22426fe0e9e1'
down_revision = '7896dc8dfdd8'
branch_labels = None
depends_on = None


def _refuse_shared_client_ids() -> None:
    if context.is_offline_mode():  # an SQL script: nothing to read
        return
    shared = op.get_bind().execute(sa.text(
        "SELECT client_id, COUNT(*) FROM platforms GROUP BY client_id HAVING COUNT(*) > 1"
    )).all()
    if shared:
        listed = ", ".join(f"{client_id!r} ({count} platforms)" for client_id, count in shared)
        raise RuntimeError(
            f"These Client IDs are registered for several platforms: {listed}. A Client ID "
            "must belong to one platform only; keep the right one (`flask platform list`, "
            "`flask platform remove <id>`), then upgrade again.")


def upgrade() -> None:
    _refuse_shared_client_ids()
    op.create_table('registration_invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', item_bank.database.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', item_bank.database.UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', item_bank.database.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', item_bank.database.UtcDateTime(timezone=True), nullable=True),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_registration_invites_expires_after_creation')),
    sa.CheckConstraint('platform_id IS NULL OR used_at IS NOT NULL', name=op.f('ck_registration_invites_platform_only_once_used')),
    sa.CheckConstraint('used_at IS NULL OR revoked_at IS NULL', name=op.f('ck_registration_invites_used_or_revoked_not_both')),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_registration_invites_platform_id_platforms'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_invites')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_registration_invites_token_sha256'))
    )
    with op.batch_alter_table('registration_invites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_invites_platform_id'), ['platform_id'], unique=False)

    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_platforms_client_id'), ['client_id'])



def downgrade() -> None:
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_platforms_client_id'), type_='unique')

    with op.batch_alter_table('registration_invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_invites_platform_id'))

    op.drop_table('registration_invites')
