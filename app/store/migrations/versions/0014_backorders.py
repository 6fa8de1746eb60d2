"""backorders: inbound promised per position, backordered units per line, the waiting order's kind, inbound promises

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inbound_promised', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backordered', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('preorders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='PREORDER', nullable=False))
    op.create_table('inbound_promises',
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_inbound_promises_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', 'location_id', 'sku', name=op.f('pk_inbound_promises'))
    )


def downgrade() -> None:
    op.drop_table('inbound_promises')
    with op.batch_alter_table('preorders', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('backordered')
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_column('inbound_promised')
