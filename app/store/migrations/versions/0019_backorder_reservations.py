"""backorder reservations: the stock units a waiting (partial) backorder holds until it is allocated

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 23:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('backorder_reservations',
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_backorder_reservations_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', 'location_id', 'sku', name=op.f('pk_backorder_reservations'))
    )


def downgrade() -> None:
    op.drop_table('backorder_reservations')
