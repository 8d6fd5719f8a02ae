"""item bank authoring: item ids per assessment (ADR 0023), media_files (ADR 0024), archive, authoring

Two Moodle quizzes both naming a question "Q1" could not both be imported: item ids were unique
across the whole bank. An item id is now unique within its assessment; an item version points
at its item by `items.id` (`item_id`, filled here from the old `item_uid` link) and keeps
`item_uid` as a plain copy. Downgrading fails while two assessments share an item id.

Revision ID: f52f3af43f27
Revises: 5edbec77fa64
Create Date: 2026-12-02 09:29:15.454419
"""
from alembic import op
import sqlalchemy as sa
import item_bank.database


revision = 'f52f3af43f27'
down_revision = '5edbec77fa64'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE item_versions SET item_id = "
        "(SELECT items.id FROM items WHERE items.uid = item_versions.item_uid)"
    )
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.alter_column('item_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_item_versions_item_uid_content_hash'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_item_versions_item_uid_version'), type_='unique')
        batch_op.create_index(batch_op.f('ix_item_versions_item_id'), ['item_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_item_versions_item_id_content_hash'), ['item_id', 'content_hash'])
        batch_op.create_unique_constraint(batch_op.f('uq_item_versions_item_id_version'), ['item_id', 'version'])
        batch_op.drop_constraint(batch_op.f('fk_item_versions_item_uid_items'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_item_versions_item_id_items'), 'items', ['item_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_items_uid'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_items_assessment_id_uid'), ['assessment_id', 'uid'])

    op.create_table('media_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=20), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', item_bank.database.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("media_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp')", name=op.f('ck_media_files_media_type_known')),
    sa.CheckConstraint('byte_size > 0 AND width > 0 AND height > 0', name=op.f('ck_media_files_sizes_positive')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_media_files_sha256_length')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_media_files'))
    )
    op.create_table('authoring_platforms',
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('allowed_at', item_bank.database.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_authoring_platforms_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', name=op.f('pk_authoring_platforms'))
    )
    op.create_table('authoring_uploads',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('launch_id', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', item_bank.database.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['launch_id'], ['launch_sessions.id'], name=op.f('fk_authoring_uploads_launch_id_launch_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_authoring_uploads'))
    )
    with op.batch_alter_table('authoring_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authoring_uploads_launch_id'), ['launch_id'], unique=False)

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', item_bank.database.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
    with op.batch_alter_table('authoring_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authoring_uploads_launch_id'))
    op.drop_table('authoring_uploads')
    op.drop_table('authoring_platforms')
    op.drop_table('media_files')

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_items_assessment_id_uid'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_items_uid'), ['uid'])

    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_item_versions_item_id_items'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_item_versions_item_uid_items'), 'items', ['item_uid'], ['uid'], ondelete='RESTRICT')
        batch_op.drop_constraint(batch_op.f('uq_item_versions_item_id_version'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_item_versions_item_id_content_hash'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_item_versions_item_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_item_versions_item_uid_version'), ['item_uid', 'version'])
        batch_op.create_unique_constraint(batch_op.f('uq_item_versions_item_uid_content_hash'), ['item_uid', 'content_hash'])
        batch_op.drop_column('item_id')
