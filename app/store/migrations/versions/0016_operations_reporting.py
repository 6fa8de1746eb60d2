"""operations reporting: rollups per location, placed hour and channel, minute histograms, the job's watermark

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.store.types import UtcDateTime

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_hours',
    sa.Column('hour', UtcDateTime(timezone=True), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('filled', sa.Integer(), nullable=False),
    sa.Column('split', sa.Integer(), nullable=False),
    sa.Column('short', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Integer(), nullable=False),
    sa.Column('sla_met', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('hour', 'location_id', 'channel', name=op.f('pk_report_hours'))
    )
    with op.batch_alter_table('report_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_hours_location_id_hour'), ['location_id', 'hour'], unique=False)
    op.create_table('report_minutes',
    sa.Column('hour', UtcDateTime(timezone=True), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('measure', sa.String(length=8), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('hour', 'location_id', 'channel', 'measure', 'minutes', name=op.f('pk_report_minutes'))
    )
    with op.batch_alter_table('report_minutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_minutes_location_id_hour'), ['location_id', 'hour'], unique=False)
    op.create_table('report_watermarks',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('upto', UtcDateTime(timezone=True), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_report_watermarks'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_updated_at'), ['updated_at'], unique=False)
    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fulfillments_updated_at'), ['updated_at'], unique=False)
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_events_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_events_at'))
    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fulfillments_updated_at'))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_updated_at'))
    op.drop_table('report_watermarks')
    with op.batch_alter_table('report_minutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_minutes_location_id_hour'))
    op.drop_table('report_minutes')
    with op.batch_alter_table('report_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_hours_location_id_hour'))
    op.drop_table('report_hours')
