"""orders, fulfillments, sourcing profiles, returns

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 23:09:20.453980
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('orders',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('on_hold', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('market', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('customer_segment', sa.String(length=64), nullable=True),
    sa.Column('customer_email', sa.String(length=320), nullable=True),
    sa.Column('delivery', sa.JSON(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('risk_score', sa.Float(), nullable=True),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('created_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_orders_idempotency_key'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_created_at_id'), ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_customer_id_created_at'), ['customer_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_status_created_at'), ['status', 'created_at'], unique=False)

    op.create_table('sourcing_profiles',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('revision', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('market', sa.String(length=64), nullable=True),
    sa.Column('customer_segment', sa.String(length=64), nullable=True),
    sa.Column('allowed_location_types', sa.JSON(), nullable=True),
    sa.Column('max_shipments', sa.Integer(), nullable=True),
    sa.Column('max_distance_km', sa.Float(), nullable=True),
    sa.Column('respect_capacity', sa.Boolean(), nullable=False),
    sa.Column('allow_partial', sa.Boolean(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('shipping_rate', sa.JSON(), nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_profiles'))
    )
    op.create_table('fulfillments',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('created_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_fulfillments_location_id_locations')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_fulfillments_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillments'))
    )
    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fulfillments_location_id_day'), ['location_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_fulfillments_location_id_status'), ['location_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_fulfillments_order_id'), ['order_id'], unique=False)

    op.create_table('order_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_events_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_events'))
    )
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_events_order_id_id'), ['order_id', 'id'], unique=False)

    op.create_table('order_lines',
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Float(), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', 'line_no', name=op.f('pk_order_lines'))
    )
    op.create_table('returns',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('created_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_returns_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_returns'))
    )
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_returns_order_id'), ['order_id'], unique=False)

    op.create_table('fulfillment_lines',
    sa.Column('fulfillment_id', sa.String(length=40), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fulfillment_id'], ['fulfillments.id'], name=op.f('fk_fulfillment_lines_fulfillment_id_fulfillments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('fulfillment_id', 'sku', name=op.f('pk_fulfillment_lines'))
    )


def downgrade() -> None:
    op.drop_table('fulfillment_lines')
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_returns_order_id'))

    op.drop_table('returns')
    op.drop_table('order_lines')
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_events_order_id_id'))

    op.drop_table('order_events')
    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fulfillments_order_id'))
        batch_op.drop_index(batch_op.f('ix_fulfillments_location_id_status'))
        batch_op.drop_index(batch_op.f('ix_fulfillments_location_id_day'))

    op.drop_table('fulfillments')
    op.drop_table('sourcing_profiles')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_status_created_at'))
        batch_op.drop_index(batch_op.f('ix_orders_customer_id_created_at'))
        batch_op.drop_index(batch_op.f('ix_orders_created_at_id'))

    op.drop_table('orders')
