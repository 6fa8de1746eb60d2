"""pick and pack, delivery and ERP acknowledgement

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 01:18:56.382357
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('location_pick_stats',
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('lines_picked', sa.Integer(), nullable=False),
    sa.Column('lines_short', sa.Integer(), nullable=False),
    sa.Column('handovers', sa.Integer(), server_default='0', nullable=False),
    sa.Column('handovers_on_time', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('location_id', name=op.f('pk_location_pick_stats'))
    )
    op.create_table('pick_processes',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('scan_to_pick', sa.Boolean(), nullable=False),
    sa.Column('short_pick_policy', sa.String(length=32), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('reason_codes', sa.JSON(), nullable=False),
    sa.Column('max_orders_per_list', sa.Integer(), nullable=True),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pick_processes'))
    )
    op.create_table('pick_lists',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('process_id', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('scan_to_pick', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_pick_lists_location_id_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pick_lists'))
    )
    with op.batch_alter_table('pick_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pick_lists_location_id_status_created_at'), ['location_id', 'status', 'created_at'], unique=False)

    op.create_table('pick_lines',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('pick_list_id', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('fulfillment_id', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('picked', sa.Integer(), server_default='0', nullable=False),
    sa.Column('short', sa.Integer(), server_default='0', nullable=False),
    sa.Column('short_reason', sa.String(length=64), nullable=True),
    sa.Column('group_key', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fulfillment_id'], ['fulfillments.id'], name=op.f('fk_pick_lines_fulfillment_id_fulfillments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pick_list_id'], ['pick_lists.id'], name=op.f('fk_pick_lines_pick_list_id_pick_lists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pick_lines'))
    )
    with op.batch_alter_table('pick_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pick_lines_fulfillment_id'), ['fulfillment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pick_lines_pick_list_id_seq'), ['pick_list_id', 'seq'], unique=False)

    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pick_list_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('steps', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('step_log', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('tracking_number', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('collection_code_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('delivered_at', app.store.types.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erp_reference', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_at', app.store.types.UtcDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('acknowledged_at')
        batch_op.drop_column('erp_reference')

    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('collection_code_digest')
        batch_op.drop_column('tracking_number')
        batch_op.drop_column('step_log')
        batch_op.drop_column('steps')
        batch_op.drop_column('pick_list_id')

    with op.batch_alter_table('pick_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pick_lines_pick_list_id_seq'))
        batch_op.drop_index(batch_op.f('ix_pick_lines_fulfillment_id'))

    op.drop_table('pick_lines')
    with op.batch_alter_table('pick_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pick_lists_location_id_status_created_at'))

    op.drop_table('pick_lists')
    op.drop_table('pick_processes')
    op.drop_table('location_pick_stats')
