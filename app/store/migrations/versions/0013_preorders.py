"""pre-orders: items' release date and pre-order limit and counter, promised dates on order lines, waiting pre-orders

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_at', app.store.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('preorder_limit', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('preorder_units', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promised_by', app.store.types.UtcDateTime(timezone=True), nullable=True))
    op.create_table('preorders',
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('created_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('released_at', app.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_preorders_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_preorders'))
    )
    with op.batch_alter_table('preorders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_preorders_status_created_at'), ['status', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('preorders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_preorders_status_created_at'))
    op.drop_table('preorders')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('promised_by')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('preorder_units')
        batch_op.drop_column('preorder_limit')
        batch_op.drop_column('release_at')
