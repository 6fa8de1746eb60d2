"""transfers: a profile may allow ship-to-store transfers; a fulfillment names where its transfer comes from or goes

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sourcing_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allow_transfers', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transfer_from', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('transfer_to', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.drop_column('transfer_to')
        batch_op.drop_column('transfer_from')
    with op.batch_alter_table('sourcing_profiles', schema=None) as batch_op:
        batch_op.drop_column('allow_transfers')
