"""platforms: certificate branding (organisation, logo, signatory) and automatic names

Certificates printed the platform's made-up name ("moodle host:port") as their issuer. An admin
now brands each platform (`flask platform brand`): the issuing organisation, an optional logo
(PNG or JPEG, checked and size-limited before it is stored here) and an optional signatory line.
`name_is_automatic` marks names the tool made up, which a launch may replace by the site name
the platform advertises; platforms registered dynamically before this revision (those an
invitation registered) start with it set.

Revision ID: 5edbec77fa64
Revises: 5b0e3f9c2a71
Create Date: 2026-12-02 06:46:24.714207
"""
from alembic import op
import sqlalchemy as sa
import item_bank.database


revision = '5edbec77fa64'
down_revision = '5b0e3f9c2a71'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_is_automatic', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('organisation', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signatory', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('logo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('logo_media_type', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(op.f('ck_platforms_logo_has_media_type'),
                                         "(logo IS NULL) = (logo_media_type IS NULL)")
    op.execute(sa.text(
        "UPDATE platforms SET name_is_automatic = :yes WHERE id IN "
        "(SELECT platform_id FROM registration_invites WHERE platform_id IS NOT NULL)"
    ).bindparams(yes=True))


def downgrade() -> None:
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_platforms_logo_has_media_type'), type_='check')
        batch_op.drop_column('logo_media_type')
        batch_op.drop_column('logo')
        batch_op.drop_column('signatory')
        batch_op.drop_column('organisation')
        batch_op.drop_column('name_is_automatic')
