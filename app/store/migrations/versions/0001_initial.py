"""initial schema: locations, items, positions, rules

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 22:31:24.934550
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.store.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('availability_rules',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('revision', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('market', sa.String(length=64), nullable=True),
    sa.Column('location_type', sa.String(length=32), nullable=True),
    sa.Column('location_id', sa.String(length=64), nullable=True),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('sku', sa.String(length=64), nullable=True),
    sa.Column('safety_stock', sa.Integer(), nullable=True),
    sa.Column('buffer_percent', sa.Float(), nullable=True),
    sa.Column('max_exposed', sa.Integer(), nullable=True),
    sa.Column('exclude', sa.Boolean(), nullable=True),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_rules'))
    )
    with op.batch_alter_table('availability_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_availability_rules_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_availability_rules_sku'), ['sku'], unique=False)

    op.create_table('inventory_events',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('as_of', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', 'event_id', name=op.f('pk_inventory_events'))
    )
    op.create_table('items',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('zone', sa.String(length=64), nullable=True),
    sa.Column('barcodes', sa.JSON(), nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sku', name=op.f('pk_items'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_category'), ['category'], unique=False)

    op.create_table('locations',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('markets', sa.JSON(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('capabilities', sa.JSON(), nullable=False),
    sa.Column('priority', sa.Integer(), server_default='0', nullable=False),
    sa.Column('daily_capacity', sa.Integer(), nullable=True),
    sa.Column('turnaround_hours', sa.Float(), nullable=True),
    sa.Column('pick_process_id', sa.String(length=64), nullable=True),
    sa.Column('handling_cost', sa.Float(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations'))
    )
    op.create_table('item_barcodes',
    sa.Column('barcode', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['sku'], ['items.sku'], name=op.f('fk_item_barcodes_sku_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('barcode', name=op.f('pk_item_barcodes'))
    )
    with op.batch_alter_table('item_barcodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_barcodes_sku'), ['sku'], unique=False)

    op.create_table('positions',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('on_hand', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reserved', sa.Integer(), server_default='0', nullable=False),
    sa.Column('inbound', sa.Integer(), server_default='0', nullable=False),
    sa.Column('inbound_eta', app.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('snapshot_as_of', app.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_synced_at', app.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_source', sa.String(length=64), nullable=True),
    sa.Column('updated_at', app.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('inbound >= 0', name=op.f('ck_positions_inbound_not_negative')),
    sa.CheckConstraint('reserved >= 0', name=op.f('ck_positions_reserved_not_negative')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_positions_location_id_locations')),
    sa.PrimaryKeyConstraint('sku', 'location_id', name=op.f('pk_positions'))
    )
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_positions_location_id_sku'), ['location_id', 'sku'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_positions_location_id_sku'))

    op.drop_table('positions')
    with op.batch_alter_table('item_barcodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_barcodes_sku'))

    op.drop_table('item_barcodes')
    op.drop_table('locations')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_category'))

    op.drop_table('items')
    op.drop_table('inventory_events')
    with op.batch_alter_table('availability_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_availability_rules_sku'))
        batch_op.drop_index(batch_op.f('ix_availability_rules_category'))

    op.drop_table('availability_rules')
